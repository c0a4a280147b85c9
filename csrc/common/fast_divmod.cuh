// Division of 64-bit unsigned integers by a run-time constant with one multiply-high (Granlund & Montgomery,
// "Division by invariant integers using multiplication", 1994, round-up variant): a GPU 64-bit `/` costs dozens
// of instructions, which element-wise kernels that need an index per vector cannot afford.
#pragma once

#include "cuda_block.cuh"

namespace glad_ops {

GLAD_HOSTDEV GLAD_FORCEINLINE uint64_t mul_hi_u64(uint64_t a, uint64_t b) {
#if defined(__CUDA_ARCH__)
  return __umul64hi(a, b);
#else
  return static_cast<uint64_t>((static_cast<unsigned __int128>(a) * b) >> 64);
#endif
}

struct FastDivmod {
  uint64_t divisor = 1;
  uint64_t multiplier = 0;
  int shift = 0;  // ceil(log2(divisor)); 0 means divisor == 1

  FastDivmod() = default;
  // Host only: precomputes the magic multiplier for divisor >= 1.
  explicit FastDivmod(uint64_t d) : divisor(d) {
    while ((uint64_t(1) << shift) < d && shift < 63) ++shift;
    if ((uint64_t(1) << shift) < d) shift = 64;
    if (shift > 0) {
      // m = floor(2^64 * (2^shift - d) / d) + 1, which fits in 64 bits because 2^shift - d < d.
      const unsigned __int128 two_l = shift == 64 ? (static_cast<unsigned __int128>(1) << 64)
                                                  : (static_cast<unsigned __int128>(1) << shift);
      const unsigned __int128 num = (two_l - d) << 64;
      multiplier = static_cast<uint64_t>(num / d) + 1;
    }
  }

  GLAD_HOSTDEV GLAD_FORCEINLINE uint64_t div(uint64_t n) const {
    if (shift == 0) return n;
    const uint64_t t = mul_hi_u64(multiplier, n);
    return (t + ((n - t) >> 1)) >> (shift - 1);
  }
  GLAD_HOSTDEV GLAD_FORCEINLINE uint64_t mod(uint64_t n) const { return n - div(n) * divisor; }
};

}  // namespace glad_ops
