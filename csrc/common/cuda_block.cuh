// Execution model shared by the CUDA kernels and their host emulation (tests/ops/cuda_emulation).
//
// Every kernel is written as a *block program*: a `__host__ __device__` function template
//   template <class Block> GLAD_HOSTDEV void program(Block& blk, const Params& p);
// made of phases `blk.threads([&](int tid) { ...per-thread body... }); blk.sync();`. Code between phases must be
// block-uniform and side-effect free. On the GPU, `DeviceBlock::threads` runs the body once for threadIdx.x and
// `sync()` is __syncthreads(). The host emulator runs the body for every thread in turn, so one pass over all
// threads per phase reproduces barrier semantics exactly, and it checks every shared/global access (races between
// threads of one phase, uninitialised shared reads, out-of-bounds, double writes) through the hooks below.
//
// Nothing here depends on torch or the CUDA runtime, so g++ compiles it for the emulator.
#pragma once

#include <cstddef>
#include <cstdint>

#include <torch/headeronly/util/BFloat16.h>
#include <torch/headeronly/util/Half.h>

#if defined(__CUDACC__)
#define GLAD_HOSTDEV __host__ __device__
#define GLAD_FORCEINLINE __forceinline__
#define GLAD_UNROLL _Pragma("unroll")
#else
#define GLAD_HOSTDEV
#define GLAD_FORCEINLINE inline
#define GLAD_UNROLL
#endif

#if defined(GLAD_CUDA_EMULATION)
// Implemented by the host emulator: every shared/global access of a block program is reported here; false means
// the access is invalid (already reported) and must not touch memory.
namespace glad_ops::emu {
bool shared_read(const void* p, std::size_t bytes);
bool shared_write(const void* p, std::size_t bytes);
bool global_read(const void* p, std::size_t bytes);
bool global_write(const void* p, std::size_t bytes);
}  // namespace glad_ops::emu
#define GLAD_EMU_CHECK(call, on_invalid) \
  if (!::glad_ops::emu::call) return on_invalid
#else
#define GLAD_EMU_CHECK(call, on_invalid) ((void)0)
#endif

namespace glad_ops {

using half_t = c10::Half;
using bf16_t = c10::BFloat16;

// ---- scalar conversions (storage type <-> float compute type) ------------------------------------------------
template <typename T>
GLAD_HOSTDEV GLAD_FORCEINLINE float to_float(T v) {
  return static_cast<float>(v);
}
template <typename T>
GLAD_HOSTDEV GLAD_FORCEINLINE T from_float(float v) {
  return static_cast<T>(v);
}

// ---- global memory access (hooked for the emulator) ---------------------------------------------------------
template <typename T>
GLAD_HOSTDEV GLAD_FORCEINLINE T gload(const T* base, int64_t i) {
  GLAD_EMU_CHECK(global_read(base + i, sizeof(T)), T{});
  return base[i];
}
template <typename T>
GLAD_HOSTDEV GLAD_FORCEINLINE void gstore(T* base, int64_t i, T v) {
  GLAD_EMU_CHECK(global_write(base + i, sizeof(T)), );
  base[i] = v;
}

// N elements loaded/stored as one aligned 16-byte (or smaller) transaction.
template <typename T, int N>
struct alignas(sizeof(T) * N) Vec {
  T v[N];
};

// ---- shared memory arrays (hooked for the emulator) ---------------------------------------------------------
template <typename T>
struct Shared {
  T* p;
  GLAD_HOSTDEV GLAD_FORCEINLINE T ld(int i) const {
    GLAD_EMU_CHECK(shared_read(p + i, sizeof(T)), T{});
    return p[i];
  }
  GLAD_HOSTDEV GLAD_FORCEINLINE void st(int i, T v) const {
    GLAD_EMU_CHECK(shared_write(p + i, sizeof(T)), );
    p[i] = v;
  }
};

// Row-major 2-D view of shared memory: element (r, c) at p[r * stride + c].
template <typename T>
struct Shared2D {
  T* p;
  int stride;
  GLAD_HOSTDEV GLAD_FORCEINLINE T ld(int r, int c) const {
    GLAD_EMU_CHECK(shared_read(p + r * stride + c, sizeof(T)), T{});
    return p[r * stride + c];
  }
  GLAD_HOSTDEV GLAD_FORCEINLINE void st(int r, int c, T v) const {
    GLAD_EMU_CHECK(shared_write(p + r * stride + c, sizeof(T)), );
    p[r * stride + c] = v;
  }
};

// Bump allocator that lays out a block's dynamic shared memory; the launcher runs the same code with base = 0
// to learn the total size, so the layout can never disagree with the allocation.
struct SharedLayout {
  char* base;
  std::size_t offset = 0;
  GLAD_HOSTDEV explicit SharedLayout(char* b) : base(b) {}
  template <typename T>
  GLAD_HOSTDEV T* take(std::size_t count) {
    offset = (offset + 15) & ~std::size_t(15);  // 16-byte aligned arrays
    T* out = at<T>(offset);
    offset += count * sizeof(T);
    return out;
  }
  GLAD_HOSTDEV std::size_t bytes() const { return (offset + 15) & ~std::size_t(15); }
  // Overlays: `mark()` remembers where a region starts, `extend_to(mark, n)` makes it at least n bytes long,
  // `at<T>(mark)` views it as another array (for buffers whose lifetimes do not overlap).
  GLAD_HOSTDEV std::size_t mark() {
    offset = bytes();
    return offset;
  }
  GLAD_HOSTDEV void extend_to(std::size_t start, std::size_t n) {
    if (offset < start + n) offset = start + n;
  }
  template <typename T>
  GLAD_HOSTDEV T* at(std::size_t start) const {
    return reinterpret_cast<T*>(reinterpret_cast<uintptr_t>(base) + start);  // base may be null when sizing
  }
};

// ---- the GPU side of the execution model --------------------------------------------------------------------
struct Dim3 {
  int x, y, z;
};

#if defined(__CUDACC__)
struct DeviceBlock {
  char* smem;
  GLAD_HOSTDEV GLAD_FORCEINLINE int nthreads() const {
#if defined(__CUDA_ARCH__)
    return int(blockDim.x);
#else
    return 0;
#endif
  }
  GLAD_HOSTDEV GLAD_FORCEINLINE Dim3 block() const {
#if defined(__CUDA_ARCH__)
    return {int(blockIdx.x), int(blockIdx.y), int(blockIdx.z)};
#else
    return {0, 0, 0};
#endif
  }
  GLAD_HOSTDEV GLAD_FORCEINLINE Dim3 grid() const {
#if defined(__CUDA_ARCH__)
    return {int(gridDim.x), int(gridDim.y), int(gridDim.z)};
#else
    return {0, 0, 0};
#endif
  }
  template <class F>
  GLAD_HOSTDEV GLAD_FORCEINLINE void threads(F&& body) const {
#if defined(__CUDA_ARCH__)
    body(int(threadIdx.x));
#endif
  }
  GLAD_HOSTDEV GLAD_FORCEINLINE void sync() const {
#if defined(__CUDA_ARCH__)
    __syncthreads();
#endif
  }
};
#endif

}  // namespace glad_ops
