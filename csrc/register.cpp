// Schemas of the glad_ops custom ops (contracts.md). Kernels are registered per device in
// <op>/<op>_cpu.cpp and <op>/<op>_cuda.cu; autograd and fake kernels are registered from Python.
#include <torch/csrc/stable/library.h>

STABLE_TORCH_LIBRARY(glad_ops, m) {
  m.def("bias_act(Tensor x, Tensor? b, int dim, int act, float alpha, float gain, float clamp) -> Tensor");
  m.def(
      "bias_act_grad(Tensor g, Tensor x, Tensor? b, int dim, int act, float alpha, float gain, float clamp, "
      "int order) -> Tensor");
  m.def(
      "upfirdn2d(Tensor x, Tensor f, int upx, int upy, int downx, int downy, int padx0, int padx1, int pady0, "
      "int pady1, bool flip_filter, float gain) -> Tensor");
  m.def(
      "filtered_lrelu(Tensor x, Tensor fu, Tensor fd, Tensor? b, int up, int down, int padx0, int padx1, "
      "int pady0, int pady1, float gain, float slope, float clamp, bool flip_filter) -> (Tensor, Tensor)");
  m.def(
      "filtered_lrelu_grad(Tensor dy, Tensor mask, Tensor fu, Tensor fd, int up, int down, int padx0, int padx1, "
      "int pady0, int pady1, int in_h, int in_w, float gain, float slope, bool flip_filter) -> Tensor");
}
