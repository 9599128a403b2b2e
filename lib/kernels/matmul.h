#pragma once
// Matrix products (GEMM and batched GEMM) on any device: oneDNN (float32, bfloat16) and
// OpenBLAS (float64) on the CPU, cuBLAS on GPUs. The output has the operands' dtype, or is
// float32 for bfloat16 operands when asked (mixed-precision Linear layers).
#include "core/tensor.h"

namespace vcc::kernels {

// alpha * op(a) @ op(b), where op transposes the last two dims when asked. Leading (batch)
// dims broadcast. Operands may be strided views: any layout with a unit stride in one of
// the last two dims is passed to BLAS without a copy.
Tensor matmul(const Tensor& a, const Tensor& b, bool trans_a = false, bool trans_b = false, double alpha = 1.0);
Tensor matmul(const Tensor& a, const Tensor& b, bool trans_a, bool trans_b, double alpha, DType out_dtype);

// c = alpha * op(a) @ op(b) + beta * c, c preallocated with the full output shape.
void gemm_into(const Tensor& a, const Tensor& b, const Tensor& c, bool trans_a, bool trans_b, double alpha,
               double beta);

// y = x @ w^T + bias over the last dim of x (w: [out, in], the PyTorch/HF layout).
Tensor linear(const Tensor& x, const Tensor& w, const Tensor& bias);
Tensor linear(const Tensor& x, const Tensor& w, const Tensor& bias, DType out_dtype);

namespace cpu {
// One strided matrix: element (i, j) of op(m) at data + i*row_stride + j*col_stride, one
// of which is 1 (BLAS layout).
void gemm_batched(const Tensor& a, const Tensor& b, const Tensor& c, bool trans_a, bool trans_b, double alpha,
                  double beta);
}  // namespace cpu
namespace cuda {
void gemm_batched(const Tensor& a, const Tensor& b, const Tensor& c, bool trans_a, bool trans_b, double alpha,
                  double beta);
}  // namespace cuda

}  // namespace vcc::kernels
