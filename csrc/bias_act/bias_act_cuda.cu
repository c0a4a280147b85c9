// CUDA implementations of glad_ops::bias_act and glad_ops::bias_act_grad (schemas in csrc/register.cpp).
#include <optional>

#include "../common/bias_layout.h"
#include "../common/cuda_launch.cuh"
#include "bias_act_kernels.cuh"

namespace glad_ops {
namespace {

template <bool kGrad>
Tensor bias_act_impl(const char* op, const Tensor& x, const std::optional<Tensor>& g, const std::optional<Tensor>& b,
                    int64_t dim, int64_t act, double alpha, double gain, double clamp, int64_t order) {
  const int32_t device = x.get_device_index();
  check_input(x, op, "x", device);
  if (g) {
    check_input(*g, op, "g", device);
    STD_TORCH_CHECK(g->scalar_type() == x.scalar_type() && g->numel() == x.numel(), "glad_ops.", op,
                    ": g must have x's dtype and shape");
  }
  BiasActParams p;
  if (b) check_input(*b, op, "b", device);
  const BiasLayout layout = bias_layout(x, b, dim, op);
  if (b) {
    p.inner = FastDivmod(uint64_t(layout.inner > 0 ? layout.inner : 1));
    p.channels = FastDivmod(uint64_t(layout.channels > 0 ? layout.channels : 1));
    p.b = b->const_data_ptr();
  }
  STD_TORCH_CHECK(act >= kLinear && act < kNumActs, "glad_ops.", op,
                  ": unknown activation code ", act);
  STD_TORCH_CHECK(!kGrad || order == 1 || order == 2, "glad_ops.", op, ": order must be 1 or 2, got ", order);
  Tensor out = torch::stable::empty_like(x);
  if (x.numel() == 0) return out;

  torch::stable::accelerator::DeviceGuard guard(device);
  p.x = x.const_data_ptr();
  p.g = g ? g->const_data_ptr() : nullptr;
  p.out = out.mutable_data_ptr();
  p.numel = x.numel();
  p.act = int(act);
  p.alpha = float(alpha);
  p.gain = float(gain);
  p.clamp = float(clamp);
  p.order = int(order);
  CudaLauncher launcher{current_stream(device), x};
  const DeviceLimits lim = device_limits(device);
  dispatch_floating<Kernels::kCuda>(x.scalar_type(), op,
                                     [&](auto tag) { run_bias_act<decltype(tag), kGrad>(launcher, p, lim); });
  return out;
}

Tensor bias_act_cuda(Tensor x, std::optional<Tensor> b, int64_t dim, int64_t act, double alpha, double gain,
                     double clamp) {
  return bias_act_impl<false>("bias_act", x, std::nullopt, b, dim, act, alpha, gain, clamp, 1);
}

Tensor bias_act_grad_cuda(Tensor g, Tensor x, std::optional<Tensor> b, int64_t dim, int64_t act, double alpha,
                          double gain, double clamp, int64_t order) {
  return bias_act_impl<true>("bias_act_grad", x, g, b, dim, act, alpha, gain, clamp, order);
}

}  // namespace

STABLE_TORCH_LIBRARY_IMPL(glad_ops, CUDA, m) {
  m.impl("bias_act", TORCH_BOX(&bias_act_cuda));
  m.impl("bias_act_grad", TORCH_BOX(&bias_act_grad_cuda));
}

}  // namespace glad_ops
