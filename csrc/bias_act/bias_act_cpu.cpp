// CPU kernels of bias_act and bias_act_grad (spec §1.1): one fused, multi-threaded element-wise pass.
#include <algorithm>
#include <cmath>
#include <optional>
#include <type_traits>

#include <torch/csrc/stable/library.h>
#include <torch/csrc/stable/ops.h>

#include "../common/activation.h"
#include "../common/bias_layout.h"
#include "../common/dispatch.h"
#include "../common/tensor_util.h"

namespace glad_ops {
namespace {

constexpr int64_t kGrain = 1 << 15;  // elements per task

// Calls body(begin, end, channel) over contiguous runs of x that share one bias channel, in parallel.
template <typename Body>
void for_each_run(const BiasLayout& l, Body body) {
  if (l.outer == 0 || l.channels == 0 || l.inner == 0) return;  // empty x
  if (l.channels == 1 || l.inner >= 1024) {
    // Long runs: split every run into chunks; one task range covers [run * inner + begin, ...).
    const int64_t runs = l.outer * l.channels;
    const int64_t chunk = std::min<int64_t>(l.inner, kGrain);
    const int64_t per_run = (l.inner + chunk - 1) / chunk;
    torch::stable::parallel_for(0, runs * per_run, std::max<int64_t>(1, kGrain / chunk), [&](int64_t lo, int64_t hi) {
      for (int64_t t = lo; t < hi; ++t) {
        const int64_t run = t / per_run, part = t % per_run;
        const int64_t begin = run * l.inner + part * chunk;
        body(begin, begin + std::min(chunk, l.inner - part * chunk), run % l.channels);
      }
    });
    return;
  }
  const int64_t row = l.channels * l.inner;
  torch::stable::parallel_for(0, l.outer, std::max<int64_t>(1, kGrain / row), [&](int64_t lo, int64_t hi) {
    for (int64_t o = lo; o < hi; ++o) {
      for (int64_t c = 0; c < l.channels; ++c) {
        const int64_t begin = (o * l.channels + c) * l.inner;
        body(begin, begin + l.inner, c);
      }
    }
  });
}

// One contiguous run sharing a bias value (clamp < 0: none); parameters by value so the loop vectorises.
template <typename I, int A, typename T = opmath_t<I>>
void forward_run(const I* __restrict x, I* __restrict y, int64_t n, T bias, T alpha, T gain, T clamp) {
  for (int64_t i = 0; i < n; ++i) y[i] = I(clamp_value(Act<A, T>::f(T(x[i]) + bias, alpha) * gain, clamp));
}

// out = g * gain * act^(order)(x + b) where the clamp passes the gradient of gain * act(x + b), else 0.
template <typename I, int A, int Order, typename T = opmath_t<I>>
void grad_run(const I* __restrict g, const I* __restrict x, I* __restrict out, int64_t n, T bias, T alpha, T gain,
              T clamp) {
  for (int64_t i = 0; i < n; ++i) {
    const T v = T(x[i]) + bias;
    const T d = Order == 1 ? Act<A, T>::d1(v, alpha) : Act<A, T>::d2(v, alpha);
    const T r = T(g[i]) * gain * d;  // unconditional load: a conditional one would block vectorisation
    out[i] = I(clamp_passes_grad(Act<A, T>::f(v, alpha) * gain, clamp) ? r : T(0));
  }
}

template <typename I, int A>
void forward_kernel(const I* x, const I* b, I* y, const BiasLayout& l, double alpha, double gain, double clamp) {
  using T = opmath_t<I>;
  for_each_run(l, [=](int64_t begin, int64_t end, int64_t c) {
    forward_run<I, A>(x + begin, y + begin, end - begin, b ? T(b[c]) : T(0), T(alpha), T(gain), T(clamp));
  });
}

template <typename I, int A, int Order>
void grad_kernel(const I* g, const I* x, const I* b, I* out, const BiasLayout& l, double alpha, double gain,
                 double clamp) {
  using T = opmath_t<I>;
  for_each_run(l, [=](int64_t begin, int64_t end, int64_t c) {
    grad_run<I, A, Order>(g + begin, x + begin, out + begin, end - begin, b ? T(b[c]) : T(0), T(alpha), T(gain),
                          T(clamp));
  });
}

void check_act(int64_t act, const char* op) {
  STD_TORCH_CHECK(act >= 0 && act < kNumActs, op, ": unknown activation code ", act);
}

Tensor bias_act_cpu(Tensor x, std::optional<Tensor> b, int64_t dim, int64_t act, double alpha, double gain,
                    double clamp) {
  check_act(act, "bias_act");
  x = as_contiguous(x);
  if (b) b = as_contiguous(*b);
  const BiasLayout l = bias_layout(x, b, dim, "bias_act");
  Tensor y = torch::stable::empty_like(x);
  dispatch_floating<Kernels::kCpu>(x.scalar_type(), "bias_act", [&](auto tag) {
    using I = decltype(tag);
    const I* bp = b ? b->const_data_ptr<I>() : nullptr;
    dispatch_act(act, [&](auto a) {
      forward_kernel<I, decltype(a)::value>(x.const_data_ptr<I>(), bp, y.mutable_data_ptr<I>(), l, alpha, gain,
                                             clamp);
    });
  });
  return y;
}

Tensor bias_act_grad_cpu(Tensor g, Tensor x, std::optional<Tensor> b, int64_t dim, int64_t act, double alpha,
                         double gain, double clamp, int64_t order) {
  check_act(act, "bias_act_grad");
  STD_TORCH_CHECK(order == 1 || order == 2, "bias_act_grad: order must be 1 or 2, got ", order);
  x = as_contiguous(x);
  g = as_contiguous(g);
  if (b) b = as_contiguous(*b);
  STD_TORCH_CHECK(g.numel() == x.numel() && g.scalar_type() == x.scalar_type(),
                  "bias_act_grad: g must match x in shape and dtype");
  const BiasLayout l = bias_layout(x, b, dim, "bias_act_grad");
  Tensor out = torch::stable::empty_like(x);
  dispatch_floating<Kernels::kCpu>(x.scalar_type(), "bias_act_grad", [&](auto tag) {
    using I = decltype(tag);
    const I* bp = b ? b->const_data_ptr<I>() : nullptr;
    dispatch_act(act, [&](auto a) {
      constexpr int A = decltype(a)::value;
      auto kernel = order == 1 ? grad_kernel<I, A, 1> : grad_kernel<I, A, 2>;
      kernel(g.const_data_ptr<I>(), x.const_data_ptr<I>(), bp, out.mutable_data_ptr<I>(), l, alpha, gain, clamp);
    });
  });
  return out;
}

}  // namespace

STABLE_TORCH_LIBRARY_IMPL(glad_ops, CPU, m) {
  m.impl("bias_act", TORCH_BOX(&bias_act_cpu));
  m.impl("bias_act_grad", TORCH_BOX(&bias_act_grad_cpu));
}

}  // namespace glad_ops
