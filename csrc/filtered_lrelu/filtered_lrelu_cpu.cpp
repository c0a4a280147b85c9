// CPU kernels of filtered_lrelu and its gradient (spec §1.4), fused per (n, c) plane: the upsampled intermediate
// lives in a per-thread buffer only, and the backward pass reads the packed 2-bit sign/clamp mask.
#include <cmath>
#include <cstdint>
#include <type_traits>
#include <vector>

#include <torch/csrc/stable/library.h>
#include <torch/csrc/stable/ops.h>

#include "../common/activation.h"
#include "../common/dispatch.h"
#include "../common/filter.h"
#include "../common/resample_cpu.h"
#include "../common/tensor_util.h"

namespace glad_ops {
namespace {

using torch::headeronly::ScalarType;

// Sizes of the forward pass: input [h, w] -> intermediate t [th, tw] -> output [oh, ow].
struct FlreluShape {
  int64_t h, w, th, tw, oh, ow;
  PlaneGeometry up_geom, down_geom;  // forward stages

  FlreluShape(int64_t h_, int64_t w_, int64_t up, int64_t down, int64_t px0, int64_t px1, int64_t py0, int64_t py1,
              int64_t fuw, int64_t fuh, int64_t fdw, int64_t fdh)
      : h(h_), w(w_) {
    th = h * up + py0 + py1 - fuh + 1;
    tw = w * up + px0 + px1 - fuw + 1;
    STD_TORCH_CHECK(th >= fdh && tw >= fdw, "filtered_lrelu: the filters are larger than the padded input");
    oh = (th - fdh) / down + 1;
    ow = (tw - fdw) / down + 1;
    up_geom = {h, w, up, up, 1, 1, px0, px1, py0, py1};
    down_geom = {th, tw, 1, 1, down, down, 0, 0, 0, 0};
  }
  int64_t mask_w() const { return (tw + 3) / 4; }
};

// lrelu(t) * gain clamped to [-clamp, clamp] (clamp < 0: none), in place; writes the row's 2-bit codes
// (0: t <= 0, 1: t > 0, 2: the clamp blocks the gradient, see clamp_passes_grad). Branch-free so that it
// vectorises; `codes` is one byte per element.
template <typename T>
void activate_row(T* __restrict t, uint8_t* __restrict codes, uint8_t* __restrict mask, int64_t n, T gain, T slope,
                  T clamp) {
  for (int64_t i = 0; i < n; ++i) {
    const T v = t[i];
    const T a = (v > T(0) ? v : v * slope) * gain;
    codes[i] = clamp_passes_grad(a, clamp) ? uint8_t(v > T(0)) : uint8_t(2);
    t[i] = clamp_value(a, clamp);
  }
  const int64_t full = n / 4;
  for (int64_t g = 0; g < full; ++g) {
    const uint8_t* c = codes + 4 * g;
    mask[g] = uint8_t(c[0] | (c[1] << 2) | (c[2] << 4) | (c[3] << 6));
  }
  if (full * 4 < n) {
    uint8_t last = 0;
    for (int64_t i = full * 4; i < n; ++i) last |= uint8_t(codes[i] << (2 * (i - full * 4)));
    mask[full] = last;
  }
}

// row[i] *= derivative of element i given the row's packed mask (factors: see filtered_lrelu_grad_cpu).
template <typename T>
void apply_mask_row(T* __restrict row, const uint8_t* __restrict mask, int64_t n, const T* __restrict factors) {
  const int64_t full = n / 4;
  for (int64_t g = 0; g < full; ++g) {
    const T* f = factors + 4 * mask[g];
    for (int k = 0; k < 4; ++k) row[4 * g + k] *= f[k];
  }
  for (int64_t i = 4 * full; i < n; ++i) row[i] *= factors[4 * mask[full] + (i - 4 * full)];
}

std::tuple<Tensor, Tensor> filtered_lrelu_cpu(Tensor x, Tensor fu, Tensor fd, std::optional<Tensor> b, int64_t up,
                                              int64_t down, int64_t padx0, int64_t padx1, int64_t pady0,
                                              int64_t pady1, double gain, double slope, double clamp,
                                              bool flip_filter) {
  check_4d(x, "filtered_lrelu", "x");
  STD_TORCH_CHECK(up >= 1 && down >= 1, "filtered_lrelu: up and down must be >= 1");
  x = as_contiguous(x);
  fu = as_contiguous(fu);
  fd = as_contiguous(fd);
  if (b) {
    b = as_contiguous(*b);
    STD_TORCH_CHECK(b->dim() == 1 && b->size(0) == x.size(1) && b->scalar_type() == x.scalar_type(),
                    "filtered_lrelu: b must be [C] with x's dtype");
  }
  const int64_t channels = x.size(1), planes = x.size(0) * channels;
  const int64_t fuw = fu.size(fu.dim() - 1), fuh = fu.dim() == 1 ? fuw : fu.size(0);
  const int64_t fdw = fd.size(fd.dim() - 1), fdh = fd.dim() == 1 ? fdw : fd.size(0);
  const FlreluShape s(x.size(2), x.size(3), up, down, padx0, padx1, pady0, pady1, fuw, fuh, fdw, fdh);
  Tensor y = empty_like_sized(x, {x.size(0), channels, s.oh, s.ow});
  Tensor mask = empty_like_sized(x, {x.size(0), channels, s.th, s.mask_w()}, ScalarType::Byte);
  dispatch_floating<Kernels::kCpu>(x.scalar_type(), "filtered_lrelu", [&](auto tag) {
    using I = decltype(tag);
    using T = opmath_t<I>;
    const Filter<T> fu_taps = make_filter<T>(fu, double(up * up), flip_filter, "filtered_lrelu");
    const Filter<T> fd_taps = make_filter<T>(fd, 1.0, flip_filter, "filtered_lrelu");
    const I* src = x.const_data_ptr<I>();
    const I* bias = b ? b->const_data_ptr<I>() : nullptr;
    I* dst = y.mutable_data_ptr<I>();
    uint8_t* mask_ptr = mask.mutable_data_ptr<uint8_t>();
    const int64_t in_plane = s.h * s.w, out_plane = s.oh * s.ow, mw = s.mask_w();
    torch::stable::parallel_for(0, planes, 1, [&](int64_t lo, int64_t hi) {
      PlaneResampler<T> upsampler(fu_taps, s.up_geom), downsampler(fd_taps, s.down_geom);
      std::vector<T> t(s.th * s.tw), out_buf(std::is_same_v<I, T> ? 0 : out_plane);
      std::vector<uint8_t> codes(s.tw);
      for (int64_t p = lo; p < hi; ++p) {
        const T bv = bias ? T(bias[p % channels]) : T(0);
        upsampler.run(src + p * in_plane, t.data(), [bv](I v) { return T(v) + bv; });
        uint8_t* m = mask_ptr + p * s.th * mw;
        for (int64_t r = 0; r < s.th; ++r) {
          activate_row<T>(t.data() + r * s.tw, codes.data(), m + r * mw, s.tw, T(gain), T(slope), T(clamp));
        }
        T* out = std::is_same_v<I, T> ? reinterpret_cast<T*>(dst + p * out_plane) : out_buf.data();
        downsampler.run(t.data(), out, [](T v) { return v; });
        if constexpr (!std::is_same_v<I, T>) {
          for (int64_t i = 0; i < out_plane; ++i) dst[p * out_plane + i] = I(out_buf[i]);
        }
      }
    });
  });
  return std::make_tuple(y, mask);
}

Tensor filtered_lrelu_grad_cpu(Tensor dy, Tensor mask, Tensor fu, Tensor fd, int64_t up, int64_t down,
                               int64_t padx0, int64_t padx1, int64_t pady0, int64_t pady1, int64_t in_h,
                               int64_t in_w, double gain, double slope, bool flip_filter) {
  check_4d(dy, "filtered_lrelu_grad", "dy");
  check_4d(mask, "filtered_lrelu_grad", "mask");
  dy = as_contiguous(dy);
  mask = as_contiguous(mask);
  fu = as_contiguous(fu);
  fd = as_contiguous(fd);
  const int64_t fuw = fu.size(fu.dim() - 1), fuh = fu.dim() == 1 ? fuw : fu.size(0);
  const int64_t fdw = fd.size(fd.dim() - 1), fdh = fd.dim() == 1 ? fdw : fd.size(0);
  const FlreluShape s(in_h, in_w, up, down, padx0, padx1, pady0, pady1, fuw, fuh, fdw, fdh);
  STD_TORCH_CHECK(dy.size(2) == s.oh && dy.size(3) == s.ow, "filtered_lrelu_grad: dy has the wrong spatial size");
  STD_TORCH_CHECK(mask.scalar_type() == ScalarType::Byte && mask.size(0) == dy.size(0) &&
                      mask.size(1) == dy.size(1) && mask.size(2) == s.th && mask.size(3) == s.mask_w(),
                  "filtered_lrelu_grad: mask must be uint8 [N, C, Ht, ceil(Wt / 4)]");
  // Adjoints (spec §1.3): through fd (upsample by `down`), then through fu (downsample by `up`, gain up^2).
  const PlaneGeometry down_adj{s.oh, s.ow, down, down, 1, 1, fdw - 1, s.tw - s.ow * down, fdh - 1,
                                    s.th - s.oh * down};
  const PlaneGeometry up_adj{s.th,         s.tw, 1, 1, up, up, fuw - padx0 - 1, in_w * up - s.tw + padx0 - up + 1,
                                  fuh - pady0 - 1, in_h * up - s.th + pady0 - up + 1};
  const int64_t planes = dy.size(0) * dy.size(1);
  Tensor dx = empty_like_sized(dy, {dy.size(0), dy.size(1), in_h, in_w});
  dispatch_floating<Kernels::kCpu>(dy.scalar_type(), "filtered_lrelu_grad", [&](auto tag) {
    using I = decltype(tag);
    using T = opmath_t<I>;
    const Filter<T> fd_taps = make_filter<T>(fd, 1.0, !flip_filter, "filtered_lrelu_grad");
    const Filter<T> fu_taps = make_filter<T>(fu, double(up * up), !flip_filter, "filtered_lrelu_grad");
    // factors[m][k]: derivative of element k of a group of 4 whose mask byte is m (codes 0: gain * slope,
    // 1: gain, 2: 0), so the mask is applied with one table row per 4 elements.
    std::vector<T> factors(256 * 4);
    const T by_code[4] = {T(gain) * T(slope), T(gain), T(0), T(0)};
    for (int m = 0; m < 256; ++m) {
      for (int k = 0; k < 4; ++k) factors[m * 4 + k] = by_code[(m >> (2 * k)) & 3];
    }
    const T* table = factors.data();
    const I* src = dy.const_data_ptr<I>();
    const uint8_t* mask_ptr = mask.const_data_ptr<uint8_t>();
    I* dst = dx.mutable_data_ptr<I>();
    const int64_t in_plane = s.oh * s.ow, out_plane = in_h * in_w, mw = s.mask_w();
    torch::stable::parallel_for(0, planes, 1, [&](int64_t lo, int64_t hi) {
      PlaneResampler<T> through_fd(fd_taps, down_adj), through_fu(fu_taps, up_adj);
      std::vector<T> dt(s.th * s.tw), out_buf(std::is_same_v<I, T> ? 0 : out_plane);
      for (int64_t p = lo; p < hi; ++p) {
        through_fd.run(src + p * in_plane, dt.data(), [](I v) { return T(v); });
        const uint8_t* m = mask_ptr + p * s.th * mw;
        for (int64_t r = 0; r < s.th; ++r) apply_mask_row(dt.data() + r * s.tw, m + r * mw, s.tw, table);
        T* out = std::is_same_v<I, T> ? reinterpret_cast<T*>(dst + p * out_plane) : out_buf.data();
        through_fu.run(dt.data(), out, [](T v) { return v; });
        if constexpr (!std::is_same_v<I, T>) {
          for (int64_t i = 0; i < out_plane; ++i) dst[p * out_plane + i] = I(out_buf[i]);
        }
      }
    });
  });
  return dx;
}

}  // namespace

STABLE_TORCH_LIBRARY_IMPL(glad_ops, CPU, m) {
  m.impl("filtered_lrelu", TORCH_BOX(&filtered_lrelu_cpu));
  m.impl("filtered_lrelu_grad", TORCH_BOX(&filtered_lrelu_grad_cpu));
}

}  // namespace glad_ops
