// float32 GEMM values through the library's tiles (oneDNN by default; the same tests run
// again with VCC_SGEMM=openblas, tests/CMakeLists.txt): transposed and strided operands,
// broadcast batches, alpha and beta, shapes split by rows and by columns, against float64.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "kernels/matmul.h"
#include "test_util.h"

using namespace vcc;

namespace {
// The reference, by plain loops in float64 (not through the library's GEMM, which a tiling
// bug would break for float64 as well): op(a) [.., m, k] @ op(b) [.., k, n], b's batch
// broadcast from 1.
Tensor naive_product(const Tensor& a, bool ta, const Tensor& b, bool tb) {
  const std::vector<double> av = a.to_vector<double>(), bv = b.to_vector<double>();
  const int64_t batch = a.dim() == 3 ? a.size(0) : 1, b_batch = b.dim() == 3 ? b.size(0) : 1;
  const int64_t ar = a.size(-2), ac = a.size(-1), br = b.size(-2), bc = b.size(-1);
  const int64_t m = ta ? ac : ar, k = ta ? ar : ac, n = tb ? br : bc;
  std::vector<double> out(batch * m * n, 0.0);
  for (int64_t p = 0; p < batch; ++p) {
    const double* ap = av.data() + p * ar * ac;
    const double* bp = bv.data() + (b_batch == 1 ? 0 : p) * br * bc;
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double sum = 0;
        for (int64_t q = 0; q < k; ++q) sum += (ta ? ap[q * ac + i] : ap[i * ac + q]) * (tb ? bp[j * bc + q] : bp[q * bc + j]);
        out[(p * m + i) * n + j] = sum;
      }
  }
  Shape shape = a.dim() == 3 ? Shape{batch, m, n} : Shape{m, n};
  return Tensor::from_vector(out, shape);
}
}  // namespace

TEST(MatmulValues, Float32LayoutsAndScalingMatchFloat64) {
  struct Case {
    Shape a, b;  // as stored
    bool ta, tb;
  };
  // [520, 64] x [64, 260] splits by rows (2 tiles); [40, 300] x [300, 1000] by columns;
  // the batched one broadcasts b; the small one is a single tile.
  const std::vector<Case> cases = {{{520, 64}, {64, 260}, false, false}, {{64, 520}, {64, 260}, true, false},
                                   {{520, 64}, {260, 64}, false, true},  {{64, 520}, {260, 64}, true, true},
                                   {{40, 300}, {300, 1000}, false, false}, {{300, 40}, {1000, 300}, true, true},
                                   {{3, 130, 70}, {1, 70, 300}, false, false}, {{7, 5}, {5, 3}, false, false}};
  for (const Case& c : cases) {
    const std::string what = c.a.str() + (c.ta ? "^T" : "") + " @ " + c.b.str() + (c.tb ? "^T" : "");
    const Tensor a = vcc::testing::randn(c.a, 3, DType::F32), b = vcc::testing::randn(c.b, 4, DType::F32);
    const Tensor ref = naive_product(a, c.ta, b, c.tb);
    EXPECT_TRUE(vcc::testing::all_close(kernels::matmul(a, b, c.ta, c.tb), ref, 1e-4, 1e-4)) << what;
    // The same operands as strided views (a transposed copy read back transposed).
    const Tensor a_view = a.transpose(-1, -2).contiguous().transpose(-1, -2);
    EXPECT_TRUE(vcc::testing::all_close(kernels::matmul(a_view, b, c.ta, c.tb), ref, 1e-4, 1e-4)) << what << " (view)";
    // c = 0.5 op(a) op(b) + 2 c.
    const Tensor c0 = vcc::testing::randn(ref.shape(), 5, DType::F32);
    const Tensor out = c0.clone();
    kernels::gemm_into(a, b, out, c.ta, c.tb, 0.5, 2.0);
    const std::vector<double> r = ref.to_vector<double>(), before = c0.to_vector<double>(),
                              got = out.to_vector<double>();
    double worst = 0;
    for (size_t i = 0; i < r.size(); ++i)
      worst = std::max(worst, std::fabs(got[i] - (0.5 * r[i] + 2.0 * before[i])) / (1 + std::fabs(r[i])));
    EXPECT_LT(worst, 1e-4) << what << " (alpha 0.5, beta 2)";
  }
}
