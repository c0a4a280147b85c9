// How a bias of bias_act broadcasts over x: x viewed as [outer, channels, inner] around axis `dim`.
#pragma once

#include <cstdint>
#include <optional>

#include <torch/csrc/stable/tensor.h>
#include <torch/headeronly/util/Exception.h>

namespace glad_ops {

struct BiasLayout {
  int64_t outer = 1, channels = 1, inner = 1;
};

inline BiasLayout bias_layout(const torch::stable::Tensor& x, const std::optional<torch::stable::Tensor>& b,
                              int64_t dim, const char* op) {
  BiasLayout l;
  if (!b.has_value()) {
    l.inner = x.numel();
    return l;
  }
  STD_TORCH_CHECK(dim >= 0 && dim < x.dim(), op, ": dim ", dim, " out of range for a ", x.dim(), "-D x");
  STD_TORCH_CHECK(b->dim() == 1 && b->size(0) == x.size(dim), op, ": b must be 1-D of length x.shape[dim]");
  STD_TORCH_CHECK(b->scalar_type() == x.scalar_type(), op, ": b must have x's dtype");
  for (int64_t i = 0; i < dim; ++i) l.outer *= x.size(i);
  l.channels = x.size(dim);
  for (int64_t i = dim + 1; i < x.dim(); ++i) l.inner *= x.size(i);
  return l;
}

}  // namespace glad_ops
