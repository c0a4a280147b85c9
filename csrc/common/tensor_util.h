// Small helpers over the LibTorch stable ABI tensor API shared by the CPU kernels.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include <torch/csrc/stable/ops.h>
#include <torch/csrc/stable/tensor.h>
#include <torch/headeronly/util/Exception.h>

namespace glad_ops {

using torch::stable::Tensor;

// x as a contiguous tensor (a no-op when it already is).
inline Tensor as_contiguous(const Tensor& x) { return x.is_contiguous() ? x : torch::stable::contiguous(x); }

// An uninitialised tensor shaped `sizes` on x's device, with x's dtype unless `dtype` is given.
inline Tensor empty_like_sized(const Tensor& x, const std::vector<int64_t>& sizes,
                               std::optional<torch::headeronly::ScalarType> dtype = std::nullopt) {
  return torch::stable::new_empty(x, sizes, dtype);
}

inline void check_4d(const Tensor& t, const char* op, const char* name) {
  STD_TORCH_CHECK(t.dim() == 4, op, ": ", name, " must be 4-D [N, C, H, W], got ", t.dim(), "-D");
}

}  // namespace glad_ops
