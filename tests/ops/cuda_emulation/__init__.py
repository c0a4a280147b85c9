"""Host emulation of the glad_ops CUDA kernels: build helper, reference helpers, random test cases."""
