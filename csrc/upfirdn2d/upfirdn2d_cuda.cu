// CUDA implementation of glad_ops::upfirdn2d (schema in csrc/register.cpp).
#include <cmath>

#include "../common/cuda_launch.cuh"
#include "../common/filter.h"
#include "upfirdn2d_kernels.cuh"

namespace glad_ops {
namespace {

Tensor upfirdn2d_cuda(Tensor x, Tensor f, int64_t upx, int64_t upy, int64_t downx, int64_t downy, int64_t padx0,
                      int64_t padx1, int64_t pady0, int64_t pady1, bool flip_filter, double gain) {
  const char* op = "upfirdn2d";
  const int32_t device = x.get_device_index();
  check_input(x, op, "x", device);
  check_filter(f, op, "f", device);
  STD_TORCH_CHECK(x.dim() == 4, "glad_ops.upfirdn2d: x must be [N, C, H, W]");
  STD_TORCH_CHECK(upx >= 1 && upy >= 1 && downx >= 1 && downy >= 1, "glad_ops.upfirdn2d: up/down must be >= 1");
  const bool separable = f.dim() == 1;
  const int fw = int(f.size(f.dim() - 1)), fh = separable ? fw : int(f.size(0));
  const int n = checked_int(x.size(0), op, "N"), c = checked_int(x.size(1), op, "C");
  const int in_h = checked_int(x.size(2), op, "H"), in_w = checked_int(x.size(3), op, "W");
  checked_int(int64_t(n) * c, op, "N * C");
  const int64_t padded_h = x.size(2) * upy + std::abs(pady0) + std::abs(pady1);
  const int64_t padded_w = x.size(3) * upx + std::abs(padx0) + std::abs(padx1);
  checked_int(padded_h * padded_w, op, "the padded upsampled plane size");
  const float fscale = filter_gain(gain, f.dim());
  Upfirdn2dParams p;
  p.g = make_upfirdn2d_geometry(n * c, c, in_h, in_w, fh, fw, separable, int(upx), int(upy), int(downx), int(downy),
                                int(padx0), int(padx1), int(pady0), int(pady1), flip_filter, fscale);
  STD_TORCH_CHECK(p.g.out_h > 0 && p.g.out_w > 0, "glad_ops.upfirdn2d: the padded input is smaller than the filter");
  Tensor y = torch::stable::new_empty(x, {x.size(0), x.size(1), int64_t(p.g.out_h), int64_t(p.g.out_w)});
  if (y.numel() == 0) return y;

  torch::stable::accelerator::DeviceGuard guard(device);
  p.x = x.const_data_ptr();
  p.y = y.mutable_data_ptr();
  p.f = static_cast<const float*>(f.const_data_ptr());
  CudaLauncher launcher{current_stream(device), x};
  const DeviceLimits lim = device_limits(device);
  dispatch_floating<Kernels::kCuda>(x.scalar_type(), op,
                                     [&](auto tag) { run_upfirdn2d<decltype(tag)>(launcher, p, lim); });
  return y;
}

}  // namespace

STABLE_TORCH_LIBRARY_IMPL(glad_ops, CUDA, m) { m.impl("upfirdn2d", TORCH_BOX(&upfirdn2d_cuda)); }

}  // namespace glad_ops
