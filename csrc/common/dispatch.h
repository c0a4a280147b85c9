// dtype dispatch for the glad_ops kernels: calls a generic lambda with a value of the element's C++ type.
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

// f(T{}) for T in {float, double, c10::Half, c10::BFloat16}; other dtypes raise naming the op.
template <typename F>
void dispatch_floating(ScalarType dtype, const char* op, F&& f) {
  switch (dtype) {
    case ScalarType::Float:
      f(float{});
      break;
    case ScalarType::Double:
      f(double{});
      break;
    case ScalarType::Half:
      f(c10::Half{});
      break;
    case ScalarType::BFloat16:
      f(c10::BFloat16{});
      break;
    default:
      STD_TORCH_CHECK(false, op, ": unsupported dtype ", torch::headeronly::toString(dtype),
                      " (expected float16, bfloat16, float32 or float64)");
  }
}

}  // namespace glad_ops
