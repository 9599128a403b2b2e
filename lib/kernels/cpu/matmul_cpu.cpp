// CPU GEMM through OpenBLAS (cblas). OpenBLAS splits work over rows/columns of C only,
// never over k, so every element is summed in the same order whatever the thread count.
#include <cblas.h>

#include "core/parallel.h"
#include "kernels/matmul.h"

namespace vcc::kernels::cpu {
namespace {

struct MatrixLayout {
  CBLAS_TRANSPOSE trans;
  int64_t ld;
  bool ok;
};

// How BLAS should read the last two dims of t (rows, cols with strides rs, cs), given
// whether the caller wants it transposed.
MatrixLayout layout_of(const Tensor& t, bool transpose) {
  int64_t rows = t.size(-2), cols = t.size(-1), rs = t.stride(-2), cs = t.stride(-1);
  if (cs == 1 && (rs >= std::max<int64_t>(cols, 1) || rows == 1))
    return {transpose ? CblasTrans : CblasNoTrans, std::max<int64_t>(rows == 1 ? cols : rs, 1), true};
  if (rs == 1 && (cs >= std::max<int64_t>(rows, 1) || cols == 1))
    return {transpose ? CblasNoTrans : CblasTrans, std::max<int64_t>(cols == 1 ? rows : cs, 1), true};
  return {CblasNoTrans, 0, false};
}

template <class T>
void gemm_one(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int64_t m, int64_t n, int64_t k, T alpha, const T* a, int64_t lda,
              const T* b, int64_t ldb, T beta, T* c, int64_t ldc) {
  if constexpr (std::is_same_v<T, float>)
    cblas_sgemm(CblasRowMajor, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  else
    cblas_dgemm(CblasRowMajor, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

}  // namespace

void gemm_batched(const Tensor& a_in, const Tensor& b_in, const Tensor& c, bool trans_a, bool trans_b, double alpha,
                  double beta) {
  VCC_CHECK(c.stride(-1) == 1 && (c.size(-2) == 1 || c.stride(-2) >= c.size(-1)), "gemm output must have unit column stride: ",
            c.describe());
  Tensor a = a_in, b = b_in;
  MatrixLayout la = layout_of(a, trans_a), lb = layout_of(b, trans_b);
  if (!la.ok) {
    a = a.contiguous();
    la = layout_of(a, trans_a);
  }
  if (!lb.ok) {
    b = b.contiguous();
    lb = layout_of(b, trans_b);
  }
  const int64_t m = c.size(-2), n = c.size(-1), k = trans_a ? a.size(-2) : a.size(-1);
  const int batch_rank = c.dim() - 2;
  const int64_t batch = c.numel() / std::max<int64_t>(m * n, 1);
  if (batch == 0 || m == 0 || n == 0) return;
  // Offsets of each batch entry in each operand (broadcast dims have stride 0).
  auto offset = [&](const Tensor& t, int64_t idx) {
    int64_t off = 0;
    for (int d = batch_rank - 1; d >= 0; --d) {
      int64_t i = idx % c.size(d);
      idx /= c.size(d);
      off += i * t.stride(d);
    }
    return off;
  };
  dispatch_float(c.dtype(), "gemm", [&](auto tag) {
    using scalar_t = decltype(tag)::type;
    const scalar_t* ap = a.data<scalar_t>();
    const scalar_t* bp = b.data<scalar_t>();
    scalar_t* cp = c.data<scalar_t>();
    const int64_t ldc = m == 1 ? n : c.stride(-2);
    auto run = [&](int64_t i) {
      if (k == 0) {  // BLAS leaves C untouched for k == 0 in some builds; define it.
        scalar_t* ci = cp + offset(c, i);
        for (int64_t r = 0; r < m; ++r)
          for (int64_t j = 0; j < n; ++j) ci[r * ldc + j] = beta == 0 ? 0 : static_cast<scalar_t>(beta) * ci[r * ldc + j];
        return;
      }
      gemm_one<scalar_t>(la.trans, lb.trans, m, n, k, static_cast<scalar_t>(alpha), ap + offset(a, i), la.ld,
                         bp + offset(b, i), lb.ld, static_cast<scalar_t>(beta), cp + offset(c, i), ldc);
    };
    // Many small products: one per task, BLAS single-threaded inside the parallel region.
    // Few large ones: BLAS threads each product.
    const double flops_each = 2.0 * m * n * k;
    if (batch > 1 && flops_each < 64.0 * 64 * 64 * 2 * 8)
      parallel_for_each(0, batch, run);
    else
      for (int64_t i = 0; i < batch; ++i) run(i);
  });
}

}  // namespace vcc::kernels::cpu
