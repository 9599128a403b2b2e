// The attention tiles' GEMM (kernels/cpu/tile_gemm.h) on every instruction-set path this CPU
// has: against a float64 product on ragged shapes, and 512-bit against 256-bit bit for bit.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "core/cpu_isa.h"
#include "core/rng.h"
#include "kernels/cpu/tile_gemm.h"

using namespace vcc;

namespace {

struct Shape3 {
  int64_t m, n, k;
};

// Row counts around the register blocks (6 and 8 rows) and column counts around the vectors
// (8 and 16 floats) and panels (16 and 32 floats), plus the attention tiles' own shapes.
std::vector<Shape3> shapes() {
  std::vector<Shape3> out;
  for (int64_t m : {1, 5, 6, 7, 8, 9, 13, 17})
    for (int64_t n : {1, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 64, 70})
      for (int64_t k : {1, 3, 64}) out.push_back({m, n, k});
  for (Shape3 s : {Shape3{256, 64, 64}, Shape3{64, 64, 256}, Shape3{64, 256, 64}}) out.push_back(s);
  return out;
}

std::vector<float> random_values(size_t n, uint64_t seed) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<float>(2.0 * Philox::uniform_double(seed, 0, i) - 1.0);
  return v;
}

// C (+)= alpha * op(A) B with op(A) = A or A^T read through strides, as attention calls it.
struct Product {
  Shape3 s;
  bool a_transposed;
  bool accumulate;
  int64_t lda, ldb, ldc;
  std::vector<float> a, b, c0;

  Product(Shape3 shape, bool transposed, bool acc, uint64_t seed)
      : s(shape), a_transposed(transposed), accumulate(acc), lda((transposed ? s.m : s.k) + 3), ldb(s.n + 5),
        ldc(s.n + 2), a(random_values((transposed ? s.k : s.m) * lda, seed)), b(random_values(s.k * ldb, seed + 1)),
        c0(random_values(s.m * ldc, seed + 2)) {}
  int64_t a_row() const { return a_transposed ? 1 : lda; }
  int64_t a_col() const { return a_transposed ? lda : 1; }

  std::vector<float> run(CpuIsa isa) const {
    const CpuIsa saved = cpu_isa_cap();
    cap_cpu_isa(isa);
    std::vector<float> c = c0;
    kernels::cpu::tile_gemm(s.m, s.n, s.k, 0.75f, a.data(), a_row(), a_col(), b.data(), ldb, c.data(), ldc, accumulate);
    cap_cpu_isa(saved);
    return c;
  }
  double reference(int64_t r, int64_t j) const {
    double sum = 0;
    for (int64_t i = 0; i < s.k; ++i) sum += double{a[r * a_row() + i * a_col()]} * double{b[i * ldb + j]};
    return (accumulate ? double{c0[r * ldc + j]} : 0.0) + 0.75 * sum;
  }
};

std::string describe(const Product& p) {
  return std::to_string(p.s.m) + "x" + std::to_string(p.s.n) + "x" + std::to_string(p.s.k) +
         (p.a_transposed ? " A^T" : " A") + (p.accumulate ? " +=" : " =");
}

std::vector<CpuIsa> paths_here() {
  std::vector<CpuIsa> out{CpuIsa::Generic};
  if (cpu_isa_available() >= CpuIsa::Avx2) out.push_back(CpuIsa::Avx2);
  if (cpu_isa_available() >= CpuIsa::Avx512) out.push_back(CpuIsa::Avx512);
  return out;
}

TEST(TileGemm, MatchesFloat64ProductOnEveryPathAndRaggedShape) {
  uint64_t seed = 100;
  for (CpuIsa isa : paths_here())
    for (const Shape3& s : shapes())
      for (bool transposed : {false, true})
        for (bool accumulate : {false, true}) {
          const Product p(s, transposed, accumulate, seed += 3);
          const std::vector<float> c = p.run(isa);
          for (int64_t r = 0; r < s.m; ++r)
            for (int64_t j = 0; j < s.n; ++j) {
              const double want = p.reference(r, j);
              // float32 products of k terms in [-1, 1]: well within k * 2^-23 relative to k.
              ASSERT_NEAR(c[r * p.ldc + j], want, 1e-6 * (s.k + 2) + 1e-6 * std::abs(want))
                  << isa_name(isa) << " " << describe(p) << " at (" << r << ", " << j << ")";
            }
          // Padding between rows of C is never written.
          for (int64_t r = 0; r < s.m; ++r)
            for (int64_t j = s.n; j < p.ldc; ++j)
              ASSERT_EQ(c[r * p.ldc + j], p.c0[r * p.ldc + j]) << isa_name(isa) << " " << describe(p);
        }
}

TEST(TileGemm, Avx512AndAvx2PathsGiveTheSameBits) {
  if (cpu_isa_available() < CpuIsa::Avx512) GTEST_SKIP() << "this CPU has no AVX-512: only one path to run";
  uint64_t seed = 7000;
  for (const Shape3& s : shapes())
    for (bool transposed : {false, true})
      for (bool accumulate : {false, true}) {
        const Product p(s, transposed, accumulate, seed += 3);
        const std::vector<float> wide = p.run(CpuIsa::Avx512), narrow = p.run(CpuIsa::Avx2);
        EXPECT_EQ(std::memcmp(wide.data(), narrow.data(), wide.size() * sizeof(float)), 0) << describe(p);
      }
}

TEST(CpuIsa, CapLimitsTheChoiceAndIsNeverAboveTheHardware) {
  const CpuIsa saved = cpu_isa_cap();
  cap_cpu_isa(CpuIsa::Generic);
  EXPECT_EQ(cpu_isa(), CpuIsa::Generic);
  cap_cpu_isa(CpuIsa::Avx512);
  EXPECT_EQ(cpu_isa(), std::min(CpuIsa::Avx512, cpu_isa_available()));
  cap_cpu_isa(CpuIsa::Avx512Bf16);
  EXPECT_EQ(cpu_isa(), cpu_isa_available());
  cap_cpu_isa(saved);
  EXPECT_STREQ(isa_name(CpuIsa::Avx512Bf16), "avx512bf16");
  EXPECT_STREQ(isa_name(CpuIsa::Avx2), "avx2");
}

}  // namespace
