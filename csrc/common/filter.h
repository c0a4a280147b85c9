// Host-side filter preparation shared by the kernels: scale by gain**(ndim/2) in float32 (as the reference does),
// cast to the compute type, and reorder into correlation order (a true convolution flips the taps).
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

#include <torch/csrc/stable/tensor.h>
#include <torch/headeronly/util/Exception.h>

namespace glad_ops {

// A filter in correlation order: out[i] = sum_k taps[k] * in[i + k]. Separable filters (1-D input) hold one row
// of `w` taps used for both axes; 2-D filters hold h rows of w taps (row-major, [fh][fw]).
template <typename T>
struct Filter {
  std::vector<T> taps;
  int64_t w = 1;
  int64_t h = 1;
  bool separable = true;
  const T* row(int64_t a) const { return taps.data() + (separable ? 0 : a * w); }
};

// The float32 factor the reference multiplies a filter of rank `ndim` by.
inline float filter_gain(double gain, int64_t ndim) {
  return static_cast<float>(std::pow(gain, static_cast<double>(ndim) / 2.0));
}

// f: float32 CPU tensor of rank 1 (separable) or 2 ([fh, fw]); returns the scaled taps in correlation order.
template <typename T>
Filter<T> make_filter(const torch::stable::Tensor& f, double gain, bool flip_filter, const char* op) {
  STD_TORCH_CHECK(f.dim() == 1 || f.dim() == 2, op, ": filters must be 1-D or 2-D, got ", f.dim(), "-D");
  STD_TORCH_CHECK(f.scalar_type() == torch::headeronly::ScalarType::Float, op, ": filters must be float32");
  STD_TORCH_CHECK(f.is_cpu(), op, ": this helper reads filters on the CPU");
  STD_TORCH_CHECK(f.is_contiguous(), op, ": filters must be contiguous");
  Filter<T> out;
  out.separable = f.dim() == 1;
  out.w = f.size(f.dim() - 1);
  out.h = out.separable ? out.w : f.size(0);
  STD_TORCH_CHECK(out.w > 0 && out.h > 0, op, ": empty filter");
  const float scale = filter_gain(gain, f.dim());
  const float* src = f.const_data_ptr<float>();
  const int64_t n = f.numel();
  out.taps.resize(n);
  for (int64_t i = 0; i < n; ++i) {
    // A convolution (flip_filter=false) reads the taps backwards along every axis; reversing the flat array
    // reverses both axes of a row-major 2-D filter.
    const int64_t j = flip_filter ? i : n - 1 - i;
    out.taps[i] = static_cast<T>(src[j] * scale);
  }
  return out;
}

}  // namespace glad_ops
