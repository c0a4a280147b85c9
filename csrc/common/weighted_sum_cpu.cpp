// The multiply-add core of the CPU resampling (see resample_cpu.h). On x86-64 it is compiled twice, for
// x86-64-v3 (AVX2 + FMA) and for the baseline ISA; the loader picks the clone the CPU supports (GCC/Clang
// target_clones), so one library runs everywhere and uses wide vectors where they exist.
#include <cstdint>

#include "resample_cpu.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && !defined(GLAD_OPS_NO_CPU_DISPATCH)
#define GLAD_MULTIVERSION __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define GLAD_MULTIVERSION
#endif

namespace glad_ops {
namespace {

// dst[j .. j + B) = sum_t w[t] * src[t][j ..]: the B outputs stay in registers while every term is added.
template <int64_t B, typename T>
inline __attribute__((always_inline)) void weighted_block(const T* const* __restrict src, const T* __restrict w,
                                                          int64_t terms, T* __restrict dst, int64_t j) {
  T acc[B] = {};
  for (int64_t t = 0; t < terms; ++t) {
    const T a = w[t];
    const T* __restrict s = src[t] + j;
    for (int64_t i = 0; i < B; ++i) acc[i] += a * s[i];
  }
  for (int64_t i = 0; i < B; ++i) dst[j + i] = acc[i];
}

// Blocks of a cache line of outputs, then half and quarter blocks, then single outputs.
template <typename T>
inline __attribute__((always_inline)) void weighted_sum_impl(const T* const* __restrict src, const T* __restrict w,
                                                             int64_t terms, T* __restrict dst, int64_t n) {
  constexpr int64_t B = 64 / sizeof(T);
  int64_t j = 0;
  for (; j + B <= n; j += B) weighted_block<B>(src, w, terms, dst, j);
  if (j + B / 2 <= n) {
    weighted_block<B / 2>(src, w, terms, dst, j);
    j += B / 2;
  }
  if (j + B / 4 <= n) {
    weighted_block<B / 4>(src, w, terms, dst, j);
    j += B / 4;
  }
  for (; j < n; ++j) {
    T acc = T(0);
    for (int64_t t = 0; t < terms; ++t) acc += w[t] * src[t][j];
    dst[j] = acc;
  }
}

}  // namespace

GLAD_MULTIVERSION void weighted_sum(const float* const* src, const float* w, int64_t terms, float* dst, int64_t n) {
  weighted_sum_impl(src, w, terms, dst, n);
}

GLAD_MULTIVERSION void weighted_sum(const double* const* src, const double* w, int64_t terms, double* dst,
                                    int64_t n) {
  weighted_sum_impl(src, w, terms, dst, n);
}

}  // namespace glad_ops
