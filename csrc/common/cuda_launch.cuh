// Launch-side helpers for the CUDA op implementations (nvcc only): LibTorch stable ABI (current stream, device
// guard, argument checks), device limits, and one __global__ entry that runs any block program.
#pragma once

#ifndef USE_CUDA
#define USE_CUDA  // exposes the CUDA entry points of the stable C shim (aoti_torch_get_current_cuda_stream)
#endif

#include <cuda_runtime.h>

#include <mutex>
#include <vector>

#include <torch/csrc/stable/accelerator.h>
#include <torch/csrc/stable/library.h>
#include <torch/csrc/stable/ops.h>
#include <torch/csrc/stable/tensor.h>
#include <torch/headeronly/core/ScalarType.h>
#include <torch/headeronly/util/Exception.h>

#include "cuda_block.cuh"
#include "dispatch.h"
#include "launch_plan.cuh"

namespace glad_ops {

using torch::headeronly::ScalarType;
using torch::stable::Tensor;

inline void check_cuda(cudaError_t err, const char* what) {
  STD_TORCH_CHECK(err == cudaSuccess, "glad_ops CUDA: ", what, " failed: ", cudaGetErrorString(err));
}

inline cudaStream_t current_stream(int32_t device) {
  void* stream = nullptr;
  STD_TORCH_CHECK(aoti_torch_get_current_cuda_stream(device, &stream) == AOTI_TORCH_SUCCESS,
                  "glad_ops CUDA: cannot get the current stream of device ", device);
  return static_cast<cudaStream_t>(stream);
}

// Queried once per device: SM count and shared-memory limits the planners use.
inline DeviceLimits query_device_limits(int device) {
  DeviceLimits lim;
  int v = 0;
  check_cuda(cudaDeviceGetAttribute(&v, cudaDevAttrMultiProcessorCount, device), "cudaDeviceGetAttribute");
  lim.sm_count = v;
  check_cuda(cudaDeviceGetAttribute(&v, cudaDevAttrMaxSharedMemoryPerBlockOptin, device), "cudaDeviceGetAttribute");
  lim.shared_per_block = std::size_t(v);
  check_cuda(cudaDeviceGetAttribute(&v, cudaDevAttrMaxSharedMemoryPerMultiprocessor, device),
             "cudaDeviceGetAttribute");
  lim.shared_per_sm = std::size_t(v);
  check_cuda(cudaDeviceGetAttribute(&v, cudaDevAttrMaxThreadsPerMultiProcessor, device), "cudaDeviceGetAttribute");
  lim.max_threads_per_sm = v;
  return lim;
}

inline DeviceLimits device_limits(int device) {
  constexpr int kMaxDevices = 64;
  static std::once_flag once[kMaxDevices];
  static DeviceLimits cache[kMaxDevices];
  if (device < 0 || device >= kMaxDevices) return query_device_limits(device);
  std::call_once(once[device], [device] { cache[device] = query_device_limits(device); });
  return cache[device];
}

// Runs `Program::run(blk, params)` for every block; `Program` is a struct with a static block-program template.
template <class Program, class Params>
__global__ void __launch_bounds__(kThreadsPerBlock) program_kernel(const Params params) {
  extern __shared__ __align__(16) char glad_shared[];
  const DeviceBlock blk{glad_shared};
  Program::run(blk, params);
}

template <class Program, class Params>
void launch_program(const LaunchPlan& plan, cudaStream_t stream, const Params& params) {
  auto* kernel = &program_kernel<Program, Params>;
  if (plan.shared_bytes > kDefaultSharedBytes) {
    check_cuda(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, int(plan.shared_bytes)),
               "cudaFuncSetAttribute(MaxDynamicSharedMemorySize)");
  }
  const dim3 grid(unsigned(plan.grid.x), unsigned(plan.grid.y), unsigned(plan.grid.z));
  kernel<<<grid, plan.threads, plan.shared_bytes, stream>>>(params);
  check_cuda(cudaGetLastError(), "kernel launch");
}

// Launcher (see launch_plan.cuh) that enqueues block programs on a CUDA stream; scratch buffers come from
// torch's caching allocator on the device of `like` and are released when the launcher goes out of scope
// (stream-ordered, so kernels already enqueued on `stream` may still use them).
struct CudaLauncher {
  cudaStream_t stream;
  const Tensor& like;
  std::vector<Tensor> scratch{};

  template <class Program, class Params>
  void launch(const LaunchPlan& plan, const Params& params) {
    launch_program<Program>(plan, stream, params);
  }
  float* scratch_floats(int64_t n) {
    scratch.push_back(torch::stable::new_empty(like, {n}, ScalarType::Float));
    return static_cast<float*>(scratch.back().mutable_data_ptr());
  }
};

inline void check_input(const Tensor& t, const char* op, const char* name, int32_t device) {
  STD_TORCH_CHECK(t.is_cuda() && t.get_device_index() == device, "glad_ops.", op, ": ", name,
                  " must be on the same CUDA device as the other inputs");
  STD_TORCH_CHECK(t.is_contiguous(), "glad_ops.", op, ": ", name, " must be contiguous");
}

inline void check_filter(const Tensor& f, const char* op, const char* name, int32_t device) {
  check_input(f, op, name, device);
  STD_TORCH_CHECK(f.scalar_type() == ScalarType::Float && (f.dim() == 1 || f.dim() == 2) && f.numel() > 0,
                  "glad_ops.", op, ": ", name, " must be a non-empty float32 tensor of rank 1 or 2");
}

inline int checked_int(int64_t v, const char* op, const char* what) {
  STD_TORCH_CHECK(v >= 0 && v < (int64_t(1) << 31), "glad_ops.", op, ": ", what, " = ", v,
                  " does not fit the kernels' 32-bit per-plane indexing");
  return int(v);
}

}  // namespace glad_ops
