// CPU GEMM: float32 and bfloat16 through oneDNN (cpu/dnnl_gemm.h), float64 through
// OpenBLAS (cblas), always single-threaded inside: the library splits each product into
// tiles of C whose boundaries depend only on the shape, and runs the tiles in parallel.
// OpenBLAS's own threading picks different kernels/blockings for different thread counts
// (results differed in the last bits between 1 and 2 threads), so leaving the split to it
// would break bit-exact determinism. VCC_SGEMM=openblas puts float32 back on OpenBLAS
// (docs/benchmarks.md).
#include <cblas.h>

#include <algorithm>
#include <cstdlib>
#include <string>

#include "core/parallel.h"
#include "kernels/cpu/dnnl_gemm.h"
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

// float32 through oneDNN unless VCC_SGEMM=openblas (read once). On an idle Zen 4 oneDNN's
// single-threaded tiles ran 1024^3 about 10% faster than OpenBLAS's and a RoBERTa-base step
// at 512 tokens 9% faster (docs/benchmarks.md); OpenBLAS stays selectable to compare bits.
bool float32_through_dnnl() {
  static const bool dnnl = [] {
    const char* v = std::getenv("VCC_SGEMM");
    const std::string choice = v == nullptr ? "onednn" : v;
    VCC_USER_CHECK(choice == "onednn" || choice == "openblas", "VCC_SGEMM=", choice, ": expected onednn or openblas");
    return choice == "onednn";
  }();
  return dnnl;
}

// bfloat16 elements as stored (raw bits); oneDNN reads them as bf16.
struct Bf16Word {
  uint16_t bits;
};

template <class In, class Out>
void gemm_one(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int64_t m, int64_t n, int64_t k, double alpha, const In* a,
              int64_t lda, const In* b, int64_t ldb, double beta, Out* c, int64_t ldc) {
  const bool na = ta == CblasNoTrans, nb = tb == CblasNoTrans;
  if constexpr (std::is_same_v<In, float>) {
    if (float32_through_dnnl())
      dnnl_gemm(m, n, k, static_cast<float>(alpha), a, na ? lda : 1, na ? 1 : lda, b, nb ? ldb : 1, nb ? 1 : ldb,
                static_cast<float>(beta), c, ldc);
    else
      cblas_sgemm(CblasRowMajor, ta, tb, m, n, k, static_cast<float>(alpha), a, lda, b, ldb, static_cast<float>(beta),
                  c, ldc);
  } else if constexpr (std::is_same_v<In, double>) {
    cblas_dgemm(CblasRowMajor, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  } else if constexpr (std::is_same_v<Out, float>) {
    dnnl_gemm_bf16_f32(m, n, k, static_cast<float>(alpha), &a->bits, na ? lda : 1, na ? 1 : lda, &b->bits,
                       nb ? ldb : 1, nb ? 1 : ldb, static_cast<float>(beta), c, ldc);
  } else {
    dnnl_gemm_bf16(m, n, k, static_cast<float>(alpha), &a->bits, na ? lda : 1, na ? 1 : lda, &b->bits, nb ? ldb : 1,
                   nb ? 1 : ldb, static_cast<float>(beta), &c->bits, ldc);
  }
}

// (operand type, output type): float32, float64, bfloat16 (as Bf16Word), or bfloat16
// operands into float32.
template <class Fn>
void dispatch_gemm(DType in, DType out, Fn&& fn) {
  if (in == DType::F32 && out == DType::F32) return fn(TypeTag<float>{}, TypeTag<float>{});
  if (in == DType::F64 && out == DType::F64) return fn(TypeTag<double>{}, TypeTag<double>{});
  if (in == DType::BF16 && out == DType::BF16) return fn(TypeTag<Bf16Word>{}, TypeTag<Bf16Word>{});
  if (in == DType::BF16 && out == DType::F32) return fn(TypeTag<Bf16Word>{}, TypeTag<float>{});
  VCC_FAIL("gemm: unsupported dtypes ", dtype_name(in), " into ", dtype_name(out),
           " (float32, float64, bfloat16, or bfloat16 into float32 expected)");
}

}  // namespace

void gemm_batched(const Tensor& a_in, const Tensor& b_in, const Tensor& c, bool trans_a, bool trans_b, double alpha,
                  double beta) {
  VCC_CHECK(c.stride(-1) == 1 && (c.size(-2) == 1 || c.stride(-2) >= c.size(-1)), "gemm output must have unit column stride: ",
            c.describe());
  // bfloat16 operands (train.precision: bf16) are multiplied and accumulated in float32, and
  // rounded once on the way out into a bfloat16 C (as cuBLAS does with CUBLAS_COMPUTE_32F)
  // or kept in a float32 one.
  VCC_CHECK(a_in.dtype() == b_in.dtype(), "gemm of ", a_in.describe(), " and ", b_in.describe(), " into ",
            c.describe());
  if (c.dtype() == DType::F32) (void)float32_through_dnnl();  // a bad VCC_SGEMM fails here, not in a worker
  keep_blas_single_threaded();
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
  dispatch_gemm(a.dtype(), c.dtype(), [&](auto in_tag, auto out_tag) {
    using in_t = typename decltype(in_tag)::type;
    using out_t = typename decltype(out_tag)::type;
    const in_t* ap = static_cast<const in_t*>(a.raw_data());
    const in_t* bp = static_cast<const in_t*>(b.raw_data());
    out_t* cp = static_cast<out_t*>(c.raw_data());
    const int64_t ldc = m == 1 ? n : c.stride(-2);
    // Tiles of one product: rows of C (or columns when C has few rows), one per ~1 GFLOP, a
    // power of two from 2 (above 10 MFLOP) to 8, at least 64 rows / 128 columns each. Each
    // tile repacks the other operand, so fewer, larger tiles waste less, and a power of two
    // divides evenly among 2, 4 or 8 threads (3 tiles on 2 cores leave one idle a third of
    // the time). Measured on Zen 4, 2 threads, RoBERTa-base's products at 512 tokens: 1 GFLOP
    // per tile ran them 5-9% faster than 0.25 (which cut the FFN's 2.4 GFLOP into eight
    // 64-row tiles). A function of (m, n, k) only, so the bits never depend on the threads.
    const bool split_rows = m >= 128 || n < 256;
    const int64_t extent = split_rows ? m : n, quantum = split_rows ? 64 : 128;
    const double flops = 2.0 * m * n * k;
    auto power_of_two_at_most = [](int64_t x) { return int64_t{1} << (63 - __builtin_clzll(std::max<int64_t>(x, 1))); };
    int64_t tiles = flops < 1.0e7 ? 1 : power_of_two_at_most(std::clamp<int64_t>(static_cast<int64_t>(flops / 1.0e9), 2, 8));
    tiles = std::min(tiles, power_of_two_at_most(extent / quantum));
    const int64_t tile = (extent + tiles - 1) / tiles;
    tiles = (extent + tile - 1) / tile;
    auto run = [&](int64_t task) {
      const int64_t i = task / tiles, t = task % tiles;
      const int64_t start = t * tile, len = std::min(tile, extent - start);
      const in_t* ai = ap + offset(a, i);
      const in_t* bi = bp + offset(b, i);
      out_t* ci = cp + offset(c, i);
      if (k == 0) {  // BLAS leaves C untouched for k == 0 in some builds; define it.
        if constexpr (std::is_same_v<out_t, Bf16Word>) {
          for (int64_t r = 0; r < m; ++r)
            for (int64_t j = 0; j < n; ++j)
              ci[r * ldc + j].bits =
                  float_to_bf16(beta == 0 ? 0.0f : static_cast<float>(beta) * bf16_to_float(ci[r * ldc + j].bits));
        } else {
          for (int64_t r = 0; r < m; ++r)
            for (int64_t j = 0; j < n; ++j)
              ci[r * ldc + j] = beta == 0 ? 0 : static_cast<out_t>(beta) * ci[r * ldc + j];
        }
        return;
      }
      // Element (r, q) of op(A) sits at r*row + q*col, so a block of rows of op(A) starts
      // at start*row; likewise columns of op(B).
      const int64_t a_row = la.trans == CblasNoTrans ? la.ld : 1;
      const int64_t b_col = lb.trans == CblasNoTrans ? 1 : lb.ld;
      if (split_rows)
        gemm_one<in_t, out_t>(la.trans, lb.trans, len, n, k, alpha, ai + start * a_row, la.ld, bi, lb.ld, beta,
                           ci + start * ldc, ldc);
      else
        gemm_one<in_t, out_t>(la.trans, lb.trans, m, len, k, alpha, ai, la.ld, bi + start * b_col, lb.ld, beta,
                           ci + start, ldc);
    };
    if (k == 0) {
      for (int64_t i = 0; i < batch; ++i) run(i * tiles);
      return;
    }
    parallel_for_each(0, batch * tiles, run);
  });
}

}  // namespace vcc::kernels::cpu
