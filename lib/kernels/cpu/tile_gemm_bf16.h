#pragma once
// Register-blocked GEMM for the fused attention's tiles with bfloat16 operands and float32
// accumulation (train.precision: bf16), the twin of tile_gemm.h.
//
// Operand layouts are those of VDPBF16PS, which multiplies pairs of adjacent bfloat16 values:
//   A (m x k): row r at a + r * lda, its k values contiguous (a row-major bfloat16 matrix);
//   B (k x n): "pair-interleaved": element (i, j) at b[(i / 2) * ldb + 2 * j + i % 2], i.e.
//              rows 2p and 2p + 1 side by side, column by column.
// k is counted in pairs (k2 = ceil(k / 2)): an odd k is padded with a zero in both A and B.
// The pack_* helpers below write these layouts from float32 data.
//
// Every element of C is the same chain over the pairs, c = fma(a_odd, b_odd, c) then
// c = fma(a_even, b_even, c) (products of bfloat16 values are exact in float32), then
// C = alpha * c or C += alpha * c as one fused multiply-add. That is what VDPBF16PS computes
// on AVX512-BF16 CPUs; elsewhere two float32 FMAs per pair reproduce it, so every CPU gives
// the same bits (tests/kernels/tile_gemm_bf16_test.cpp). The one exception: VDPBF16PS treats
// denormal inputs and results as zero, which the emulation does not (attention operands of
// magnitude below 1e-38 do not occur in practice).
#include <cstdint>

namespace vcc::kernels::cpu {

void tile_gemm_bf16(int64_t m, int64_t n, int64_t k2, float alpha, const uint16_t* a, int64_t lda, const uint16_t* b,
                    int64_t ldb, float* c, int64_t ldc, bool accumulate);

// Packers (rounding to nearest even). Counts may be odd; the pad value is written as zero.
// rows x cols float32 (row stride ld_src) -> row-major bfloat16 with row stride ld_dst
// (cols rounded up to even, padded with a zero).
void pack_bf16_rows(const float* src, int64_t ld_src, int64_t rows, int64_t cols, uint16_t* dst, int64_t ld_dst);
// The transpose: dst row j holds column j of src (rows values, rounded up to even).
void pack_bf16_columns(const float* src, int64_t ld_src, int64_t rows, int64_t cols, uint16_t* dst, int64_t ld_dst);
// rows x cols float32 as the B operand of a product over the rows (k = rows):
// pair-interleaved, ceil(rows / 2) pair rows of stride ld_dst (>= 2 * cols).
void pack_bf16_row_pairs(const float* src, int64_t ld_src, int64_t rows, int64_t cols, uint16_t* dst, int64_t ld_dst);
// The transpose as the B operand of a product over the columns (k = cols, n = rows):
// pair row p holds columns 2p and 2p + 1 of every row, interleaved.
void pack_bf16_column_pairs(const float* src, int64_t ld_src, int64_t rows, int64_t cols, uint16_t* dst,
                            int64_t ld_dst);

}  // namespace vcc::kernels::cpu
