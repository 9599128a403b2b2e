// Register-blocked tile GEMM: MR rows x NV vectors of C live in registers while k runs;
// each step broadcasts one A element per row and loads NV vectors of a B row.
#include "kernels/cpu/tile_gemm.h"

#include <cstring>

namespace vcc::kernels::cpu {
namespace {

// 32-byte vectors (AVX2 registers; GCC/Clang split them on narrower targets).
template <class T>
struct Vec;
template <>
struct Vec<float> {
  typedef float type __attribute__((vector_size(32)));
};
template <>
struct Vec<double> {
  typedef double type __attribute__((vector_size(32)));
};
template <class T>
using vec_t = typename Vec<T>::type;
template <class T>
constexpr int kWidth = static_cast<int>(32 / sizeof(T));

template <class T>
inline vec_t<T> load(const T* p) {
  vec_t<T> v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
template <class T>
inline void store(T* p, vec_t<T> v) {
  std::memcpy(p, &v, sizeof v);
}

// 6 x 2 vectors of accumulators + 2 B vectors + 1 broadcast = 15 of the 16 AVX2 registers,
// and 12 independent FMA chains cover the FMA latency (4-5 cycles at 2 per cycle).
constexpr int kRows = 6;
constexpr int kVecs = 2;

// C[0:MR, 0:NV*W] (+)= alpha * A[0:MR, 0:k] B[0:k, 0:NV*W].
template <class T, int MR, int NV>
void micro(int64_t k, T alpha, const T* a, int64_t a_row, int64_t a_col, const T* b, int64_t ldb, T* c, int64_t ldc,
           bool accumulate) {
  constexpr int W = kWidth<T>;
  vec_t<T> acc[MR][NV];
  for (int r = 0; r < MR; ++r)
    for (int v = 0; v < NV; ++v) acc[r][v] = vec_t<T>{};
  for (int64_t i = 0; i < k; ++i) {
    vec_t<T> bv[NV];
    for (int v = 0; v < NV; ++v) bv[v] = load(b + i * ldb + v * W);
    for (int r = 0; r < MR; ++r) {
      const T ar = a[r * a_row + i * a_col];
      for (int v = 0; v < NV; ++v) acc[r][v] += ar * bv[v];
    }
  }
  for (int r = 0; r < MR; ++r)
    for (int v = 0; v < NV; ++v) {
      T* cp = c + r * ldc + v * W;
      store(cp, accumulate ? load(cp) + alpha * acc[r][v] : alpha * acc[r][v]);
    }
}

// Rows [0, m) in blocks of kRows, then one smaller block.
template <class T, int NV>
void row_blocks(int64_t m, int64_t k, T alpha, const T* a, int64_t a_row, int64_t a_col, const T* b, int64_t ldb,
                T* c, int64_t ldc, bool accumulate) {
  int64_t r0 = 0;
  for (; r0 + kRows <= m; r0 += kRows)
    micro<T, kRows, NV>(k, alpha, a + r0 * a_row, a_row, a_col, b, ldb, c + r0 * ldc, ldc, accumulate);
  const T* ar = a + r0 * a_row;
  T* cr = c + r0 * ldc;
  switch (m - r0) {
    case 1: micro<T, 1, NV>(k, alpha, ar, a_row, a_col, b, ldb, cr, ldc, accumulate); break;
    case 2: micro<T, 2, NV>(k, alpha, ar, a_row, a_col, b, ldb, cr, ldc, accumulate); break;
    case 3: micro<T, 3, NV>(k, alpha, ar, a_row, a_col, b, ldb, cr, ldc, accumulate); break;
    case 4: micro<T, 4, NV>(k, alpha, ar, a_row, a_col, b, ldb, cr, ldc, accumulate); break;
    case 5: micro<T, 5, NV>(k, alpha, ar, a_row, a_col, b, ldb, cr, ldc, accumulate); break;
    default: break;
  }
}

template <class T>
void tile_gemm_impl(int64_t m, int64_t n, int64_t k, T alpha, const T* a, int64_t a_row, int64_t a_col, const T* b,
                    int64_t ldb, T* c, int64_t ldc, bool accumulate) {
  constexpr int W = kWidth<T>;
  int64_t j0 = 0;
  // Column panels of B: each stays in L1 while every row block of A streams past it.
  for (; j0 + kVecs * W <= n; j0 += kVecs * W)
    row_blocks<T, kVecs>(m, k, alpha, a, a_row, a_col, b + j0, ldb, c + j0, ldc, accumulate);
  for (; j0 + W <= n; j0 += W) row_blocks<T, 1>(m, k, alpha, a, a_row, a_col, b + j0, ldb, c + j0, ldc, accumulate);
  // Last n % W columns (small head sizes, ragged key tiles).
  for (int64_t r = 0; r < m; ++r)
    for (int64_t j = j0; j < n; ++j) {
      T sum = 0;
      for (int64_t i = 0; i < k; ++i) sum += a[r * a_row + i * a_col] * b[i * ldb + j];
      c[r * ldc + j] = accumulate ? c[r * ldc + j] + alpha * sum : alpha * sum;
    }
}

}  // namespace

void tile_gemm(int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t a_row, int64_t a_col,
               const float* b, int64_t ldb, float* c, int64_t ldc, bool accumulate) {
  tile_gemm_impl(m, n, k, alpha, a, a_row, a_col, b, ldb, c, ldc, accumulate);
}
void tile_gemm(int64_t m, int64_t n, int64_t k, double alpha, const double* a, int64_t a_row, int64_t a_col,
               const double* b, int64_t ldb, double* c, int64_t ldc, bool accumulate) {
  tile_gemm_impl(m, n, k, alpha, a, a_row, a_col, b, ldb, c, ldc, accumulate);
}

}  // namespace vcc::kernels::cpu
