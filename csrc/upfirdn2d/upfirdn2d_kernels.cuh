// upfirdn2d block programs (spec §1.3): tiled polyphase kernel through shared memory (separable filters as a
// width pass then a height pass), and a generic direct kernel (no shared memory) for tiles that do not fit.
#pragma once

#include "../common/launch_plan.cuh"
#include "../common/polyphase.cuh"

namespace glad_ops {

// Shapes and the two oriented resampling passes of an upfirdn2d call (output = ay x ax applied per plane).
struct Upfirdn2dGeometry {
  int planes = 0, channels = 1;  // planes = N * C; channel of plane p is p % channels
  int in_h = 0, in_w = 0, out_h = 0, out_w = 0;
  Resample1D ax{1, 1, 0, 1}, ay{1, 1, 0, 1};  // width / height passes (taps = filter width / height)
  bool separable = true;                      // 1-D filter: F[ax.taps] used on both axes; else F[ay.taps][ax.taps]
  bool correlate = false;                     // flip_filter=True
  float fscale = 1.f;                         // gain ** (f.dim() / 2), applied in float32
};

struct Upfirdn2dParams {
  const void* x = nullptr;     // [planes, in_h, in_w], Tin
  const void* bias = nullptr;  // nullptr or [channels] of Tin, added to every real input sample
  void* y = nullptr;           // [planes, out_h, out_w], Tout
  const float* f = nullptr;    // [taps] or [fh, fw], float32
  Upfirdn2dGeometry g;
  int tile_h = 0, tile_w = 0;  // output tile of the tiled kernel
};

// Builds the geometry from the op's arguments (spec §1.3: true convolution unless flip_filter).
inline Upfirdn2dGeometry make_upfirdn2d_geometry(int planes, int channels, int in_h, int in_w, int fh, int fw,
                                                 bool separable, int upx, int upy, int downx, int downy, int padx0,
                                                 int padx1, int pady0, int pady1, bool flip_filter, float fscale) {
  Upfirdn2dGeometry g;
  g.planes = planes;
  g.channels = channels;
  g.in_h = in_h;
  g.in_w = in_w;
  g.out_h = (in_h * upy + pady0 + pady1 - fh + downy) / downy;
  g.out_w = (in_w * upx + padx0 + padx1 - fw + downx) / downx;
  g.ax = {upx, downx, padx0, fw};
  g.ay = {upy, downy, pady0, fh};
  g.separable = separable;
  g.correlate = flip_filter;
  g.fscale = fscale;
  return g;
}

struct Upfirdn2dShared {
  Shared<float> F;
  Shared2D<float> X;  // input tile
  Shared2D<float> H;  // width-pass result (separable only)
  std::size_t bytes;
};

// Shared-memory layout for one output tile; also used by the launcher (base = nullptr) to size it.
GLAD_HOSTDEV GLAD_FORCEINLINE Upfirdn2dShared upfirdn2d_shared(char* base, const Upfirdn2dGeometry& g, int tile_h,
                                                     int tile_w) {
  SharedLayout L(base);
  const int xh = g.ay.max_inputs(tile_h), xw = g.ax.max_inputs(tile_w);
  Upfirdn2dShared s;
  s.F.p = L.take<float>(g.separable ? g.ax.taps : g.ay.taps * g.ax.taps);
  s.X = {L.take<float>(std::size_t(xh) * xw), xw};
  s.H = {g.separable ? L.take<float>(std::size_t(xh) * tile_w) : nullptr, tile_w};
  s.bytes = L.bytes();
  return s;
}

// Tiled kernel: block (bx, by) computes output tile (by, bx) for planes bz, bz + gridDim.z, ...
template <typename Tin, typename Tout, class Block>
GLAD_HOSTDEV void upfirdn2d_tiled_program(const Block& blk, const Upfirdn2dParams& p) {
  const Upfirdn2dGeometry& g = p.g;
  const Upfirdn2dShared s = upfirdn2d_shared(blk.smem, g, p.tile_h, p.tile_w);
  const Dim3 bi = blk.block(), gd = blk.grid();
  const Range oy{bi.y * p.tile_h, imin((bi.y + 1) * p.tile_h, g.out_h)};
  const Range ox{bi.x * p.tile_w, imin((bi.x + 1) * p.tile_w, g.out_w)};
  const Range valid_y{0, g.in_h}, valid_x{0, g.in_w};
  const Range iy = inputs_of(g.ay, oy, valid_y), ix = inputs_of(g.ax, ox, valid_x);
  const int y0 = g.ay.first_in(oy.begin), x0 = g.ax.first_in(ox.begin);  // tile origin in input coordinates
  const Tin* x = static_cast<const Tin*>(p.x);
  const Tin* bias = static_cast<const Tin*>(p.bias);
  Tout* y = static_cast<Tout*>(p.y);

  blk.threads([&](int tid) {
    load_filter_thread(tid, blk.nthreads(), p.f, g.separable ? 1 : g.ay.taps, g.ax.taps, g.correlate, g.fscale, s.F);
  });
  for (int plane = bi.z; plane < g.planes; plane += gd.z) {
    const int64_t in_base = int64_t(plane) * g.in_h * g.in_w;
    const int64_t out_base = int64_t(plane) * g.out_h * g.out_w;
    blk.threads([&](int tid) {
      const float b = bias ? to_float(gload(bias, plane % g.channels)) : 0.f;
      load_tile_thread(tid, blk.nthreads(), x + in_base, g.in_w, iy, ix, y0, x0, b, s.X);
    });
    blk.sync();
    auto store = [&](int n, int c, float v) { gstore(y, out_base + int64_t(n) * g.out_w + c, from_float<Tout>(v)); };
    resample_step(blk, g.separable, oy, ox, g.ay, g.ax, valid_y, valid_x, s.F, s.H,
                  [&](int m, int n) { return s.X.ld(m - y0, n - x0); }, store);
    blk.sync();  // the next plane overwrites the tiles
  }
}

// Oriented, scaled filter tap read straight from global memory (direct kernel).
GLAD_HOSTDEV GLAD_FORCEINLINE float filter_tap(const Upfirdn2dGeometry& g, const float* f, int k, int n) {
  return gload(f, g.correlate ? k : n - 1 - k) * g.fscale;
}

// Direct kernel: one thread per output sample (grid-stride), input and filter read from global memory.
template <typename Tin, typename Tout, class Block>
GLAD_HOSTDEV void upfirdn2d_direct_program(const Block& blk, const Upfirdn2dParams& p) {
  const Upfirdn2dGeometry& g = p.g;
  const Tin* x = static_cast<const Tin*>(p.x);
  const Tin* bias = static_cast<const Tin*>(p.bias);
  Tout* y = static_cast<Tout*>(p.y);
  const int64_t plane_size = int64_t(g.out_h) * g.out_w;
  const int64_t total = plane_size * g.planes;
  const int64_t stride = int64_t(blk.grid().x) * blk.nthreads();
  const int nf = g.separable ? g.ax.taps : g.ay.taps * g.ax.taps;
  blk.threads([&](int tid) {
    for (int64_t o = int64_t(blk.block().x) * blk.nthreads() + tid; o < total; o += stride) {
      const int plane = int(o / plane_size);
      const int rem = int(o - int64_t(plane) * plane_size);
      const int ny = rem / g.out_w, nx = rem % g.out_w;
      const int64_t in_base = int64_t(plane) * g.in_h * g.in_w;
      const float b = bias ? to_float(gload(bias, plane % g.channels)) : 0.f;
      const int my0 = imax(g.ay.first_in(ny), 0), my1 = imin(g.ay.last_in(ny), g.in_h - 1);
      const int mx0 = imax(g.ax.first_in(nx), 0), mx1 = imin(g.ax.last_in(nx), g.in_w - 1);
      float acc = 0.f;
      for (int my = my0, ky = g.ay.tap(my0, ny); my <= my1; ++my, ky += g.ay.up) {
        float row = 0.f;
        for (int mx = mx0, kx = g.ax.tap(mx0, nx); mx <= mx1; ++mx, kx += g.ax.up) {
          const float xv = to_float(gload(x, in_base + int64_t(my) * g.in_w + mx)) + b;
          const float fx = g.separable ? filter_tap(g, p.f, kx, nf) : filter_tap(g, p.f, ky * g.ax.taps + kx, nf);
          row += fx * xv;
        }
        acc += g.separable ? filter_tap(g, p.f, ky, nf) * row : row;
      }
      gstore(y, o, from_float<Tout>(acc));
    }
  });
}

// Chooses the tiled kernel's output tile and grid, or the direct kernel when no tile fits in shared memory.
inline LaunchPlan plan_upfirdn2d(Upfirdn2dParams& p, const DeviceLimits& lim, bool allow_tiled = true) {
  const Upfirdn2dGeometry& g = p.g;
  static const int hs[] = {4, 8, 12, 16, 24, 32, 48, 64};
  static const int ws[] = {16, 32, 64, 128};
  const int planes = g.planes;
  auto cost = [&](int th, int tw) {
    const int xh = g.ay.max_inputs(th), xw = g.ax.max_inputs(tw);
    const double macs_x = double(g.ax.taps + g.ax.up - 1) / g.ax.up;
    const double macs_y = double(g.ay.taps + g.ay.up - 1) / g.ay.up;
    double work = double(xh) * xw;
    if (g.separable)
      work += double(xh) * tw * macs_x + double(th) * tw * macs_y;
    else
      work += double(th) * tw * macs_x * macs_y;
    return TileCost{upfirdn2d_shared(nullptr, g, th, tw).bytes, work};
  };
  auto blocks = [&](int th, int tw) {
    return ceil_div64(g.out_h, th) * ceil_div64(g.out_w, tw) * int64_t(planes);
  };
  LaunchPlan plan;
  const TileChoice t = allow_tiled ? choose_tile(lim, hs, 8, ws, 4, cost, blocks) : TileChoice{};
  if (t.found && ceil_div64(g.out_h, t.tile_h) <= kMaxGridYZ) {
    p.tile_h = plan.tile_h = t.tile_h;
    p.tile_w = plan.tile_w = t.tile_w;
    plan.tiled = true;
    plan.grid = {int(ceil_div64(g.out_w, t.tile_w)), int(ceil_div64(g.out_h, t.tile_h)),
                 planes < kMaxGridYZ ? planes : kMaxGridYZ};
    plan.shared_bytes = t.shared_bytes;
  } else {
    plan.grid = grid_stride_grid(lim, int64_t(g.out_h) * g.out_w * planes, kThreadsPerBlock, 16);
  }
  return plan;
}

template <typename Tin, typename Tout>
struct Upfirdn2dTiledProgram {
  template <class Block>
  static GLAD_HOSTDEV void run(const Block& blk, const Upfirdn2dParams& p) {
    upfirdn2d_tiled_program<Tin, Tout>(blk, p);
  }
};

template <typename Tin, typename Tout>
struct Upfirdn2dDirectProgram {
  template <class Block>
  static GLAD_HOSTDEV void run(const Block& blk, const Upfirdn2dParams& p) {
    upfirdn2d_direct_program<Tin, Tout>(blk, p);
  }
};

// upfirdn2d on a Launcher (launch_plan.cuh): the tiled kernel when a tile fits, else the direct one.
template <typename T, class Launcher>
LaunchPlan run_upfirdn2d(Launcher& launcher, Upfirdn2dParams p, const DeviceLimits& lim, bool allow_tiled = true) {
  const LaunchPlan plan = plan_upfirdn2d(p, lim, allow_tiled);
  if (plan.tiled)
    launcher.template launch<Upfirdn2dTiledProgram<T, T>>(plan, p);
  else
    launcher.template launch<Upfirdn2dDirectProgram<T, T>>(plan, p);
  return plan;
}

}  // namespace glad_ops
