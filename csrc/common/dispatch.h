// dtype dispatch for the glad_ops kernels (CPU and CUDA): calls a generic lambda with a value of the element's
// C++ type, for the dtypes a backend's kernels are compiled for (and only those, so nothing else is instantiated).
#pragma once

#include <torch/headeronly/core/ScalarType.h>
#include <torch/headeronly/util/BFloat16.h>
#include <torch/headeronly/util/Exception.h>
#include <torch/headeronly/util/Half.h>

namespace glad_ops {

using torch::headeronly::ScalarType;

// Accumulation type: float for the 16-bit types, the type itself otherwise.
template <typename T>
struct OpMath {
  using type = T;
};
template <>
struct OpMath<c10::Half> {
  using type = float;
};
template <>
struct OpMath<c10::BFloat16> {
  using type = float;
};
template <typename T>
using opmath_t = typename OpMath<T>::type;

// Which kernels a dispatch serves: the CPU kernels take every floating dtype; the CUDA kernels compute in float
// and take float32, float16 and bfloat16 (float64 runs on the reference path).
enum class Kernels { kCpu, kCuda };

// f(T{}) with T the element type of `dtype` (float, double, c10::Half, c10::BFloat16) among those `K` takes
// (only those are instantiated); other dtypes raise naming `op`.
template <Kernels K, typename F>
void dispatch_floating(ScalarType dtype, const char* op, F&& f) {
  switch (dtype) {
    case ScalarType::Float: return f(float{});
    case ScalarType::Half: return f(c10::Half{});
    case ScalarType::BFloat16: return f(c10::BFloat16{});
    case ScalarType::Double:
      if constexpr (K == Kernels::kCpu) return f(double{});
      break;
    default: break;
  }
  if constexpr (K == Kernels::kCpu) {
    STD_TORCH_CHECK(false, op, ": unsupported dtype ", torch::headeronly::toString(dtype),
                    " (expected float16, bfloat16, float32 or float64)");
  } else {
    STD_TORCH_CHECK(false, "glad_ops.", op,
                    ": the CUDA kernels take float32, float16 or bfloat16 tensors; other dtypes (float64) run on "
                    "the reference path (impl='ref' or impl=None)");
  }
}

}  // namespace glad_ops
