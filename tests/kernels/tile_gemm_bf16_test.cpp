// The bfloat16 attention tiles' GEMM (kernels/cpu/tile_gemm_bf16.h) and its packers, on every
// instruction-set path this CPU has (VDPBF16PS where present, the two-FMA emulation always):
// bit for bit against the chain the header specifies, written here as plain loops, and close
// to the float64 product of the rounded operands.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "core/cpu_isa.h"
#include "core/rng.h"
#include "core/tensor.h"
#include "kernels/cpu/tile_gemm_bf16.h"

using namespace vcc;
using kernels::cpu::tile_gemm_bf16;

namespace {

std::vector<float> random_values(size_t n, uint64_t seed, double scale = 1.0) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<float>(scale * (2.0 * Philox::uniform_double(seed, 0, i) - 1.0));
  return v;
}

std::vector<CpuIsa> paths_here() {
  std::vector<CpuIsa> out{CpuIsa::Generic};
  for (CpuIsa isa : {CpuIsa::Avx2, CpuIsa::Avx512, CpuIsa::Avx512Bf16})
    if (cpu_isa_available() >= isa) out.push_back(isa);
  return out;
}

// C (+)= alpha A B for float32 A (m x k) and B (k x n), through the packers: A as rows, B as
// row pairs; the reference is the specified chain on the rounded values.
struct Product {
  int64_t m, n, k;
  bool accumulate;
  std::vector<float> a, b, c0;  // row-major, unpadded
  int64_t lda, ldb, ldc;
  std::vector<uint16_t> a16, b16;

  Product(int64_t m_, int64_t n_, int64_t k_, bool acc, uint64_t seed)
      : m(m_), n(n_), k(k_), accumulate(acc), a(random_values(m * k, seed, 3.0)), b(random_values(k * n, seed + 1)),
        c0(random_values(m * (n + 2), seed + 2, 5.0)), lda((k + 1) / 2 * 2 + 6), ldb(2 * n + 10), ldc(n + 2) {
    a16.assign(m * lda, 0xFFFF);  // NaN where the packers must not write
    b16.assign((k + 1) / 2 * ldb, 0xFFFF);
    kernels::cpu::pack_bf16_rows(a.data(), k, m, k, a16.data(), lda);
    kernels::cpu::pack_bf16_row_pairs(b.data(), n, k, n, b16.data(), ldb);
  }
  int64_t k2() const { return (k + 1) / 2; }
  float a_at(int64_t r, int64_t i) const { return i < k ? bf16_to_float(float_to_bf16(a[r * k + i])) : 0.0f; }
  float b_at(int64_t i, int64_t j) const { return i < k ? bf16_to_float(float_to_bf16(b[i * n + j])) : 0.0f; }

  std::vector<float> run(CpuIsa isa) const {
    const CpuIsa saved = cpu_isa_cap();
    cap_cpu_isa(isa);
    std::vector<float> c = c0;
    tile_gemm_bf16(m, n, k2(), 0.75f, a16.data(), lda, b16.data(), ldb, c.data(), ldc, accumulate);
    cap_cpu_isa(saved);
    return c;
  }
  float chain(int64_t r, int64_t j) const {
    float acc = 0.0f;
    for (int64_t p = 0; p < k2(); ++p) {
      acc = std::fma(a_at(r, 2 * p + 1), b_at(2 * p + 1, j), acc);
      acc = std::fma(a_at(r, 2 * p), b_at(2 * p, j), acc);
    }
    return accumulate ? std::fma(0.75f, acc, c0[r * ldc + j]) : 0.75f * acc;
  }
  double exact(int64_t r, int64_t j) const {
    double sum = 0;
    for (int64_t i = 0; i < k; ++i) sum += double{a_at(r, i)} * double{b_at(i, j)};
    return (accumulate ? double{c0[r * ldc + j]} : 0.0) + 0.75 * sum;
  }
};

std::string describe(const Product& p) {
  return std::to_string(p.m) + "x" + std::to_string(p.n) + "x" + std::to_string(p.k) + (p.accumulate ? " +=" : " =");
}

TEST(TileGemmBf16, EveryPathGivesTheSpecifiedChainBitForBit) {
  uint64_t seed = 300;
  for (CpuIsa isa : paths_here())
    for (int64_t m : {1, 3, 4, 5, 8, 9, 17, 64})
      for (int64_t n : {1, 7, 8, 9, 16, 17, 31, 32, 33, 64, 70})
        for (int64_t k : {1, 2, 3, 64, 65})
          for (bool accumulate : {false, true}) {
            const Product p(m, n, k, accumulate, seed += 3);
            const std::vector<float> c = p.run(isa);
            for (int64_t r = 0; r < m; ++r) {
              for (int64_t j = 0; j < n; ++j) {
                const float want = p.chain(r, j);
                ASSERT_EQ(std::memcmp(&c[r * p.ldc + j], &want, sizeof want), 0)
                    << isa_name(isa) << " " << describe(p) << " at (" << r << ", " << j << "): " << c[r * p.ldc + j]
                    << " vs " << want;
                // bfloat16 operands, float32 sums of k exact products: relative 2^-22 per term.
                ASSERT_NEAR(c[r * p.ldc + j], p.exact(r, j), 3e-7 * (k + 4) * 4 + 1e-6 * std::abs(p.exact(r, j)));
              }
              for (int64_t j = n; j < p.ldc; ++j)  // padding between rows of C is never written
                ASSERT_EQ(c[r * p.ldc + j], p.c0[r * p.ldc + j]) << isa_name(isa) << " " << describe(p);
            }
          }
}

TEST(TileGemmBf16, AttentionTileShapesOnEveryPath) {
  uint64_t seed = 900;
  for (CpuIsa isa : paths_here())
    for (auto [m, n, k] : {std::tuple{256, 64, 64}, std::tuple{64, 64, 256}, std::tuple{64, 256, 64}}) {
      const Product p(m, n, k, true, seed += 3);
      const std::vector<float> c = p.run(isa);
      for (int64_t r = 0; r < m; ++r)
        for (int64_t j = 0; j < n; ++j) {
          const float want = p.chain(r, j);
          ASSERT_EQ(std::memcmp(&c[r * p.ldc + j], &want, sizeof want), 0) << isa_name(isa) << " " << describe(p);
        }
    }
}

// The packers' layouts, element by element, including the zero pads of odd counts.
TEST(TileGemmBf16, PackersWriteTheDocumentedLayouts) {
  const int64_t rows = 5, cols = 7, ld_src = 9;
  const std::vector<float> src = random_values(rows * ld_src, 11);
  auto at = [&](int64_t r, int64_t j) { return float_to_bf16(src[r * ld_src + j]); };
  {
    std::vector<uint16_t> d(rows * 10, 0xAAAA);
    kernels::cpu::pack_bf16_rows(src.data(), ld_src, rows, cols, d.data(), 10);
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t j = 0; j < cols; ++j) EXPECT_EQ(d[r * 10 + j], at(r, j));
      EXPECT_EQ(d[r * 10 + cols], 0);
    }
  }
  {
    std::vector<uint16_t> d(cols * 8, 0xAAAA);
    kernels::cpu::pack_bf16_columns(src.data(), ld_src, rows, cols, d.data(), 8);
    for (int64_t j = 0; j < cols; ++j) {
      for (int64_t r = 0; r < rows; ++r) EXPECT_EQ(d[j * 8 + r], at(r, j));
      EXPECT_EQ(d[j * 8 + rows], 0);
    }
  }
  {
    const int64_t ld = 2 * cols + 2;
    std::vector<uint16_t> d(3 * ld, 0xAAAA);
    kernels::cpu::pack_bf16_row_pairs(src.data(), ld_src, rows, cols, d.data(), ld);
    for (int64_t i = 0; i < 6; ++i)
      for (int64_t j = 0; j < cols; ++j) EXPECT_EQ(d[(i / 2) * ld + 2 * j + i % 2], i < rows ? at(i, j) : 0);
  }
  {
    const int64_t ld = 2 * rows + 2;
    std::vector<uint16_t> d(4 * ld, 0xAAAA);
    kernels::cpu::pack_bf16_column_pairs(src.data(), ld_src, rows, cols, d.data(), ld);
    for (int64_t i = 0; i < 8; ++i)  // k index i runs over src's columns
      for (int64_t r = 0; r < rows; ++r) EXPECT_EQ(d[(i / 2) * ld + 2 * r + i % 2], i < cols ? at(r, i) : 0);
  }
}

}  // namespace
