#pragma once
// Register-blocked GEMM for the small tiles of the fused attention kernels (no packing).
#include <cstdint>

namespace vcc::kernels::cpu {

// C = alpha * A B (accumulate = false) or C += alpha * A B, single-threaded, for the
// operand shapes of attention tiles (k = 16..512): A(r, i) is read at
// a[r * a_row + i * a_col] (any strides, so A^T costs nothing), row i of B at b + i * ldb
// (unit stride along n), C row-major with row stride ldc. Unlike a BLAS call it packs
// nothing, which for these sizes costs as much as the arithmetic; B should be at most a
// few tens of KiB so its 16-column panels stay in L1. Summation order over k is fixed.
void tile_gemm(int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t a_row, int64_t a_col,
               const float* b, int64_t ldb, float* c, int64_t ldc, bool accumulate);
void tile_gemm(int64_t m, int64_t n, int64_t k, double alpha, const double* a, int64_t a_row, int64_t a_col,
               const double* b, int64_t ldb, double* c, int64_t ldc, bool accumulate);

}  // namespace vcc::kernels::cpu
