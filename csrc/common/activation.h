// The bias_act activations, their first and second derivatives (spec §1.1), as compile-time functors.
// Codes follow the op schema: 0 linear, 1 relu, 2 lrelu, 3 tanh, 4 sigmoid, 5 elu, 6 selu, 7 softplus, 8 swish.
// At kinks the derivatives follow torch's autograd (relu'(0) = 0, lrelu'(0) = alpha, elu'(0) = 1, elu''(0) = 0).
#pragma once

#include <cmath>
#include <cstdint>

#ifdef __CUDACC__
#define GLAD_HD __host__ __device__ __forceinline__
#else
#define GLAD_HD inline
#endif

namespace glad_ops {

enum ActCode : int64_t {
  kLinear = 0,
  kRelu = 1,
  kLrelu = 2,
  kTanh = 3,
  kSigmoid = 4,
  kElu = 5,
  kSelu = 6,
  kSoftplus = 7,
  kSwish = 8,
  kNumActs = 9,
};

constexpr double kSeluScale = 1.0507009873554805;
constexpr double kSeluAlpha = 1.6732632423543772;
constexpr double kSoftplusThreshold = 20.0;

template <int A, typename T>
struct Act;

template <typename T>
GLAD_HD T sigmoid(T v) {
  return T(1) / (T(1) + std::exp(-v));
}

template <typename T>
struct Act<kLinear, T> {
  GLAD_HD static T f(T v, T) { return v; }
  GLAD_HD static T d1(T, T) { return T(1); }
  GLAD_HD static T d2(T, T) { return T(0); }
};
template <typename T>
struct Act<kRelu, T> {
  GLAD_HD static T f(T v, T) { return v > T(0) ? v : T(0); }
  GLAD_HD static T d1(T v, T) { return v > T(0) ? T(1) : T(0); }
  GLAD_HD static T d2(T, T) { return T(0); }
};
template <typename T>
struct Act<kLrelu, T> {
  GLAD_HD static T f(T v, T a) { return v > T(0) ? v : v * a; }
  GLAD_HD static T d1(T v, T a) { return v > T(0) ? T(1) : a; }
  GLAD_HD static T d2(T, T) { return T(0); }
};
template <typename T>
struct Act<kTanh, T> {
  GLAD_HD static T f(T v, T) { return std::tanh(v); }
  GLAD_HD static T d1(T v, T) {
    T y = std::tanh(v);
    return T(1) - y * y;
  }
  GLAD_HD static T d2(T v, T) {
    T y = std::tanh(v);
    return T(-2) * y * (T(1) - y * y);
  }
};
template <typename T>
struct Act<kSigmoid, T> {
  GLAD_HD static T f(T v, T) { return sigmoid(v); }
  GLAD_HD static T d1(T v, T) {
    T s = sigmoid(v);
    return s * (T(1) - s);
  }
  GLAD_HD static T d2(T v, T) {
    T s = sigmoid(v);
    return s * (T(1) - s) * (T(1) - T(2) * s);
  }
};
template <typename T>
struct Act<kElu, T> {
  GLAD_HD static T f(T v, T) { return v > T(0) ? v : std::expm1(v); }
  GLAD_HD static T d1(T v, T) { return v > T(0) ? T(1) : std::exp(v); }
  GLAD_HD static T d2(T v, T) { return v >= T(0) ? T(0) : std::exp(v); }
};
template <typename T>
struct Act<kSelu, T> {
  GLAD_HD static T f(T v, T) {
    return v > T(0) ? T(kSeluScale) * v : T(kSeluScale) * T(kSeluAlpha) * std::expm1(v);
  }
  GLAD_HD static T d1(T v, T) { return v > T(0) ? T(kSeluScale) : T(kSeluScale) * T(kSeluAlpha) * std::exp(v); }
  GLAD_HD static T d2(T v, T) { return v >= T(0) ? T(0) : T(kSeluScale) * T(kSeluAlpha) * std::exp(v); }
};
template <typename T>
struct Act<kSoftplus, T> {
  GLAD_HD static T f(T v, T) { return v > T(kSoftplusThreshold) ? v : std::log1p(std::exp(v)); }
  GLAD_HD static T d1(T v, T) { return v > T(kSoftplusThreshold) ? T(1) : sigmoid(v); }
  GLAD_HD static T d2(T v, T) {
    if (v > T(kSoftplusThreshold)) return T(0);
    T s = sigmoid(v);
    return s * (T(1) - s);
  }
};
template <typename T>
struct Act<kSwish, T> {
  GLAD_HD static T f(T v, T) { return v * sigmoid(v); }
  GLAD_HD static T d1(T v, T) {
    T s = sigmoid(v);
    return s + v * s * (T(1) - s);
  }
  GLAD_HD static T d2(T v, T) {
    T s = sigmoid(v);
    T ds = s * (T(1) - s);
    return T(2) * ds + v * ds * (T(1) - T(2) * s);
  }
};

// The clamp of spec §1.1 (c < 0: no clamp) as the reference's torch.clamp(v, -c, c) does it: NaN stays NaN, and
// the gradient passes only strictly inside, |v| < c (blocked at the boundary and at NaN). Shared by the CPU and
// CUDA kernels of bias_act and filtered_lrelu.
template <typename T>
GLAD_HD T clamp_value(T v, T c) {
  return c < T(0) ? v : (v > c ? c : (v < -c ? -c : v));
}
template <typename T>
GLAD_HD bool clamp_passes_grad(T v, T c) {
  return c < T(0) || std::abs(v) < c;
}

// Calls f(std::integral_constant<int, A>{}) for the runtime activation code (host side).
template <typename F>
inline bool dispatch_act(int64_t code, F&& f) {
  switch (code) {
    case kLinear: f(std::integral_constant<int, kLinear>{}); return true;
    case kRelu: f(std::integral_constant<int, kRelu>{}); return true;
    case kLrelu: f(std::integral_constant<int, kLrelu>{}); return true;
    case kTanh: f(std::integral_constant<int, kTanh>{}); return true;
    case kSigmoid: f(std::integral_constant<int, kSigmoid>{}); return true;
    case kElu: f(std::integral_constant<int, kElu>{}); return true;
    case kSelu: f(std::integral_constant<int, kSelu>{}); return true;
    case kSoftplus: f(std::integral_constant<int, kSoftplus>{}); return true;
    case kSwish: f(std::integral_constant<int, kSwish>{}); return true;
    default: return false;
  }
}

}  // namespace glad_ops
