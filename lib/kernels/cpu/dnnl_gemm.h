#pragma once
// float32 and bfloat16 GEMMs of one tile through oneDNN's matmul, single-threaded (the caller splits the
// product into shape-fixed tiles and runs them in parallel, as for OpenBLAS; see
// matmul_cpu.cpp). oneDNN picks its kernel for the CPU at run time: AMX where the CPU has
// it, AVX512-BF16, else a float32 emulation; products are accumulated in float32 and the
// result is rounded to bfloat16 once, or kept in float32 (dnnl_gemm_bf16_f32: mixed-precision
// Linear layers, whose outputs and gradients are float32).
#include <cstdint>

namespace vcc::kernels::cpu {

// C = alpha * op(A) op(B) + beta * C: element (r, q) of op(A) [m x k] at
// a[r * a_row + q * a_col], of op(B) [k x n] at b[r * b_row + q * b_col], C [m x n] row-major
// with row stride ldc. bfloat16 matrices are raw uint16 words.
void dnnl_gemm(int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t a_row, int64_t a_col,
               const float* b, int64_t b_row, int64_t b_col, float beta, float* c, int64_t ldc);
void dnnl_gemm_bf16(int64_t m, int64_t n, int64_t k, float alpha, const uint16_t* a, int64_t a_row, int64_t a_col,
                    const uint16_t* b, int64_t b_row, int64_t b_col, float beta, uint16_t* c, int64_t ldc);
void dnnl_gemm_bf16_f32(int64_t m, int64_t n, int64_t k, float alpha, const uint16_t* a, int64_t a_row, int64_t a_col,
                        const uint16_t* b, int64_t b_row, int64_t b_col, float beta, float* c, int64_t ldc);

// oneDNN's name of the kernel it runs single-threaded for a product of this shape (for
// benchmarks and logs), e.g. "brg:avx512_core_amx".
const char* dnnl_gemm_kernel_name(bool bf16, int64_t m, int64_t n, int64_t k);

}  // namespace vcc::kernels::cpu
