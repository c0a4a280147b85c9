// Polyphase FIR resampling passes used by the upfirdn2d and filtered_lrelu block programs.
//
// One axis of an upfirdn step, in "oriented" form:
//     o[n] = sum_k F[k] * s_up[n * down + k - pad],   s_up[m * up] = s[m], zero between samples,
// i.e. o[n] = sum over the input samples m with first_in(n) <= m <= last_in(n) of F[m * up - n * down + pad] * s[m].
// Only real input samples are visited (no multiply by inserted or padding zeros) and only the outputs asked for
// are computed (nothing that downsampling would discard). `F` is stored oriented: a true convolution with filter
// f uses F[k] = f[taps - 1 - k], a correlation uses F[k] = f[k]; the adjoint of a pass is the pass with up/down
// swapped, pad' = taps - 1 - pad and the orientation reversed.
//
// Each pass is one block phase (a `blk.threads` call): items are spread over the block's threads, consecutive
// threads take consecutive output columns, so shared-memory reads and global writes are contiguous.
// `src(m...)` / `dst(n..., value)` are callables that map logical coordinates to storage.
#pragma once

#include "cuda_block.cuh"

namespace glad_ops {

GLAD_HOSTDEV GLAD_FORCEINLINE int imin(int a, int b) { return a < b ? a : b; }
GLAD_HOSTDEV GLAD_FORCEINLINE int imax(int a, int b) { return a > b ? a : b; }
// Floor / ceiling of a / b for b > 0 and any sign of a.
GLAD_HOSTDEV GLAD_FORCEINLINE int floor_div(int a, int b) {
  int q = a / b;
  return q * b > a ? q - 1 : q;
}
GLAD_HOSTDEV GLAD_FORCEINLINE int ceil_div(int a, int b) {
  int q = a / b;
  return q * b < a ? q + 1 : q;
}

struct Resample1D {
  int up, down, pad, taps;
  GLAD_HOSTDEV GLAD_FORCEINLINE int first_in(int n) const { return ceil_div(n * down - pad, up); }
  GLAD_HOSTDEV GLAD_FORCEINLINE int last_in(int n) const { return floor_div(n * down - pad + taps - 1, up); }
  GLAD_HOSTDEV GLAD_FORCEINLINE int tap(int m, int n) const { return m * up - n * down + pad; }
  // Upper bound of last_in(n0 + count - 1) - first_in(n0) + 1 over all n0 (count >= 1).
  GLAD_HOSTDEV GLAD_FORCEINLINE int max_inputs(int count) const { return ((count - 1) * down + taps - 1) / up + 1; }
  // The adjoint pass (transpose of this linear map); its filter is this filter reversed.
  GLAD_HOSTDEV GLAD_FORCEINLINE Resample1D adjoint() const { return {down, up, taps - 1 - pad, taps}; }
};

// A half-open range [begin, end) of logical indices.
struct Range {
  int begin, end;
  GLAD_HOSTDEV GLAD_FORCEINLINE int size() const { return end > begin ? end - begin : 0; }
  GLAD_HOSTDEV GLAD_FORCEINLINE Range clip(int lo, int hi) const { return {imax(begin, lo), imin(end, hi)}; }
};

// Calls f(r, c) for the items idx = first, first + step, ... < rows * cols of a row-major rows x cols grid
// (a thread's share of a phase), walking (r, c) without a division per item.
template <class F>
GLAD_HOSTDEV GLAD_FORCEINLINE void for_each_item(int first, int step, int rows, int cols, F&& f) {
  if (cols <= 0 || rows <= 0) return;
  int r = first / cols, c = first - r * cols;
  const int dr = step / cols, dc = step - dr * cols;
  while (r < rows) {
    f(r, c);
    r += dr;
    c += dc;
    if (c >= cols) {
      c -= cols;
      ++r;
    }
  }
}

// Inputs (range of m) that outputs `out` of pass `a` read, clipped to the samples that exist in `valid`.
GLAD_HOSTDEV GLAD_FORCEINLINE Range inputs_of(const Resample1D& a, Range out, Range valid) {
  if (out.size() == 0) return {0, 0};
  return Range{a.first_in(out.begin), a.last_in(out.end - 1) + 1}.clip(valid.begin, valid.end);
}

// One 1-D pass over a 2-D array, for outputs (r, c) in rows x cols. Along the width (kAlongWidth), column c is
// the pass's output index n and   dst(r, c, sum_m F[tap(m, c)] * src(r, m)),  else row r is and
// dst(r, c, sum_m F[tap(m, r)] * src(m, c)); m runs over [first_in(n), last_in(n)] ∩ valid.
template <bool kAlongWidth, class Block, class Src, class Dst>
GLAD_HOSTDEV GLAD_FORCEINLINE void resample_1d(const Block& blk, Range rows, Range cols, const Resample1D& a,
                                               Range valid, Shared<float> F, Src src, Dst dst) {
  blk.threads([&](int tid) {
    for_each_item(tid, blk.nthreads(), rows.size(), cols.size(), [&](int i, int j) {
      const int r = rows.begin + i, c = cols.begin + j, n = kAlongWidth ? c : r;
      const int m0 = imax(a.first_in(n), valid.begin);
      const int m1 = imin(a.last_in(n), valid.end - 1);
      float acc = 0.f;
      for (int m = m0, k = a.tap(m0, n); m <= m1; ++m, k += a.up)
        acc += F.ld(k) * (kAlongWidth ? src(r, m) : src(m, c));
      dst(r, c, acc);
    });
  });
}

// Non-separable pass: F is [ay.taps][ax.taps] row-major; for output (ny, nx) in rows x cols:
//   dst(ny, nx, sum_{my, mx} F[tap_y(my, ny)][tap_x(mx, nx)] * src(my, mx)).
template <class Block, class Src, class Dst>
GLAD_HOSTDEV GLAD_FORCEINLINE void resample_2d(const Block& blk, Range rows, Range cols, const Resample1D& ay,
                                               const Resample1D& ax, Range valid_y, Range valid_x, Shared<float> F,
                                               Src src, Dst dst) {
  blk.threads([&](int tid) {
    for_each_item(tid, blk.nthreads(), rows.size(), cols.size(), [&](int i, int j) {
      const int ny = rows.begin + i, nx = cols.begin + j;
      const int my0 = imax(ay.first_in(ny), valid_y.begin), my1 = imin(ay.last_in(ny), valid_y.end - 1);
      const int mx0 = imax(ax.first_in(nx), valid_x.begin), mx1 = imin(ax.last_in(nx), valid_x.end - 1);
      float acc = 0.f;
      for (int my = my0, ky = ay.tap(my0, ny); my <= my1; ++my, ky += ay.up) {
        const int row = ky * ax.taps;
        for (int mx = mx0, kx = ax.tap(mx0, nx); mx <= mx1; ++mx, kx += ax.up)
          acc += F.ld(row + kx) * src(my, mx);
      }
      dst(ny, nx, acc);
    });
  });
}

// One upfirdn filtering step from `src` to outputs (r, c) in rows x cols, through `dst(r, c, value)`:
// separable = a width pass over the input rows the outputs need into `tmp` (its element (0, 0) is input row
// ay.first_in(rows.begin), output column cols.begin), a barrier, then a height pass; else one 2-D pass.
// F holds ax.taps (separable) or ay.taps x ax.taps oriented taps. Spans two phases when separable.
template <class Block, class Src, class Dst>
GLAD_HOSTDEV GLAD_FORCEINLINE void resample_step(const Block& blk, bool separable, Range rows, Range cols,
                                                 const Resample1D& ay, const Resample1D& ax, Range valid_y,
                                                 Range valid_x, Shared<float> F, Shared2D<float> tmp, Src src,
                                                 Dst dst) {
  if (!separable) {
    resample_2d(blk, rows, cols, ay, ax, valid_y, valid_x, F, src, dst);
    return;
  }
  if (rows.size() == 0 || cols.size() == 0) return;
  const int r0 = ay.first_in(rows.begin);
  resample_1d<true>(blk, inputs_of(ay, rows, valid_y), cols, ax, valid_x, F, src,
                    [&](int r, int c, float v) { tmp.st(r - r0, c - cols.begin, v); });
  blk.sync();
  resample_1d<false>(blk, rows, cols, ay, valid_y, F, [&](int m, int c) { return tmp.ld(m - r0, c - cols.begin); },
                     dst);
}

// Loads a float32 filter (1-D [taps] or 2-D [th][tw], row-major in global memory) into shared memory in oriented
// form, times `scale`: reversed along every axis unless `correlate` (flip_filter=True in the op's terms).
// One phase body over `tid`; call inside blk.threads.
GLAD_HOSTDEV GLAD_FORCEINLINE void load_filter_thread(int tid, int nthreads, const float* f, int th, int tw,
                                                      bool correlate, float scale, Shared<float> F) {
  const int n = th * tw;
  for (int i = tid; i < n; i += nthreads) {
    const int src = correlate ? i : n - 1 - i;  // reversing both axes of a row-major array reverses it whole
    F.st(i, gload(f, src) * scale);
  }
}

// Loads rows x cols of one plane (row-major, `width` samples per row, starting at `plane`) into a shared tile
// whose element (0, 0) is sample (y0, x0), as float plus `bias`. One phase body over `tid`.
template <typename T>
GLAD_HOSTDEV GLAD_FORCEINLINE void load_tile_thread(int tid, int nthreads, const T* plane, int width, Range rows,
                                                    Range cols, int y0, int x0, float bias, Shared2D<float> tile) {
  for_each_item(tid, nthreads, rows.size(), cols.size(), [&](int i, int j) {
    const int m = rows.begin + i, n = cols.begin + j;
    tile.st(m - y0, n - x0, to_float(gload(plane, int64_t(m) * width + n)) + bias);
  });
}

}  // namespace glad_ops
