// Host-side launch planning shared by the tiled kernels (pure C++: the emulator runs the same plans).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "cuda_block.cuh"

namespace glad_ops {

constexpr int kThreadsPerBlock = 256;
constexpr int kMaxGridYZ = 65535;
constexpr std::size_t kDefaultSharedBytes = 48 * 1024;  // above this a kernel must opt in
// The tiled kernels use about 64 registers per thread (ptxas, sm_90): at most 4 blocks of 256 threads per SM.
constexpr int kMaxTiledBlocksPerSm = 4;

// What the planner needs to know about the device.
struct DeviceLimits {
  int sm_count = 132;
  std::size_t shared_per_block = 227 * 1024;  // opt-in maximum per block
  std::size_t shared_per_sm = 228 * 1024;
  int max_threads_per_sm = 2048;
};

struct LaunchPlan {
  bool tiled = false;  // false: use the generic (untiled) path
  Dim3 grid{1, 1, 1};
  int threads = kThreadsPerBlock;
  std::size_t shared_bytes = 0;
  int tile_h = 0, tile_w = 0;  // tiled kernels: the output tile the planner chose
};

// Cost of one candidate tile: shared bytes per block and a work estimate per block (arbitrary units).
struct TileCost {
  std::size_t shared_bytes;
  double work;
};

struct TileChoice {
  bool found = false;
  int tile_h = 0, tile_w = 0;
  std::size_t shared_bytes = 0;
};

// Picks the tile (h from h_choices, w from w_choices) that minimises the estimated run time
// waves * work_per_block, where waves = ceil(blocks / (SMs * resident blocks per SM)), among tiles whose shared
// memory fits the device. `cost(h, w)` returns TileCost; `blocks(h, w)` the number of blocks the tile implies.
template <class CostFn, class BlocksFn>
inline TileChoice choose_tile(const DeviceLimits& lim, const int* h_choices, int nh, const int* w_choices, int nw,
                              CostFn cost, BlocksFn blocks) {
  TileChoice best;
  double best_time = 0.0;
  for (int a = 0; a < nh; ++a) {
    for (int b = 0; b < nw; ++b) {
      const int h = h_choices[a], w = w_choices[b];
      const TileCost c = cost(h, w);
      if (c.shared_bytes > lim.shared_per_block) continue;
      int per_sm = std::min(lim.max_threads_per_sm / kThreadsPerBlock, kMaxTiledBlocksPerSm);
      if (c.shared_bytes > 0) {
        const std::size_t fit = lim.shared_per_sm / c.shared_bytes;
        if (fit < std::size_t(per_sm)) per_sm = int(fit);
      }
      if (per_sm < 1) per_sm = 1;
      const double slots = double(lim.sm_count) * per_sm;
      const double n = double(blocks(h, w));
      const double waves = n <= slots ? 1.0 : double(int64_t((n + slots - 1) / slots));
      const double time = waves * (c.work + 2048.0);  // + fixed per-block overhead
      if (!best.found || time < best_time * 0.999 ||
          (time <= best_time * 1.001 && h * w > best.tile_h * best.tile_w)) {
        best = {true, h, w, c.shared_bytes};
        best_time = time;
      }
    }
  }
  return best;
}

inline int64_t ceil_div64(int64_t a, int64_t b) { return (a + b - 1) / b; }

inline bool aligned16(const void* p) { return (reinterpret_cast<uintptr_t>(p) & 15) == 0; }

// The op orchestrators (run_* in the *_kernels.cuh headers) launch block programs through a Launcher:
//   template <class Program, class Params> void launch(const LaunchPlan&, const Params&);  // Program::run per block
//   float* scratch_floats(int64_t n);  // temporary float32 buffer that lives until the op returns
// CudaLauncher (cuda_launch.cuh) enqueues kernels on the current stream; the emulator runs them on the host.

// Grid for a grid-stride loop over `items` work items with `threads` per block (at most `blocks_per_sm` per SM).
inline Dim3 grid_stride_grid(const DeviceLimits& lim, int64_t items, int threads, int blocks_per_sm = 8) {
  int64_t n = ceil_div64(items > 0 ? items : 1, threads);
  const int64_t cap = int64_t(lim.sm_count) * blocks_per_sm;
  if (n > cap) n = cap;
  return {int(n), 1, 1};
}

}  // namespace glad_ops
