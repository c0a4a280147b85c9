// Polyphase CPU resampling of one image plane: upsample by zero insertion, pad/crop, FIR filter, downsample —
// the math of upfirdn2d (spec §1.3) without ever multiplying an inserted zero or computing a discarded sample.
//
// Rows (the width axis) are filtered phase by phase over a zero-padded, de-interleaved copy of each line so that
// the inner loops are unit-stride; columns (the height axis) are filtered as whole-row multiply-adds.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <numeric>
#include <vector>

#include <torch/headeronly/util/Exception.h>

#include "filter.h"

namespace glad_ops {

inline int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}
inline int64_t floor_mod(int64_t a, int64_t b) { return a - floor_div(a, b) * b; }

// One axis of the resampling: u[m] = in[m / up] if m % up == 0 and 0 <= m < in_len * up, else 0;
// p[i] = u[i - pad0]; out[o] = sum_{k < ntaps} taps[k] * p[o * down + k] for 0 <= o < out_len.
struct Axis {
  int64_t in_len, up, down, pad0, ntaps, out_len;

  Axis(int64_t in_len_, int64_t up_, int64_t down_, int64_t pad0_, int64_t pad1, int64_t ntaps_)
      : in_len(in_len_), up(up_), down(down_), pad0(pad0_), ntaps(ntaps_),
        out_len(floor_div(in_len_ * up_ + pad0_ + pad1 - ntaps_, down_) + 1) {}

  // The taps of output o that hit real samples: k = k0, k0 + up, ... (< k1), reading in[i0], in[i0 + 1], ...
  // Returns false when none does (the output is 0).
  bool taps_for(int64_t o, int64_t& k0, int64_t& k1, int64_t& i0) const {
    const int64_t m0 = o * down - pad0;
    int64_t k = std::max<int64_t>(0, -m0);
    k += floor_mod(-(m0 + k), up);
    k1 = std::min<int64_t>(ntaps, in_len * up - m0);
    k0 = k;
    i0 = (m0 + k) / up;
    return k0 < k1;
  }

  // Range [lo, hi) of input samples any output reads (empty: lo >= hi).
  void input_range(int64_t& lo, int64_t& hi) const {
    lo = in_len;
    hi = 0;
    for (int64_t o = 0; o < out_len; ++o) {
      int64_t k0, k1, i0;
      if (!taps_for(o, k0, k1, i0)) continue;
      lo = std::min(lo, i0);
      hi = std::max(hi, i0 + (k1 - 1 - k0) / up + 1);
    }
  }
};

// dst[j] = sum_t w[t] * src[t][j] for 0 <= j < n (defined in weighted_sum_cpu.cpp, where it is compiled for
// AVX2+FMA as well as the baseline ISA and picked at load time).
void weighted_sum(const float* const* src, const float* w, int64_t terms, float* dst, int64_t n);
void weighted_sum(const double* const* src, const double* w, int64_t terms, double* dst, int64_t n);

// Weighted source lines collected for one weighted_sum.
template <typename T>
struct Terms {
  std::vector<const T*> src;
  std::vector<T> w;
  void clear() {
    src.clear();
    w.clear();
  }
  void add(T weight, const T* line) {
    src.push_back(line);
    w.push_back(weight);
  }
  int64_t size() const { return static_cast<int64_t>(w.size()); }
};

// Filters single lines (unit stride) along an Axis, phase by phase. Output o = r + j * P (phase r) reads input
// (r * down - pad0 + k) / up + j * S for its taps k = ks(r) (mod up), where P = up / g, S = down / g,
// g = gcd(up, down). The line is copied into a zero-padded buffer split into S interleaved components, so that
// every (phase, tap) pair is a unit-stride source line over j.
template <typename T>
class LineFilter {
 public:
  explicit LineFilter(const Axis& ax) : ax_(ax) {
    const int64_t g = std::gcd(ax.up, ax.down);
    P_ = ax.up / g;
    S_ = ax.down / g;
    zeros_ = std::max<int64_t>(0, -floor_div(-ax.pad0, ax.up));
    int64_t needed = zeros_ + ax.in_len;
    const int64_t phases = std::min(P_, ax.out_len);
    phases_.resize(phases);
    for (int64_t r = 0; r < phases; ++r) {
      Phase& ph = phases_[r];
      ph.count = (ax.out_len - r + P_ - 1) / P_;
      for (int64_t k = floor_mod(ax.pad0 - r * ax.down, ax.up); k < ax.ntaps; k += ax.up) {
        const int64_t q = (r * ax.down - ax.pad0 + k) / ax.up + zeros_;  // exact division, q >= 0
        ph.taps.push_back({k, q % S_, q / S_});
        needed = std::max(needed, q + (ph.count - 1) * S_ + 1);
      }
    }
    comp_len_ = (needed + S_ - 1) / S_;
    acc_.resize(P_ > 1 ? (ax.out_len + P_ - 1) / P_ : 0);
  }

  int64_t prepared_len() const { return S_ * comp_len_; }
  int64_t phases() const { return static_cast<int64_t>(phases_.size()); }

  // prep[c * comp_len + q / S] = line[q - zeros] for q % S == c (zero outside the line).
  template <typename I, typename Load>
  void prepare(const I* line, T* prep, Load load) const {
    std::fill(prep, prep + prepared_len(), T(0));
    if (S_ == 1) {
      for (int64_t i = 0; i < ax_.in_len; ++i) prep[zeros_ + i] = load(line[i]);
      return;
    }
    // Component c holds buffer positions q = t * S + c, i.e. line[t * S + c - zeros].
    for (int64_t c = 0; c < S_; ++c) {
      T* dst = prep + c * comp_len_;
      const int64_t t0 = std::max<int64_t>(0, -floor_div(c - zeros_, S_));
      const int64_t t1 = std::min(comp_len_, -floor_div(c - zeros_ - ax_.in_len, S_));
      const I* src = line + c - zeros_;
      for (int64_t t = t0; t < t1; ++t) dst[t] = load(src[t * S_]);
    }
  }

  // Adds phase r's (tap weight, source line) terms of one prepared line filtered with `taps`.
  void add_terms(int64_t r, const T* prep, const T* taps, Terms<T>& terms) const {
    for (const PhaseTap& t : phases_[r].taps) terms.add(taps[t.k], prep + t.comp * comp_len_ + t.offset);
  }

  // out[r + j * P] = sum of the terms of phase r, for every j.
  void emit(int64_t r, const Terms<T>& terms, T* __restrict out) {
    const int64_t n = phases_[r].count;
    if (P_ == 1) {
      weighted_sum(terms.src.data(), terms.w.data(), terms.size(), out, n);
      return;
    }
    weighted_sum(terms.src.data(), terms.w.data(), terms.size(), acc_.data(), n);
    for (int64_t j = 0; j < n; ++j) out[r + j * P_] = acc_[j];
  }

  // out[o] = sum_k taps[k] * p[o * down + k] for one prepared line.
  void filter(const T* prep, const T* taps, T* out, Terms<T>& terms) {
    for (int64_t r = 0; r < phases(); ++r) {
      terms.clear();
      add_terms(r, prep, taps, terms);
      emit(r, terms, out);
    }
  }

 private:
  struct PhaseTap {
    int64_t k, comp, offset;
  };
  struct Phase {
    int64_t count = 0;
    std::vector<PhaseTap> taps;
  };
  Axis ax_;
  int64_t P_, S_, zeros_, comp_len_;
  std::vector<Phase> phases_;
  std::vector<T> acc_;
};

// out rows [out_len][width] = column-wise resampling of `rows(i)` (input row i, width samples) along `ax`.
template <typename T, typename RowPtr>
void filter_columns(const Axis& ax, const T* taps, int64_t width, RowPtr rows, T* out, Terms<T>& terms) {
  for (int64_t o = 0; o < ax.out_len; ++o) {
    T* dst = out + o * width;
    terms.clear();
    int64_t k0, k1, i0;
    if (ax.taps_for(o, k0, k1, i0)) {
      for (int64_t k = k0, i = i0; k < k1; k += ax.up, ++i) terms.add(taps[k], rows(i));
    }
    weighted_sum(terms.src.data(), terms.w.data(), terms.size(), dst, width);
  }
}

// Geometry of one upfirdn2d plane: sizes, factors (x = width, y = height) and padding.
struct PlaneGeometry {
  int64_t in_h, in_w, upx, upy, downx, downy, padx0, padx1, pady0, pady1;
};

// Resamples whole planes [in_h][in_w] -> [out_h][out_w] with a fixed filter; holds its scratch buffers, so use
// one instance per thread.
template <typename T>
class PlaneResampler {
 public:
  PlaneResampler(const Filter<T>& f, const PlaneGeometry& g)
      : f_(f),
        ax_x_(g.in_w, g.upx, g.downx, g.padx0, g.padx1, f.w),
        ax_y_(g.in_h, g.upy, g.downy, g.pady0, g.pady1, f.h),
        line_(ax_x_) {
    STD_TORCH_CHECK(ax_x_.out_len > 0 && ax_y_.out_len > 0, "upfirdn2d: the filter is larger than the padded input");
    ax_y_.input_range(row_lo_, row_hi_);
    const int64_t rows = std::max<int64_t>(0, row_hi_ - row_lo_);
    // Downsampling in height: filter columns first, so that fewer rows go through the per-row width pass.
    columns_first_ = f.separable && ax_y_.out_len < rows;
    if (columns_first_) {
      prep_.resize(line_.prepared_len());
      tmp_.resize(rows * ax_x_.in_len + ax_y_.out_len * ax_x_.in_len);
    } else if (f.separable) {
      prep_.resize(line_.prepared_len());
      tmp_.resize(rows * ax_x_.out_len);
    } else {
      prep_.resize(rows * line_.prepared_len());
    }
  }

  int64_t out_h() const { return ax_y_.out_len; }
  int64_t out_w() const { return ax_x_.out_len; }

  // in: [in_h][in_w] of type I, read through load(I) -> T; out: [out_h][out_w] of T.
  template <typename I, typename Load>
  void run(const I* in, T* out, Load load) {
    const int64_t in_w = ax_x_.in_len, out_w = ax_x_.out_len, plen = line_.prepared_len();
    if (columns_first_) {
      // rows [row_lo, row_hi) converted to T, then filtered along the height into [out_h][in_w], then rows.
      T* rows = tmp_.data();
      T* cols = rows + (row_hi_ - row_lo_) * in_w;
      for (int64_t i = row_lo_; i < row_hi_; ++i) {
        const I* src = in + i * in_w;
        T* dst = rows + (i - row_lo_) * in_w;
        for (int64_t j = 0; j < in_w; ++j) dst[j] = load(src[j]);
      }
      const int64_t lo = row_lo_;
      filter_columns(ax_y_, f_.taps.data(), in_w, [&](int64_t i) { return rows + (i - lo) * in_w; }, cols, terms_);
      for (int64_t o = 0; o < ax_y_.out_len; ++o) {
        line_.prepare(cols + o * in_w, prep_.data(), [](T v) { return v; });
        line_.filter(prep_.data(), f_.taps.data(), out + o * out_w, terms_);
      }
      return;
    }
    if (f_.separable) {
      for (int64_t i = row_lo_; i < row_hi_; ++i) {
        line_.prepare(in + i * in_w, prep_.data(), load);
        line_.filter(prep_.data(), f_.taps.data(), tmp_.data() + (i - row_lo_) * out_w, terms_);
      }
      const T* tmp = tmp_.data();
      const int64_t lo = row_lo_;
      filter_columns(ax_y_, f_.taps.data(), out_w, [&](int64_t i) { return tmp + (i - lo) * out_w; }, out, terms_);
      return;
    }
    // 2-D filter: every output row sums, per phase, the taps of all filter rows that hit real input rows.
    for (int64_t i = row_lo_; i < row_hi_; ++i) line_.prepare(in + i * in_w, prep_.data() + (i - row_lo_) * plen, load);
    for (int64_t o = 0; o < ax_y_.out_len; ++o) {
      int64_t k0, k1, i0;
      const bool any = ax_y_.taps_for(o, k0, k1, i0);
      for (int64_t r = 0; r < line_.phases(); ++r) {
        terms_.clear();
        if (any) {
          for (int64_t k = k0, i = i0; k < k1; k += ax_y_.up, ++i) {
            line_.add_terms(r, prep_.data() + (i - row_lo_) * plen, f_.row(k), terms_);
          }
        }
        line_.emit(r, terms_, out + o * out_w);
      }
    }
  }

 private:
  const Filter<T>& f_;
  Axis ax_x_, ax_y_;
  LineFilter<T> line_;
  int64_t row_lo_ = 0, row_hi_ = 0;
  bool columns_first_ = false;
  std::vector<T> prep_, tmp_;
  Terms<T> terms_;
};

}  // namespace glad_ops
