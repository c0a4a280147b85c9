// CPU kernel of upfirdn2d (spec §1.3): planes resampled in parallel with the polyphase PlaneResampler.
#include <torch/csrc/stable/library.h>
#include <torch/csrc/stable/ops.h>

#include "../common/dispatch.h"
#include "../common/filter.h"
#include "../common/resample_cpu.h"
#include "../common/tensor_util.h"

namespace glad_ops {
namespace {

Tensor upfirdn2d_cpu(Tensor x, Tensor f, int64_t upx, int64_t upy, int64_t downx, int64_t downy, int64_t padx0,
                     int64_t padx1, int64_t pady0, int64_t pady1, bool flip_filter, double gain) {
  check_4d(x, "upfirdn2d", "x");
  STD_TORCH_CHECK(upx >= 1 && upy >= 1 && downx >= 1 && downy >= 1, "upfirdn2d: up/down factors must be >= 1");
  x = as_contiguous(x);
  f = as_contiguous(f);
  const int64_t planes = x.size(0) * x.size(1);
  const PlaneGeometry geom{x.size(2), x.size(3), upx, upy, downx, downy, padx0, padx1, pady0, pady1};
  Tensor y;
  dispatch_floating<Kernels::kCpu>(x.scalar_type(), "upfirdn2d", [&](auto tag) {
    using I = decltype(tag);
    using T = opmath_t<I>;
    const Filter<T> filter = make_filter<T>(f, gain, flip_filter, "upfirdn2d");
    const int64_t out_h = Axis(geom.in_h, upy, downy, pady0, pady1, filter.h).out_len;
    const int64_t out_w = Axis(geom.in_w, upx, downx, padx0, padx1, filter.w).out_len;
    STD_TORCH_CHECK(out_h > 0 && out_w > 0, "upfirdn2d: the filter is larger than the upsampled, padded input");
    y = empty_like_sized(x, {x.size(0), x.size(1), out_h, out_w});
    const I* src = x.const_data_ptr<I>();
    I* dst = y.mutable_data_ptr<I>();
    const int64_t in_plane = geom.in_h * geom.in_w, out_plane = out_h * out_w;
    torch::stable::parallel_for(0, planes, 1, [&](int64_t lo, int64_t hi) {
      PlaneResampler<T> resampler(filter, geom);
      std::vector<T> out_buf(std::is_same_v<I, T> ? 0 : out_plane);
      for (int64_t p = lo; p < hi; ++p) {
        T* out = std::is_same_v<I, T> ? reinterpret_cast<T*>(dst + p * out_plane) : out_buf.data();
        resampler.run(src + p * in_plane, out, [](I v) { return T(v); });
        if constexpr (!std::is_same_v<I, T>) {
          for (int64_t i = 0; i < out_plane; ++i) dst[p * out_plane + i] = I(out_buf[i]);
        }
      }
    });
  });
  return y;
}

}  // namespace

STABLE_TORCH_LIBRARY_IMPL(glad_ops, CPU, m) { m.impl("upfirdn2d", TORCH_BOX(&upfirdn2d_cpu)); }

}  // namespace glad_ops
