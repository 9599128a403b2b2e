// CUDA GEMM through cuBLAS. Row-major C = op(A) op(B) is computed as the column-major
// C^T = op(B)^T op(A)^T, so every operand is passed in place (no transposing copies). Batch
// dims whose offsets are a fixed multiple of the batch index go to one strided-batched call;
// irregular batch layouts loop over their outer dims.
#include <climits>

#include "core/cuda/blas_handle.h"
#include "core/cuda/cuda_check.h"
#include "core/cuda/launch.cuh"
#include "core/cuda/scalar_types.cuh"
#include "core/cuda/strided_offsets.cuh"
#include "kernels/matmul.h"

namespace vcc::kernels::cuda {
namespace {

using vcc::cuda::BF16;

struct BlasOperand {
  cublasOperation_t op = CUBLAS_OP_N;
  int64_t ld = 0;
  bool ok = false;
};

// How cuBLAS reads op(t)^T (the column-major form of the row-major operand op(t)) from
// the last two dims of t, or !ok when neither dim has unit stride with a valid pitch.
BlasOperand blas_operand(const Tensor& t, bool transpose) {
  const int64_t rows = t.size(-2), cols = t.size(-1), rs = t.stride(-2), cs = t.stride(-1);
  const bool row_major = cs == 1 && (rs >= std::max<int64_t>(cols, 1) || rows == 1);
  const bool col_major = rs == 1 && (cs >= std::max<int64_t>(rows, 1) || cols == 1);
  const int64_t row_ld = rows == 1 ? std::max<int64_t>(cols, 1) : rs;
  const int64_t col_ld = cols == 1 ? std::max<int64_t>(rows, 1) : cs;
  if (!transpose) {
    if (row_major) return {CUBLAS_OP_N, row_ld, true};
    if (col_major) return {CUBLAS_OP_T, col_ld, true};
  } else {
    if (col_major) return {CUBLAS_OP_N, col_ld, true};
    if (row_major) return {CUBLAS_OP_T, row_ld, true};
  }
  return {};
}

// Batch dims [first, rank) of t are regular when t's offset of batch entry i (counted over
// those dims, row-major) is i * stride; returns that stride through `stride`.
bool regular_batch(const Tensor& t, const Shape& batch, int first, int64_t& stride) {
  int64_t expected = -1;  // stride the next outer non-trivial dim must have
  stride = 0;
  for (int d = batch.size() - 1; d >= first; --d) {
    if (batch[d] == 1) continue;
    if (expected < 0)
      stride = t.stride(d);
    else if (t.stride(d) != expected)
      return false;
    expected = t.stride(d) * batch[d];
  }
  return true;
}

int checked_int(int64_t v, const char* what) {
  VCC_CHECK(v >= 0 && v <= INT_MAX, "gemm: ", what, " = ", v, " exceeds cuBLAS's 32-bit sizes");
  return static_cast<int>(v);
}

// c = beta * c (strided), for k == 0 where there is no product to add.
template <class T>
struct ScaleOutput {
  vcc::cuda::StridedOffsets<1> at;
  T* c;
  double beta;
  __device__ void operator()(int64_t i) const {
    int64_t off[1];
    at.get(i, off);
    using M = vcc::cuda::opmath_t<T>;
    c[off[0]] = beta == 0.0 ? vcc::cuda::OpMath<T>::store(M(0))
                            : vcc::cuda::OpMath<T>::store(static_cast<M>(beta) * vcc::cuda::OpMath<T>::load(c[off[0]]));
  }
};

struct BlasTypes {
  cudaDataType_t data;
  cublasComputeType_t compute;
  bool double_scalars;
};

BlasTypes blas_types(DType dt) {
  switch (dt) {
    case DType::F32:
      return {CUDA_R_32F, vcc::cuda::allow_tf32() ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F, false};
    case DType::F64: return {CUDA_R_64F, CUBLAS_COMPUTE_64F, true};
    case DType::BF16: return {CUDA_R_16BF, CUBLAS_COMPUTE_32F, false};  // bf16 in/out, fp32 accumulation
    default: VCC_FAIL("gemm: unsupported dtype ", dtype_name(dt), " on CUDA (float32/float64/bfloat16 expected)");
  }
}

}  // namespace

void gemm_batched(const Tensor& a_in, const Tensor& b_in, const Tensor& c, bool trans_a, bool trans_b, double alpha,
                  double beta) {
  vcc::cuda::require_current(c.device(), "gemm");
  const int device = c.device().index;
  VCC_CHECK(c.stride(-1) == 1 && (c.size(-2) == 1 || c.stride(-2) >= c.size(-1)),
            "gemm output must have unit column stride: ", c.describe());
  Tensor a = a_in, b = b_in;
  BlasOperand oa = blas_operand(a, trans_a), ob = blas_operand(b, trans_b);
  if (!oa.ok) {
    a = a.contiguous();
    oa = blas_operand(a, trans_a);
  }
  if (!ob.ok) {
    b = b.contiguous();
    ob = blas_operand(b, trans_b);
  }
  const int64_t m = c.size(-2), n = c.size(-1), k = trans_a ? a.size(-2) : a.size(-1);
  const int64_t batch = c.numel() / std::max<int64_t>(m * n, 1);
  if (batch == 0 || m == 0 || n == 0) return;
  // bfloat16 operands may go into a float32 C (mixed-precision Linear): the operands' types
  // and compute type are theirs, C's data type its own.
  const BlasTypes types = blas_types(a.dtype()), out_types = blas_types(c.dtype());
  const size_t es = a.element_size(), es_c = c.element_size();

  if (k == 0) {  // no product: C = beta * C, defined here rather than left to the library
    const Strides* st[1] = {&c.strides()};
    const vcc::cuda::StridedOffsets<1> at(c.shape(), st);
    vcc::cuda::dispatch_float_bf16(c.dtype(), "gemm", [&](auto tag) {
      using T = typename decltype(tag)::type;
      vcc::cuda::launch_for_each(c.numel(), device, ScaleOutput<T>{at, static_cast<T*>(c.raw_data()), beta});
    });
    return;
  }

  // Split the batch dims into an irregular outer part (looped here) and the longest
  // regular inner part (one strided-batched call per outer position).
  const Shape batch_shape(c.shape().begin(), c.shape().end() - 2);
  const int batch_rank = batch_shape.size();
  int split = batch_rank;
  int64_t sa = 0, sb = 0, sc = 0;
  for (int s = 0; s <= batch_rank; ++s) {
    if (regular_batch(a, batch_shape, s, sa) && regular_batch(b, batch_shape, s, sb) &&
        regular_batch(c, batch_shape, s, sc)) {
      split = s;
      break;
    }
  }
  int64_t inner_count = 1, outer_count = 1;
  for (int d = 0; d < batch_rank; ++d) (d < split ? outer_count : inner_count) *= batch_shape[d];

  const int im = checked_int(m, "m"), in = checked_int(n, "n"), ik = checked_int(k, "k");
  const int lda = checked_int(oa.ld, "lda"), ldb = checked_int(ob.ld, "ldb");
  const int ldc = checked_int(m == 1 ? n : c.stride(-2), "ldc");
  const int count = checked_int(inner_count, "batch count");
  const float alpha_f = static_cast<float>(alpha), beta_f = static_cast<float>(beta);
  const void* alpha_p = types.double_scalars ? static_cast<const void*>(&alpha) : static_cast<const void*>(&alpha_f);
  const void* beta_p = types.double_scalars ? static_cast<const void*>(&beta) : static_cast<const void*>(&beta_f);
  cublasHandle_t handle = vcc::cuda::blas_handle(device);

  const char* ap = static_cast<const char*>(a.raw_data());
  const char* bp = static_cast<const char*>(b.raw_data());
  char* cp = static_cast<char*>(c.raw_data());
  for (int64_t o = 0; o < outer_count; ++o) {
    // Offsets of outer position o (row-major over dims [0, split)).
    int64_t rem = o, off_a = 0, off_b = 0, off_c = 0;
    for (int d = split - 1; d >= 0; --d) {
      const int64_t i = rem % batch_shape[d];
      rem /= batch_shape[d];
      off_a += i * a.stride(d);
      off_b += i * b.stride(d);
      off_c += i * c.stride(d);
    }
    // Column-major C^T (n x m) = op(B)^T (n x k) * op(A)^T (k x m).
    VCC_CUBLAS_CHECK(cublasGemmStridedBatchedEx(
        handle, ob.op, oa.op, in, im, ik, alpha_p, bp + off_b * es, types.data, ldb, sb, ap + off_a * es, types.data,
        lda, sa, beta_p, cp + off_c * es_c, out_types.data, ldc, sc, count, types.compute, CUBLAS_GEMM_DEFAULT));
  }
}

}  // namespace vcc::kernels::cuda
