// Register-blocked tile GEMM (tile_gemm_kernel.inc), compiled once per instruction set and
// chosen per call from cpu_isa(): 512-bit vectors with 32 registers on AVX-512 CPUs, 256-bit
// with 16 on AVX2, plain vector code elsewhere. Each element of C is the same chain of fused
// multiply-adds over k in the AVX-512 and AVX2 copies, so both give the same bits
// (tests/kernels/tile_gemm_test.cpp) and a run does not depend on which one the CPU took.
#include "kernels/cpu/tile_gemm.h"

#include <cstring>
#include <vector>

#include "core/cpu_isa.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

// Every function of a copy carries the copy's instruction set as a target attribute
// (VCC_ISA_TARGET: clang ignores `#pragma GCC target`), and everything in a copy is inlined into
// its entry points, so that no out-of-line helper compiled for one instruction set is ever
// called from another.
#define VCC_INLINE inline __attribute__((always_inline))

namespace vcc::kernels::cpu {
namespace {

// Without AVX2: the compiler lowers 256-bit vectors to what the target has; madd is a
// multiply and an add (this file is compiled with -ffp-contract=off), so this copy's last
// bits can differ from the others'.
#define VCC_ISA_TARGET
namespace generic {
typedef float VecF __attribute__((vector_size(32)));
typedef double VecD __attribute__((vector_size(32)));
template <class V>
VCC_INLINE VCC_ISA_TARGET V madd(V a, V b, V c) { return a * b + c; }
VCC_INLINE VCC_ISA_TARGET VecF splat(float x) { return VecF{} + x; }
VCC_INLINE VCC_ISA_TARGET VecD splat(double x) { return VecD{} + x; }
#include "kernels/cpu/tile_gemm_kernel.inc"
}  // namespace generic
#undef VCC_ISA_TARGET

#if defined(__x86_64__)
#define VCC_ISA_TARGET __attribute__((target("avx2,fma")))
namespace avx2 {
VCC_INLINE VCC_ISA_TARGET __m256 madd(__m256 a, __m256 b, __m256 c) { return _mm256_fmadd_ps(a, b, c); }
VCC_INLINE VCC_ISA_TARGET __m256d madd(__m256d a, __m256d b, __m256d c) { return _mm256_fmadd_pd(a, b, c); }
VCC_INLINE VCC_ISA_TARGET __m256 splat(float x) { return _mm256_set1_ps(x); }
VCC_INLINE VCC_ISA_TARGET __m256d splat(double x) { return _mm256_set1_pd(x); }
#include "kernels/cpu/tile_gemm_kernel.inc"
}  // namespace avx2
#undef VCC_ISA_TARGET

#define VCC_ISA_TARGET __attribute__((target("avx512f,avx2,fma")))
namespace avx512 {
VCC_INLINE VCC_ISA_TARGET __m512 madd(__m512 a, __m512 b, __m512 c) { return _mm512_fmadd_ps(a, b, c); }
VCC_INLINE VCC_ISA_TARGET __m512d madd(__m512d a, __m512d b, __m512d c) { return _mm512_fmadd_pd(a, b, c); }
VCC_INLINE VCC_ISA_TARGET __m512 splat(float x) { return _mm512_set1_ps(x); }
VCC_INLINE VCC_ISA_TARGET __m512d splat(double x) { return _mm512_set1_pd(x); }
#include "kernels/cpu/tile_gemm_kernel.inc"
}  // namespace avx512
#undef VCC_ISA_TARGET
#endif

template <class T>
void tile_gemm_any(int64_t m, int64_t n, int64_t k, T alpha, const T* a, int64_t a_row, int64_t a_col, const T* b,
                   int64_t ldb, T* c, int64_t ldc, bool accumulate) {
#if defined(__x86_64__)
  switch (cpu_isa()) {
    case CpuIsa::Avx512Bf16:  // bfloat16 instructions are no use here
    case CpuIsa::Avx512: return avx512::entry(m, n, k, alpha, a, a_row, a_col, b, ldb, c, ldc, accumulate);
    case CpuIsa::Avx2: return avx2::entry(m, n, k, alpha, a, a_row, a_col, b, ldb, c, ldc, accumulate);
    case CpuIsa::Generic: break;
  }
#endif
  generic::entry(m, n, k, alpha, a, a_row, a_col, b, ldb, c, ldc, accumulate);
}

}  // namespace

void tile_gemm(int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t a_row, int64_t a_col,
               const float* b, int64_t ldb, float* c, int64_t ldc, bool accumulate) {
  tile_gemm_any(m, n, k, alpha, a, a_row, a_col, b, ldb, c, ldc, accumulate);
}
void tile_gemm(int64_t m, int64_t n, int64_t k, double alpha, const double* a, int64_t a_row, int64_t a_col,
               const double* b, int64_t ldb, double* c, int64_t ldc, bool accumulate) {
  tile_gemm_any(m, n, k, alpha, a, a_row, a_col, b, ldb, c, ldc, accumulate);
}

}  // namespace vcc::kernels::cpu
