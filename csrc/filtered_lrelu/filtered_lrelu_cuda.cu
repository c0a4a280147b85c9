// CUDA implementations of glad_ops::filtered_lrelu and glad_ops::filtered_lrelu_grad (schemas in
// csrc/register.cpp): one fused kernel per direction, or the generic three-step path when no tile fits.
#include <optional>
#include <tuple>

#include "../common/cuda_launch.cuh"
#include "filtered_lrelu_kernels.cuh"

namespace glad_ops {
namespace {

// Geometry from the op's arguments; `in_h`/`in_w` are x's spatial size (the forward's input).
FilteredLreluGeometry geometry_from_args(const char* op, int64_t n, int64_t c, int64_t in_h, int64_t in_w,
                                         const Tensor& fu, const Tensor& fd, int64_t up, int64_t down, int64_t padx0,
                                         int64_t padx1, int64_t pady0, int64_t pady1, double gain, double slope,
                                         double clamp, bool flip_filter) {
  STD_TORCH_CHECK(up >= 1 && down >= 1, "glad_ops.", op, ": up and down must be >= 1");
  const bool fu_sep = fu.dim() == 1, fd_sep = fd.dim() == 1;
  const int fu_w = int(fu.size(fu.dim() - 1)), fu_h = fu_sep ? fu_w : int(fu.size(0));
  const int fd_w = int(fd.size(fd.dim() - 1)), fd_h = fd_sep ? fd_w : int(fd.size(0));
  checked_int(n * c, op, "N * C");
  checked_int(in_h, op, "H");
  checked_int(in_w, op, "W");
  checked_int((in_h * up + std::abs(pady0) + std::abs(pady1)) * (in_w * up + std::abs(padx0) + std::abs(padx1)), op,
              "the padded upsampled plane size");
  const FilteredLreluGeometry g = make_filtered_lrelu_geometry(
      int(n * c), int(c), int(in_h), int(in_w), fu_h, fu_w, fu_sep, fd_h, fd_w, fd_sep, int(up), int(down),
      int(padx0), int(padx1), int(pady0), int(pady1), float(gain), float(slope), float(clamp), flip_filter);
  STD_TORCH_CHECK(g.t_h >= fd_h && g.t_w >= fd_w && g.out_h > 0 && g.out_w > 0, "glad_ops.", op,
                  ": the padded, upsampled input is too small for the filters");
  return g;
}

std::tuple<Tensor, Tensor> filtered_lrelu_cuda(Tensor x, Tensor fu, Tensor fd, std::optional<Tensor> b, int64_t up,
                                               int64_t down, int64_t padx0, int64_t padx1, int64_t pady0,
                                               int64_t pady1, double gain, double slope, double clamp,
                                               bool flip_filter) {
  const char* op = "filtered_lrelu";
  const int32_t device = x.get_device_index();
  check_input(x, op, "x", device);
  check_filter(fu, op, "fu", device);
  check_filter(fd, op, "fd", device);
  STD_TORCH_CHECK(x.dim() == 4, "glad_ops.filtered_lrelu: x must be [N, C, H, W]");
  FilteredLreluParams p;
  p.g = geometry_from_args(op, x.size(0), x.size(1), x.size(2), x.size(3), fu, fd, up, down, padx0, padx1, pady0,
                           pady1, gain, slope, clamp, flip_filter);
  if (b) {
    check_input(*b, op, "b", device);
    STD_TORCH_CHECK(b->dim() == 1 && b->numel() == x.size(1) && b->scalar_type() == x.scalar_type(),
                    "glad_ops.filtered_lrelu: b must be [C] with x's dtype");
  }
  const FilteredLreluGeometry& g = p.g;
  Tensor y = torch::stable::new_empty(x, {x.size(0), x.size(1), int64_t(g.out_h), int64_t(g.out_w)});
  Tensor mask = torch::stable::new_empty(x, {x.size(0), x.size(1), int64_t(g.t_h), int64_t(g.mask_w)},
                                         ScalarType::Byte);
  if (y.numel() == 0) return {y, mask};

  torch::stable::accelerator::DeviceGuard guard(device);
  p.x = x.const_data_ptr();
  p.b = b ? b->const_data_ptr() : nullptr;
  p.y = y.mutable_data_ptr();
  p.mask = static_cast<uint8_t*>(mask.mutable_data_ptr());
  p.fu = static_cast<const float*>(fu.const_data_ptr());
  p.fd = static_cast<const float*>(fd.const_data_ptr());
  CudaLauncher launcher{current_stream(device), x};
  const DeviceLimits lim = device_limits(device);
  dispatch_floating<Kernels::kCuda>(x.scalar_type(), op,
                                     [&](auto tag) { run_filtered_lrelu<decltype(tag)>(launcher, p, lim); });
  return {y, mask};
}

Tensor filtered_lrelu_grad_cuda(Tensor dy, Tensor mask, Tensor fu, Tensor fd, int64_t up, int64_t down,
                                int64_t padx0, int64_t padx1, int64_t pady0, int64_t pady1, int64_t in_h,
                                int64_t in_w, double gain, double slope, bool flip_filter) {
  const char* op = "filtered_lrelu_grad";
  const int32_t device = dy.get_device_index();
  check_input(dy, op, "dy", device);
  check_input(mask, op, "mask", device);
  check_filter(fu, op, "fu", device);
  check_filter(fd, op, "fd", device);
  STD_TORCH_CHECK(dy.dim() == 4, "glad_ops.filtered_lrelu_grad: dy must be [N, C, H_out, W_out]");
  FilteredLreluParams p;
  p.g = geometry_from_args(op, dy.size(0), dy.size(1), in_h, in_w, fu, fd, up, down, padx0, padx1, pady0, pady1,
                           gain, slope, -1.0, flip_filter);
  const FilteredLreluGeometry& g = p.g;
  STD_TORCH_CHECK(dy.size(2) == g.out_h && dy.size(3) == g.out_w, "glad_ops.filtered_lrelu_grad: dy is ",
                  dy.size(2), "x", dy.size(3), " but the arguments give an output of ", g.out_h, "x", g.out_w);
  STD_TORCH_CHECK(mask.scalar_type() == ScalarType::Byte && mask.dim() == 4 && mask.size(0) == dy.size(0) &&
                      mask.size(1) == dy.size(1) && mask.size(2) == g.t_h && mask.size(3) == g.mask_w,
                  "glad_ops.filtered_lrelu_grad: mask must be uint8 [N, C, ", g.t_h, ", ", g.mask_w, "]");
  Tensor dx = torch::stable::new_empty(dy, {dy.size(0), dy.size(1), in_h, in_w});
  if (dx.numel() == 0) return dx;

  torch::stable::accelerator::DeviceGuard guard(device);
  p.dy = dy.const_data_ptr();
  p.mask_in = static_cast<const uint8_t*>(mask.const_data_ptr());
  p.dx = dx.mutable_data_ptr();
  p.fu = static_cast<const float*>(fu.const_data_ptr());
  p.fd = static_cast<const float*>(fd.const_data_ptr());
  CudaLauncher launcher{current_stream(device), dy};
  const DeviceLimits lim = device_limits(device);
  dispatch_floating<Kernels::kCuda>(dy.scalar_type(), op,
                                     [&](auto tag) { run_filtered_lrelu_grad<decltype(tag)>(launcher, p, lim); });
  return dx;
}

}  // namespace

STABLE_TORCH_LIBRARY_IMPL(glad_ops, CUDA, m) {
  m.impl("filtered_lrelu", TORCH_BOX(&filtered_lrelu_cuda));
  m.impl("filtered_lrelu_grad", TORCH_BOX(&filtered_lrelu_grad_cuda));
}

}  // namespace glad_ops
