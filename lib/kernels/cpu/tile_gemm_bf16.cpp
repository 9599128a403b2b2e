// bfloat16 tile GEMM (tile_gemm_bf16_kernel.inc), compiled once per instruction set and
// chosen per call from cpu_isa(): VDPBF16PS where the CPU has it, two float32 FMAs per pair
// of bfloat16 values elsewhere (512-bit, 256-bit, or scalar), all giving the same bits.
#include "kernels/cpu/tile_gemm_bf16.h"

#include <cmath>
#include <cstring>
#include <vector>

#include "core/cpu_isa.h"
#include "core/tensor.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

// As in tile_gemm.cpp: each copy's functions carry its target attribute and are inlined into
// its entry point.
#define VCC_INLINE inline __attribute__((always_inline))

namespace vcc::kernels::cpu {
namespace {

VCC_INLINE float high_half(uint32_t pair) {  // the odd element of a pair, as float32
  const uint32_t u = pair & 0xffff0000u;
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}
VCC_INLINE float low_half(uint32_t pair) {  // the even element
  const uint32_t u = pair << 16;
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

// Scalar, for CPUs without AVX2: std::fma keeps the roundings of the vector copies.
#define VCC_ISA_TARGET
namespace generic {
struct Isa {
  using vec = float;
  using bvec = uint32_t;
  static constexpr int W = 1, kRows = 4, kVecs = 4;
  static VCC_INLINE VCC_ISA_TARGET vec zero() { return 0.0f; }
  static VCC_INLINE VCC_ISA_TARGET bvec load_b(const uint16_t* p) {
    uint32_t u;
    std::memcpy(&u, p, sizeof u);
    return u;
  }
  static VCC_INLINE VCC_ISA_TARGET vec dot(vec acc, uint32_t pair, bvec b) {
    acc = std::fma(high_half(pair), high_half(b), acc);
    return std::fma(low_half(pair), low_half(b), acc);
  }
  static VCC_INLINE VCC_ISA_TARGET void finish(float alpha, vec acc, float* c, bool accumulate) {
    *c = accumulate ? std::fma(alpha, acc, *c) : alpha * acc;
  }
};
#include "kernels/cpu/tile_gemm_bf16_kernel.inc"
}  // namespace generic
#undef VCC_ISA_TARGET

#if defined(__x86_64__)
#define VCC_ISA_TARGET __attribute__((target("avx2,fma")))
namespace avx2 {
struct Isa {
  using vec = __m256;
  struct bvec {
    __m256 odd, even;
  };
  // 4 x 2 accumulators + 4 B halves + 2 broadcasts: within 16 registers.
  static constexpr int W = 8, kRows = 4, kVecs = 2;
  static VCC_INLINE VCC_ISA_TARGET vec zero() { return _mm256_setzero_ps(); }
  static VCC_INLINE VCC_ISA_TARGET bvec load_b(const uint16_t* p) {
    const __m256i raw = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
    return {_mm256_castsi256_ps(_mm256_and_si256(raw, _mm256_set1_epi32(static_cast<int>(0xffff0000u)))),
            _mm256_castsi256_ps(_mm256_slli_epi32(raw, 16))};
  }
  static VCC_INLINE VCC_ISA_TARGET vec dot(vec acc, uint32_t pair, const bvec& b) {
    acc = _mm256_fmadd_ps(_mm256_set1_ps(high_half(pair)), b.odd, acc);
    return _mm256_fmadd_ps(_mm256_set1_ps(low_half(pair)), b.even, acc);
  }
  static VCC_INLINE VCC_ISA_TARGET void finish(float alpha, vec acc, float* c, bool accumulate) {
    const __m256 a = _mm256_set1_ps(alpha);
    _mm256_storeu_ps(c, accumulate ? _mm256_fmadd_ps(a, acc, _mm256_loadu_ps(c)) : _mm256_mul_ps(a, acc));
  }
};
#include "kernels/cpu/tile_gemm_bf16_kernel.inc"
}  // namespace avx2
#undef VCC_ISA_TARGET

#define VCC_ISA_TARGET __attribute__((target("avx512f,avx2,fma")))
namespace avx512 {
struct Isa {
  using vec = __m512;
  struct bvec {
    __m512 odd, even;
  };
  // 8 x 2 accumulators + 4 B halves + 2 broadcasts: within 32 registers.
  static constexpr int W = 16, kRows = 8, kVecs = 2;
  static VCC_INLINE VCC_ISA_TARGET vec zero() { return _mm512_setzero_ps(); }
  // (maskz_slli: GCC 12 warns about the plain shift's undefined pass-through operand.)
  static VCC_INLINE VCC_ISA_TARGET bvec load_b(const uint16_t* p) {
    const __m512i raw = _mm512_loadu_si512(p);
    return {_mm512_castsi512_ps(_mm512_and_si512(raw, _mm512_set1_epi32(static_cast<int>(0xffff0000u)))),
            _mm512_castsi512_ps(_mm512_maskz_slli_epi32(0xffff, raw, 16))};
  }
  static VCC_INLINE VCC_ISA_TARGET vec dot(vec acc, uint32_t pair, const bvec& b) {
    acc = _mm512_fmadd_ps(_mm512_set1_ps(high_half(pair)), b.odd, acc);
    return _mm512_fmadd_ps(_mm512_set1_ps(low_half(pair)), b.even, acc);
  }
  static VCC_INLINE VCC_ISA_TARGET void finish(float alpha, vec acc, float* c, bool accumulate) {
    const __m512 a = _mm512_set1_ps(alpha);
    _mm512_storeu_ps(c, accumulate ? _mm512_fmadd_ps(a, acc, _mm512_loadu_ps(c)) : _mm512_mul_ps(a, acc));
  }
};
#include "kernels/cpu/tile_gemm_bf16_kernel.inc"
}  // namespace avx512
#undef VCC_ISA_TARGET

#define VCC_ISA_TARGET __attribute__((target("avx512f,avx512bw,avx512bf16,avx2,fma")))
namespace avx512bf16 {
struct Isa {
  using vec = __m512;
  using bvec = __m512i;
  static constexpr int W = 16, kRows = 8, kVecs = 2;
  static VCC_INLINE VCC_ISA_TARGET vec zero() { return _mm512_setzero_ps(); }
  static VCC_INLINE VCC_ISA_TARGET bvec load_b(const uint16_t* p) { return _mm512_loadu_si512(p); }
  static VCC_INLINE VCC_ISA_TARGET vec dot(vec acc, uint32_t pair, bvec b) {
    return _mm512_dpbf16_ps(acc, (__m512bh)_mm512_set1_epi32(static_cast<int>(pair)), (__m512bh)b);
  }
  static VCC_INLINE VCC_ISA_TARGET void finish(float alpha, vec acc, float* c, bool accumulate) {
    const __m512 a = _mm512_set1_ps(alpha);
    _mm512_storeu_ps(c, accumulate ? _mm512_fmadd_ps(a, acc, _mm512_loadu_ps(c)) : _mm512_mul_ps(a, acc));
  }
};
#include "kernels/cpu/tile_gemm_bf16_kernel.inc"
}  // namespace avx512bf16
#undef VCC_ISA_TARGET
#endif

}  // namespace

void tile_gemm_bf16(int64_t m, int64_t n, int64_t k2, float alpha, const uint16_t* a, int64_t lda, const uint16_t* b,
                    int64_t ldb, float* c, int64_t ldc, bool accumulate) {
#if defined(__x86_64__)
  switch (cpu_isa()) {
    case CpuIsa::Avx512Bf16: return avx512bf16::entry(m, n, k2, alpha, a, lda, b, ldb, c, ldc, accumulate);
    case CpuIsa::Avx512: return avx512::entry(m, n, k2, alpha, a, lda, b, ldb, c, ldc, accumulate);
    case CpuIsa::Avx2: return avx2::entry(m, n, k2, alpha, a, lda, b, ldb, c, ldc, accumulate);
    case CpuIsa::Generic: break;
  }
#endif
  generic::entry(m, n, k2, alpha, a, lda, b, ldb, c, ldc, accumulate);
}

void pack_bf16_rows(const float* src, int64_t ld_src, int64_t rows, int64_t cols, uint16_t* dst, int64_t ld_dst) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* s = src + r * ld_src;
    uint16_t* d = dst + r * ld_dst;
#pragma omp simd
    for (int64_t j = 0; j < cols; ++j) d[j] = float_to_bf16(s[j]);
    if (cols % 2) d[cols] = 0;
  }
}

void pack_bf16_columns(const float* src, int64_t ld_src, int64_t rows, int64_t cols, uint16_t* dst, int64_t ld_dst) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* s = src + r * ld_src;
    for (int64_t j = 0; j < cols; ++j) dst[j * ld_dst + r] = float_to_bf16(s[j]);
  }
  if (rows % 2)
    for (int64_t j = 0; j < cols; ++j) dst[j * ld_dst + rows] = 0;
}

void pack_bf16_row_pairs(const float* src, int64_t ld_src, int64_t rows, int64_t cols, uint16_t* dst, int64_t ld_dst) {
  for (int64_t p = 0; 2 * p < rows; ++p) {
    const float* even = src + 2 * p * ld_src;
    const float* odd = 2 * p + 1 < rows ? even + ld_src : nullptr;
    uint16_t* d = dst + p * ld_dst;
    if (odd) {
#pragma omp simd
      for (int64_t j = 0; j < cols; ++j) {
        d[2 * j] = float_to_bf16(even[j]);
        d[2 * j + 1] = float_to_bf16(odd[j]);
      }
    } else {
      for (int64_t j = 0; j < cols; ++j) {
        d[2 * j] = float_to_bf16(even[j]);
        d[2 * j + 1] = 0;
      }
    }
  }
}

void pack_bf16_column_pairs(const float* src, int64_t ld_src, int64_t rows, int64_t cols, uint16_t* dst,
                            int64_t ld_dst) {
  // Pair row p, column r: (src[r][2p], src[r][2p + 1]), i.e. row r's values two at a time.
  for (int64_t r = 0; r < rows; ++r) {
    const float* s = src + r * ld_src;
    for (int64_t j = 0; j < cols; ++j) dst[(j / 2) * ld_dst + 2 * r + j % 2] = float_to_bf16(s[j]);
    if (cols % 2) dst[(cols / 2) * ld_dst + 2 * r + 1] = 0;
  }
}

}  // namespace vcc::kernels::cpu
