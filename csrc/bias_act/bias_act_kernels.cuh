// bias_act / bias_act_grad block programs (spec §1.1, contracts.md): grid-stride element-wise kernels over the
// flattened tensor, 16-byte vector loads/stores when every pointer is aligned, float32 arithmetic.
#pragma once

#include <cmath>

#include "../common/activation.h"
#include "../common/cuda_block.cuh"
#include "../common/fast_divmod.cuh"
#include "../common/launch_plan.cuh"

namespace glad_ops {

// Runs f(Act<code, float>{}) for the run-time activation code (the functors of common/activation.h, shared with
// the CPU kernels). A switch on a block-uniform value costs nothing next to the memory traffic.
template <class F>
GLAD_HOSTDEV GLAD_FORCEINLINE float visit_act(int act, F&& f) {
  switch (act) {
    case kRelu: return f(Act<kRelu, float>{});
    case kLrelu: return f(Act<kLrelu, float>{});
    case kTanh: return f(Act<kTanh, float>{});
    case kSigmoid: return f(Act<kSigmoid, float>{});
    case kElu: return f(Act<kElu, float>{});
    case kSelu: return f(Act<kSelu, float>{});
    case kSoftplus: return f(Act<kSoftplus, float>{});
    case kSwish: return f(Act<kSwish, float>{});
    default: return f(Act<kLinear, float>{});
  }
}

struct BiasActParams {
  const void* x = nullptr;  // [numel], T
  const void* g = nullptr;  // [numel], T (bias_act_grad only)
  const void* b = nullptr;  // [channels], T, or nullptr
  void* out = nullptr;      // [numel], T
  int64_t numel = 0;
  FastDivmod inner;         // product of the sizes after `dim`
  FastDivmod channels;      // x.shape[dim]
  int act = kLinear;
  float alpha = 0.f, gain = 1.f, clamp = -1.f;  // clamp < 0: no clamp
  int order = 1;                                 // bias_act_grad: 1 or 2
};

// y = clamp(gain * act(x + b)), or the gradient g * gain * act^(order)(x + b) * pass (contracts.md).
template <bool kGrad>
GLAD_HOSTDEV GLAD_FORCEINLINE float bias_act_element(const BiasActParams& p, float x, float bias, float g) {
  const float v = x + bias, alpha = p.alpha;
  const float y = visit_act(p.act, [&](auto a) { return decltype(a)::f(v, alpha); }) * p.gain;
  if (!kGrad) return clamp_value(y, p.clamp);
  if (!clamp_passes_grad(y, p.clamp)) return 0.f;
  const float d = p.order == 2 ? visit_act(p.act, [&](auto a) { return decltype(a)::d2(v, alpha); })
                               : visit_act(p.act, [&](auto a) { return decltype(a)::d1(v, alpha); });
  return g * p.gain * d;
}

// One phase, no shared memory. Thread t of the grid handles vectors t, t + stride, ... of kVec elements
// (kVec = 1 when the pointers are not 16-byte aligned), then the first `numel % kVec` threads the tail.
template <typename T, int kVec, bool kGrad, class Block>
GLAD_HOSTDEV void bias_act_program(const Block& blk, const BiasActParams& p) {
  const T* x = static_cast<const T*>(p.x);
  const T* g = static_cast<const T*>(p.g);
  const T* b = static_cast<const T*>(p.b);
  T* out = static_cast<T*>(p.out);
  const int64_t stride = int64_t(blk.grid().x) * blk.nthreads();
  const int64_t nvec = p.numel / kVec;
  const int64_t tail_begin = nvec * kVec;
  blk.threads([&](int tid) {
    const int64_t first = int64_t(blk.block().x) * blk.nthreads() + tid;
    for (int64_t v = first; v < nvec; v += stride) {
      const int64_t i0 = v * kVec;
      const Vec<T, kVec> xv = gload(reinterpret_cast<const Vec<T, kVec>*>(x), v);
      Vec<T, kVec> gv{};
      if (kGrad) gv = gload(reinterpret_cast<const Vec<T, kVec>*>(g), v);
      // Channel of element i0, then walk it along the vector without further divisions.
      uint64_t pos = 0, c = 0;
      if (b) {
        const uint64_t q = p.inner.div(uint64_t(i0));
        pos = uint64_t(i0) - q * p.inner.divisor;
        c = p.channels.mod(q);
      }
      Vec<T, kVec> ov;
GLAD_UNROLL
      for (int e = 0; e < kVec; ++e) {
        float bias = 0.f;
        if (b) {
          bias = to_float(gload(b, int64_t(c)));
          if (++pos == p.inner.divisor) {
            pos = 0;
            if (++c == p.channels.divisor) c = 0;
          }
        }
        const float gval = kGrad ? to_float(gv.v[e]) : 0.f;
        ov.v[e] = from_float<T>(bias_act_element<kGrad>(p, to_float(xv.v[e]), bias, gval));
      }
      gstore(reinterpret_cast<Vec<T, kVec>*>(out), v, ov);
    }
    const int64_t i = tail_begin + first;
    if (i < p.numel) {
      const float bias = b ? to_float(gload(b, int64_t(p.channels.mod(p.inner.div(uint64_t(i)))))) : 0.f;
      const float gval = kGrad ? to_float(gload(g, i)) : 0.f;
      gstore(out, i, from_float<T>(bias_act_element<kGrad>(p, to_float(gload(x, i)), bias, gval)));
    }
  });
}

template <typename T, int kVec, bool kGrad>
struct BiasActProgram {
  template <class Block>
  static GLAD_HOSTDEV void run(const Block& blk, const BiasActParams& p) {
    bias_act_program<T, kVec, kGrad>(blk, p);
  }
};

// bias_act (kGrad = false) or bias_act_grad on a Launcher (launch_plan.cuh); vectorised when aligned.
template <typename T, bool kGrad, class Launcher>
void run_bias_act(Launcher& launcher, const BiasActParams& p, const DeviceLimits& lim) {
  constexpr int kVec = 16 / int(sizeof(T));
  LaunchPlan plan;
  if (aligned16(p.x) && aligned16(p.out) && (!kGrad || aligned16(p.g))) {
    plan.grid = grid_stride_grid(lim, p.numel / kVec, kThreadsPerBlock);
    launcher.template launch<BiasActProgram<T, kVec, kGrad>>(plan, p);
  } else {
    plan.grid = grid_stride_grid(lim, p.numel, kThreadsPerBlock);
    launcher.template launch<BiasActProgram<T, 1, kGrad>>(plan, p);
  }
}

}  // namespace glad_ops
