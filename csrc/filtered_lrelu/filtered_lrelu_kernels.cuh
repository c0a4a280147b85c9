// filtered_lrelu block programs (spec §1.4, contracts.md).
//
// Forward, fused in one kernel per output tile (the intermediate never reaches global memory):
//   load x tile (+ bias) -> [width pass, height pass] of the fu upsampling filter -> t tile in shared memory,
//   lrelu * gain, clamp, 2-bit code -> packed mask bytes of the t samples this tile owns ->
//   [width pass, height pass] of the fd downsampling filter -> y tile.
// Backward, fused in one kernel per dx tile: dy tile -> adjoint of the fd/down step -> times the derivative the
// mask code gives -> adjoint of the fu/up step -> dx tile.
// 2-D (non-separable) filters use one 2-D pass instead of the two 1-D passes. Tiles that cannot fit in shared
// memory use the generic path: upfirdn2d_direct + the element-wise programs at the end of this file, through a
// float32 intermediate in global memory.
//
// Mask (contracts.md): uint8 [planes, t_h, ceil(t_w / 4)], code of t[i][j] in bits 2*(j&3) of byte (i, j >> 2):
// 0: t <= 0, 1: t > 0, 2: clamped (|lrelu(t) * gain| >= clamp, or NaN: see clamp_passes_grad). Each
// block writes the mask bytes of the t samples it owns: rows [tile_y * tile_h * down, next tile's first row) (the
// last tile up to t_h), the same for columns; tile_w * down is a multiple of 4, so no two blocks ever write the
// same byte.
#pragma once

#include "../common/activation.h"
#include "../common/launch_plan.cuh"
#include "../common/polyphase.cuh"
#include "../upfirdn2d/upfirdn2d_kernels.cuh"

namespace glad_ops {

struct FilteredLreluGeometry {
  int planes = 0, channels = 1;
  int in_h = 0, in_w = 0;  // x
  int t_h = 0, t_w = 0;    // pre-activation intermediate t
  int out_h = 0, out_w = 0;
  int mask_w = 0;          // bytes per mask row = ceil(t_w / 4)
  Resample1D ux{1, 1, 0, 1}, uy{1, 1, 0, 1};  // fu step along width / height: {up, 1, pad0, fu taps}
  Resample1D dx{1, 1, 0, 1}, dy{1, 1, 0, 1};  // fd step along width / height: {1, down, 0, fd taps}
  bool fu_separable = true, fd_separable = true;
  bool correlate = false;   // flip_filter
  float fu_scale = 1.f;     // (up * up) ** (fu.dim() / 2)
  float gain = 1.f, slope = 1.f, clamp = -1.f;  // clamp < 0: none
  GLAD_HOSTDEV int fu_len() const { return fu_separable ? ux.taps : uy.taps * ux.taps; }
  GLAD_HOSTDEV int fd_len() const { return fd_separable ? dx.taps : dy.taps * dx.taps; }
};

inline FilteredLreluGeometry make_filtered_lrelu_geometry(int planes, int channels, int in_h, int in_w, int fu_h,
                                                          int fu_w, bool fu_separable, int fd_h, int fd_w,
                                                          bool fd_separable, int up, int down, int padx0, int padx1,
                                                          int pady0, int pady1, float gain, float slope, float clamp,
                                                          bool flip_filter) {
  FilteredLreluGeometry g;
  g.planes = planes;
  g.channels = channels;
  g.in_h = in_h;
  g.in_w = in_w;
  g.t_h = in_h * up + pady0 + pady1 - fu_h + 1;
  g.t_w = in_w * up + padx0 + padx1 - fu_w + 1;
  g.out_h = (g.t_h - fd_h + down) / down;
  g.out_w = (g.t_w - fd_w + down) / down;
  g.mask_w = (g.t_w + 3) / 4;
  g.ux = {up, 1, padx0, fu_w};
  g.uy = {up, 1, pady0, fu_h};
  g.dx = {1, down, 0, fd_w};
  g.dy = {1, down, 0, fd_h};
  g.fu_separable = fu_separable;
  g.fd_separable = fd_separable;
  g.correlate = flip_filter;
  g.fu_scale = fu_separable ? float(up) : float(up * up);
  g.gain = gain;
  g.slope = slope;
  g.clamp = clamp;
  return g;
}

struct FilteredLreluParams {
  // forward
  const void* x = nullptr;     // [planes, in_h, in_w], T
  const void* b = nullptr;     // nullptr or [channels], T
  void* y = nullptr;           // [planes, out_h, out_w], T
  uint8_t* mask = nullptr;     // [planes, t_h, mask_w]
  // backward
  const void* dy = nullptr;    // [planes, out_h, out_w], T
  const uint8_t* mask_in = nullptr;
  void* dx = nullptr;          // [planes, in_h, in_w], T
  // both
  const float* fu = nullptr;   // [fu taps] or [fu_h, fu_w]
  const float* fd = nullptr;
  float* scratch = nullptr;    // generic path: float32 [planes, t_h, t_w] (t forward, gradient at t backward)
  FilteredLreluGeometry g;
  int tile_h = 0, tile_w = 0;  // fused kernels: output tile (forward) / dx tile (backward)
};

// ---- activation and mask codes --------------------------------------------------------------------------------
struct Activated {
  float value;
  uint8_t code;
};

GLAD_HOSTDEV GLAD_FORCEINLINE Activated lrelu_with_code(const FilteredLreluGeometry& g, float t) {
  const float v = (t > 0.f ? t : t * g.slope) * g.gain;
  const uint8_t code = clamp_passes_grad(v, g.clamp) ? (t > 0.f ? 1 : 0) : 2;
  return {clamp_value(v, g.clamp), code};
}

GLAD_HOSTDEV GLAD_FORCEINLINE float code_derivative(const FilteredLreluGeometry& g, int code) {
  return code == 1 ? g.gain : (code == 0 ? g.gain * g.slope : 0.f);
}

GLAD_HOSTDEV GLAD_FORCEINLINE int mask_code(const uint8_t* mask, int64_t row_base, int j) {
  return (gload(mask, row_base + (j >> 2)) >> (2 * (j & 3))) & 3;
}

// ---- forward ------------------------------------------------------------------------------------------------
struct FilteredLreluFwdShared {
  Shared<float> Fu, Fd;
  Shared2D<float> X;     // input tile
  Shared2D<float> U;     // fu width pass (separable fu)
  Shared2D<float> T;     // activated t tile
  Shared2D<uint8_t> C;   // mask codes of the t tile
  Shared2D<float> V;     // fd width pass (separable fd); overlays X and U
  std::size_t bytes;
};

// t tile extent for an output tile (tile_h x tile_w): (tile_h - 1) * down + fd_h samples feed the outputs, and
// the last tile also owns the trailing t rows no output reads; both fit in tile_h * down + fd_h - 1.
GLAD_HOSTDEV GLAD_FORCEINLINE int t_tile(int tile, int down, int fd_taps) { return tile * down + fd_taps - 1; }

GLAD_HOSTDEV GLAD_FORCEINLINE FilteredLreluFwdShared filtered_lrelu_fwd_shared(char* base,
                                                                               const FilteredLreluGeometry& g,
                                                                               int tile_h, int tile_w) {
  const int th = t_tile(tile_h, g.dy.down, g.dy.taps), tw = t_tile(tile_w, g.dx.down, g.dx.taps);
  const int xh = g.uy.max_inputs(th), xw = g.ux.max_inputs(tw);
  SharedLayout L(base);
  FilteredLreluFwdShared s;
  s.Fu.p = L.take<float>(g.fu_len());
  s.Fd.p = L.take<float>(g.fd_len());
  s.T = {L.take<float>(std::size_t(th) * tw), tw};
  s.C = {L.take<uint8_t>(std::size_t(th) * tw), tw};
  const std::size_t region = L.mark();
  s.X = {L.take<float>(std::size_t(xh) * xw), xw};
  s.U = {g.fu_separable ? L.take<float>(std::size_t(xh) * tw) : nullptr, tw};
  L.extend_to(region, g.fd_separable ? sizeof(float) * th * tile_w : 0);
  s.V = {g.fd_separable ? L.at<float>(region) : nullptr, tile_w};
  s.bytes = L.bytes();
  return s;
}

template <typename T, class Block>
GLAD_HOSTDEV void filtered_lrelu_fwd_program(const Block& blk, const FilteredLreluParams& p) {
  const FilteredLreluGeometry& g = p.g;
  const FilteredLreluFwdShared s = filtered_lrelu_fwd_shared(blk.smem, g, p.tile_h, p.tile_w);
  const Dim3 bi = blk.block(), gd = blk.grid();
  const int down = g.dy.down;
  const Range oy{bi.y * p.tile_h, imin((bi.y + 1) * p.tile_h, g.out_h)};
  const Range ox{bi.x * p.tile_w, imin((bi.x + 1) * p.tile_w, g.out_w)};
  // t samples this tile owns (mask) and needs (fd inputs); it computes their union.
  const int own_y_end = bi.y == gd.y - 1 ? g.t_h : imin((bi.y + 1) * p.tile_h * down, g.t_h);
  const int own_x_end = bi.x == gd.x - 1 ? g.t_w : imin((bi.x + 1) * p.tile_w * down, g.t_w);
  const Range own_y{oy.begin * down, own_y_end}, own_x{ox.begin * down, own_x_end};
  const Range need_y{oy.begin * down, (oy.end - 1) * down + g.dy.taps};
  const Range need_x{ox.begin * down, (ox.end - 1) * down + g.dx.taps};
  const Range ty{own_y.begin, imin(imax(need_y.end, own_y.end), g.t_h)};
  const Range tx{own_x.begin, imin(imax(need_x.end, own_x.end), g.t_w)};
  const Range in_y{0, g.in_h}, in_x{0, g.in_w}, t_y{0, g.t_h}, t_x{0, g.t_w};
  const Range iy = inputs_of(g.uy, ty, in_y), ix = inputs_of(g.ux, tx, in_x);
  const int y0 = g.uy.first_in(ty.begin), x0 = g.ux.first_in(tx.begin);  // X tile origin (input coordinates)
  const T* x = static_cast<const T*>(p.x);
  const T* bias = static_cast<const T*>(p.b);
  T* y = static_cast<T*>(p.y);

  blk.threads([&](int tid) {
    load_filter_thread(tid, blk.nthreads(), p.fu, g.fu_separable ? 1 : g.uy.taps, g.ux.taps, g.correlate,
                       g.fu_scale, s.Fu);
    load_filter_thread(tid, blk.nthreads(), p.fd, g.fd_separable ? 1 : g.dy.taps, g.dx.taps, g.correlate, 1.f,
                       s.Fd);
  });
  for (int plane = bi.z; plane < g.planes; plane += gd.z) {
    const int64_t in_base = int64_t(plane) * g.in_h * g.in_w;
    blk.threads([&](int tid) {
      const float b = bias ? to_float(gload(bias, plane % g.channels)) : 0.f;
      load_tile_thread(tid, blk.nthreads(), x + in_base, g.in_w, iy, ix, y0, x0, b, s.X);
    });
    blk.sync();

    // fu: upsample + pad + filter -> activation -> T, C.
    auto activate = [&](int i, int j, float t) {
      const Activated a = lrelu_with_code(g, t);
      s.T.st(i - ty.begin, j - tx.begin, a.value);
      s.C.st(i - ty.begin, j - tx.begin, a.code);
    };
    auto x_at = [&](int m, int n) { return s.X.ld(m - y0, n - x0); };
    resample_step(blk, g.fu_separable, ty, tx, g.uy, g.ux, in_y, in_x, s.Fu, s.U, x_at, activate);
    blk.sync();

    // Mask bytes of the owned t samples (4 codes per byte along the width).
    const int64_t mask_base = int64_t(plane) * g.t_h * g.mask_w;
    const int byte0 = own_x.begin >> 2, nbytes = ((own_x.end + 3) >> 2) - byte0;
    blk.threads([&](int tid) {
      for_each_item(tid, blk.nthreads(), own_y.size(), nbytes, [&](int r, int k) {
        const int i = own_y.begin + r, jb = byte0 + k;
        int byte = 0;
        for (int e = 0; e < 4; ++e) {
          const int j = jb * 4 + e;
          if (j < own_x.end) byte |= int(s.C.ld(i - ty.begin, j - tx.begin)) << (2 * e);
        }
        gstore(p.mask, mask_base + int64_t(i) * g.mask_w + jb, uint8_t(byte));
      });
    });

    // fd: filter + downsample -> y.
    const int64_t out_base = int64_t(plane) * g.out_h * g.out_w;
    auto t_at = [&](int i, int j) { return s.T.ld(i - ty.begin, j - tx.begin); };
    auto store = [&](int n, int c, float v) { gstore(y, out_base + int64_t(n) * g.out_w + c, from_float<T>(v)); };
    resample_step(blk, g.fd_separable, oy, ox, g.dy, g.dx, t_y, t_x, s.Fd, s.V, t_at, store);
    blk.sync();  // the next plane overwrites the tiles
  }
}

// ---- backward -----------------------------------------------------------------------------------------------
struct FilteredLreluBwdShared {
  Shared<float> Fu, Fd;  // reversed orientation (adjoint passes)
  Shared2D<float> E;     // dy tile
  Shared2D<float> A;     // fd-adjoint width pass (separable fd)
  Shared2D<float> S;     // ds = dt * derivative, the gradient at t
  Shared2D<float> B;     // fu-adjoint width pass (separable fu); overlays E and A
  std::size_t bytes;
};

GLAD_HOSTDEV GLAD_FORCEINLINE FilteredLreluBwdShared filtered_lrelu_bwd_shared(char* base,
                                                                               const FilteredLreluGeometry& g,
                                                                               int tile_h, int tile_w) {
  const Resample1D auy = g.uy.adjoint(), aux = g.ux.adjoint(), ady = g.dy.adjoint(), adx = g.dx.adjoint();
  const int sh = auy.max_inputs(tile_h), sw = aux.max_inputs(tile_w);
  const int eh = ady.max_inputs(sh), ew = adx.max_inputs(sw);
  SharedLayout L(base);
  FilteredLreluBwdShared s;
  s.Fu.p = L.take<float>(g.fu_len());
  s.Fd.p = L.take<float>(g.fd_len());
  s.S = {L.take<float>(std::size_t(sh) * sw), sw};
  const std::size_t region = L.mark();
  s.E = {L.take<float>(std::size_t(eh) * ew), ew};
  s.A = {g.fd_separable ? L.take<float>(std::size_t(eh) * sw) : nullptr, sw};
  L.extend_to(region, g.fu_separable ? sizeof(float) * sh * tile_w : 0);
  s.B = {g.fu_separable ? L.at<float>(region) : nullptr, tile_w};
  s.bytes = L.bytes();
  return s;
}

template <typename T, class Block>
GLAD_HOSTDEV void filtered_lrelu_bwd_program(const Block& blk, const FilteredLreluParams& p) {
  const FilteredLreluGeometry& g = p.g;
  const FilteredLreluBwdShared s = filtered_lrelu_bwd_shared(blk.smem, g, p.tile_h, p.tile_w);
  const Resample1D auy = g.uy.adjoint(), aux = g.ux.adjoint(), ady = g.dy.adjoint(), adx = g.dx.adjoint();
  const Dim3 bi = blk.block(), gd = blk.grid();
  const Range iy{bi.y * p.tile_h, imin((bi.y + 1) * p.tile_h, g.in_h)};
  const Range ix{bi.x * p.tile_w, imin((bi.x + 1) * p.tile_w, g.in_w)};
  const Range in_y{0, g.in_h}, in_x{0, g.in_w}, t_y{0, g.t_h}, t_x{0, g.t_w}, o_y{0, g.out_h}, o_x{0, g.out_w};
  const Range sy = inputs_of(auy, iy, t_y), sx = inputs_of(aux, ix, t_x);  // t samples feeding the dx tile
  const int s0y = auy.first_in(iy.begin), s0x = aux.first_in(ix.begin);    // S origin (t coordinates)
  const Range ey = inputs_of(ady, sy, o_y), ex = inputs_of(adx, sx, o_x);  // dy samples feeding those
  const int e0y = ady.first_in(s0y), e0x = adx.first_in(s0x);              // E origin (dy coordinates)
  const T* dy = static_cast<const T*>(p.dy);
  T* dx = static_cast<T*>(p.dx);

  blk.threads([&](int tid) {
    load_filter_thread(tid, blk.nthreads(), p.fu, g.fu_separable ? 1 : g.uy.taps, g.ux.taps, !g.correlate,
                       g.fu_scale, s.Fu);
    load_filter_thread(tid, blk.nthreads(), p.fd, g.fd_separable ? 1 : g.dy.taps, g.dx.taps, !g.correlate, 1.f,
                       s.Fd);
  });
  for (int plane = bi.z; plane < g.planes; plane += gd.z) {
    const int64_t dy_base = int64_t(plane) * g.out_h * g.out_w;
    blk.threads([&](int tid) {
      load_tile_thread(tid, blk.nthreads(), dy + dy_base, g.out_w, ey, ex, e0y, e0x, 0.f, s.E);
    });
    blk.sync();

    // Adjoint of the fd step, times the activation's derivative -> S.
    const int64_t mask_base = int64_t(plane) * g.t_h * g.mask_w;
    auto scale_by_code = [&](int i, int j, float v) {
      const int code = mask_code(p.mask_in, mask_base + int64_t(i) * g.mask_w, j);
      s.S.st(i - s0y, j - s0x, v * code_derivative(g, code));
    };
    auto e_at = [&](int m, int n) { return s.E.ld(m - e0y, n - e0x); };
    resample_step(blk, g.fd_separable, sy, sx, ady, adx, o_y, o_x, s.Fd, s.A, e_at, scale_by_code);
    blk.sync();

    // Adjoint of the fu step -> dx.
    const int64_t dx_base = int64_t(plane) * g.in_h * g.in_w;
    auto s_at = [&](int i, int j) { return s.S.ld(i - s0y, j - s0x); };
    auto store = [&](int n, int c, float v) { gstore(dx, dx_base + int64_t(n) * g.in_w + c, from_float<T>(v)); };
    resample_step(blk, g.fu_separable, iy, ix, auy, aux, t_y, t_x, s.Fu, s.B, s_at, store);
    blk.sync();  // the next plane overwrites the tiles
  }
}

// ---- generic path (no tile fits): element-wise steps around upfirdn2d_direct_program ---------------------------
// scratch = t (pre-activation) -> activated in place + mask bytes. One thread per mask byte.
template <class Block>
GLAD_HOSTDEV void filtered_lrelu_activate_program(const Block& blk, const FilteredLreluParams& p) {
  const FilteredLreluGeometry& g = p.g;
  float* t = p.scratch;
  const int64_t total = int64_t(g.planes) * g.t_h * g.mask_w;
  const int64_t stride = int64_t(blk.grid().x) * blk.nthreads();
  blk.threads([&](int tid) {
    for (int64_t k = int64_t(blk.block().x) * blk.nthreads() + tid; k < total; k += stride) {
      const int64_t row = k / g.mask_w;  // plane * t_h + i
      const int jb = int(k - row * g.mask_w);
      int byte = 0;
      for (int e = 0; e < 4 && jb * 4 + e < g.t_w; ++e) {
        const int64_t idx = row * g.t_w + jb * 4 + e;
        const Activated a = lrelu_with_code(g, gload(t, idx));
        gstore(t, idx, a.value);
        byte |= int(a.code) << (2 * e);
      }
      gstore(p.mask, k, uint8_t(byte));
    }
  });
}

// scratch = gradient at t, times the derivative its mask code gives, in place. One thread per sample.
template <class Block>
GLAD_HOSTDEV void filtered_lrelu_scale_by_mask_program(const Block& blk, const FilteredLreluParams& p) {
  const FilteredLreluGeometry& g = p.g;
  float* dt = p.scratch;
  const int64_t total = int64_t(g.planes) * g.t_h * g.t_w;
  const int64_t stride = int64_t(blk.grid().x) * blk.nthreads();
  blk.threads([&](int tid) {
    for (int64_t k = int64_t(blk.block().x) * blk.nthreads() + tid; k < total; k += stride) {
      const int64_t row = k / g.t_w;
      const int j = int(k - row * g.t_w);
      const int code = mask_code(p.mask_in, row * g.mask_w, j);
      gstore(dt, k, gload(dt, k) * code_derivative(g, code));
    }
  });
}

// upfirdn2d geometries of the generic path's steps (fu step forward, fd step forward, and their adjoints).
inline Upfirdn2dGeometry flrelu_step_geometry(const FilteredLreluGeometry& g, bool fu_step, bool adjoint) {
  Upfirdn2dGeometry u;
  u.planes = g.planes;
  u.channels = g.channels;
  const Resample1D ax = fu_step ? g.ux : g.dx, ay = fu_step ? g.uy : g.dy;
  u.ax = adjoint ? ax.adjoint() : ax;
  u.ay = adjoint ? ay.adjoint() : ay;
  u.separable = fu_step ? g.fu_separable : g.fd_separable;
  u.correlate = adjoint ? !g.correlate : g.correlate;
  u.fscale = fu_step ? g.fu_scale : 1.f;
  const int h0 = fu_step ? g.in_h : g.t_h, w0 = fu_step ? g.in_w : g.t_w;   // step input (forward)
  const int h1 = fu_step ? g.t_h : g.out_h, w1 = fu_step ? g.t_w : g.out_w;  // step output (forward)
  u.in_h = adjoint ? h1 : h0;
  u.in_w = adjoint ? w1 : w0;
  u.out_h = adjoint ? h0 : h1;
  u.out_w = adjoint ? w0 : w1;
  return u;
}

// ---- planning -----------------------------------------------------------------------------------------------
inline double taps_per_output(const Resample1D& a) { return double(a.taps + a.up - 1) / a.up; }

inline LaunchPlan plan_filtered_lrelu(FilteredLreluParams& p, const DeviceLimits& lim, bool backward,
                                      bool allow_fused = true) {
  const FilteredLreluGeometry& g = p.g;
  static const int hs[] = {4, 8, 12, 16, 20, 24, 32, 40, 48, 64};
  static const int ws[] = {4, 8, 12, 16, 20, 24, 32, 40, 48, 64};
  const int out_h = backward ? g.in_h : g.out_h, out_w = backward ? g.in_w : g.out_w;
  auto cost = [&](int th, int tw) {
    double work;
    std::size_t bytes;
    if (!backward) {
      const int tth = t_tile(th, g.dy.down, g.dy.taps), ttw = t_tile(tw, g.dx.down, g.dx.taps);
      const int xh = g.uy.max_inputs(tth), xw = g.ux.max_inputs(ttw);
      const double ux = taps_per_output(g.ux), uy = taps_per_output(g.uy);
      const double up_work =
          g.fu_separable ? xh * double(ttw) * ux + double(tth) * ttw * uy : double(tth) * ttw * ux * uy;
      const double down_work = g.fd_separable ? double(tth) * tw * g.dx.taps + double(th) * tw * g.dy.taps
                                              : double(th) * tw * g.dx.taps * g.dy.taps;
      work = double(xh) * xw + up_work + 2.0 * tth * ttw + down_work;
      bytes = filtered_lrelu_fwd_shared(nullptr, g, th, tw).bytes;
    } else {
      const Resample1D auy = g.uy.adjoint(), aux = g.ux.adjoint(), ady = g.dy.adjoint(), adx = g.dx.adjoint();
      const int sh = auy.max_inputs(th), sw = aux.max_inputs(tw);
      const int eh = ady.max_inputs(sh), ew = adx.max_inputs(sw);
      const double d_work = g.fd_separable
                                ? eh * double(sw) * taps_per_output(adx) + double(sh) * sw * taps_per_output(ady)
                                : double(sh) * sw * taps_per_output(adx) * taps_per_output(ady);
      const double u_work = g.fu_separable ? double(sh) * tw * aux.taps + double(th) * tw * auy.taps
                                           : double(th) * tw * aux.taps * auy.taps;
      work = double(eh) * ew + d_work + 2.0 * sh * sw + u_work;
      bytes = filtered_lrelu_bwd_shared(nullptr, g, th, tw).bytes;
    }
    return TileCost{bytes, work};
  };
  auto blocks = [&](int th, int tw) { return ceil_div64(out_h, th) * ceil_div64(out_w, tw) * int64_t(g.planes); };
  LaunchPlan plan;
  const TileChoice t = allow_fused ? choose_tile(lim, hs, 10, ws, 10, cost, blocks) : TileChoice{};
  if (t.found && ceil_div64(out_h, t.tile_h) <= kMaxGridYZ) {
    p.tile_h = plan.tile_h = t.tile_h;
    p.tile_w = plan.tile_w = t.tile_w;
    plan.tiled = true;
    plan.grid = {int(ceil_div64(out_w, t.tile_w)), int(ceil_div64(out_h, t.tile_h)),
                 g.planes < kMaxGridYZ ? g.planes : kMaxGridYZ};
    plan.shared_bytes = t.shared_bytes;
  }
  return plan;
}

template <typename T>
struct FilteredLreluFwdProgram {
  template <class Block>
  static GLAD_HOSTDEV void run(const Block& blk, const FilteredLreluParams& p) {
    filtered_lrelu_fwd_program<T>(blk, p);
  }
};

template <typename T>
struct FilteredLreluBwdProgram {
  template <class Block>
  static GLAD_HOSTDEV void run(const Block& blk, const FilteredLreluParams& p) {
    filtered_lrelu_bwd_program<T>(blk, p);
  }
};

struct FilteredLreluActivateProgram {
  template <class Block>
  static GLAD_HOSTDEV void run(const Block& blk, const FilteredLreluParams& p) {
    filtered_lrelu_activate_program(blk, p);
  }
};

struct FilteredLreluScaleByMaskProgram {
  template <class Block>
  static GLAD_HOSTDEV void run(const Block& blk, const FilteredLreluParams& p) {
    filtered_lrelu_scale_by_mask_program(blk, p);
  }
};

inline LaunchPlan elementwise_plan(const DeviceLimits& lim, int64_t items) {
  LaunchPlan plan;
  plan.grid = grid_stride_grid(lim, items, kThreadsPerBlock, 16);
  return plan;
}

// One upfirdn2d step of the generic path, through the direct kernel.
template <typename Tin, typename Tout, class Launcher>
void run_flrelu_step(Launcher& launcher, const Upfirdn2dGeometry& g, const void* x, const void* bias, void* y,
                     const float* f, const DeviceLimits& lim) {
  Upfirdn2dParams step;
  step.g = g;
  step.x = x;
  step.bias = bias;
  step.y = y;
  step.f = f;
  launcher.template launch<Upfirdn2dDirectProgram<Tin, Tout>>(plan_upfirdn2d(step, lim, false), step);
}

// filtered_lrelu forward on a Launcher (launch_plan.cuh): the fused kernel, or (no tile fits, or !allow_fused)
// fu step -> activation + mask -> fd step through a float32 scratch t. Returns the fused plan (tiled = fused).
template <typename T, class Launcher>
LaunchPlan run_filtered_lrelu(Launcher& launcher, FilteredLreluParams p, const DeviceLimits& lim,
                              bool allow_fused = true) {
  const LaunchPlan plan = plan_filtered_lrelu(p, lim, /*backward=*/false, allow_fused);
  if (plan.tiled) {
    launcher.template launch<FilteredLreluFwdProgram<T>>(plan, p);
    return plan;
  }
  const FilteredLreluGeometry& g = p.g;
  p.scratch = launcher.scratch_floats(int64_t(g.planes) * g.t_h * g.t_w);
  run_flrelu_step<T, float>(launcher, flrelu_step_geometry(g, true, false), p.x, p.b, p.scratch, p.fu, lim);
  launcher.template launch<FilteredLreluActivateProgram>(elementwise_plan(lim, int64_t(g.planes) * g.t_h * g.mask_w),
                                                         p);
  run_flrelu_step<float, T>(launcher, flrelu_step_geometry(g, false, false), p.scratch, nullptr, p.y, p.fd, lim);
  return plan;
}

// filtered_lrelu_grad on a Launcher: the fused kernel, or adjoint fd step -> times the mask's derivative ->
// adjoint fu step through a float32 scratch gradient at t.
template <typename T, class Launcher>
LaunchPlan run_filtered_lrelu_grad(Launcher& launcher, FilteredLreluParams p, const DeviceLimits& lim,
                                   bool allow_fused = true) {
  const LaunchPlan plan = plan_filtered_lrelu(p, lim, /*backward=*/true, allow_fused);
  if (plan.tiled) {
    launcher.template launch<FilteredLreluBwdProgram<T>>(plan, p);
    return plan;
  }
  const FilteredLreluGeometry& g = p.g;
  p.scratch = launcher.scratch_floats(int64_t(g.planes) * g.t_h * g.t_w);
  run_flrelu_step<T, float>(launcher, flrelu_step_geometry(g, false, true), p.dy, nullptr, p.scratch, p.fd, lim);
  launcher.template launch<FilteredLreluScaleByMaskProgram>(elementwise_plan(lim, int64_t(g.planes) * g.t_h * g.t_w),
                                                            p);
  run_flrelu_step<float, T>(launcher, flrelu_step_geometry(g, true, true), p.scratch, nullptr, p.dx, p.fu, lim);
  return plan;
}

}  // namespace glad_ops

