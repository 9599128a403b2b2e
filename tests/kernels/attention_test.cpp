// Fused attention: forward against a materialised float64 softmax for every feature, the
// T5 bucket function against hand-computed Hugging Face values, gradients by finite
// differences, thread-count determinism, and O(n) memory.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "autograd/gradcheck.h"
#include "autograd/ops.h"
#include "core/allocator.h"
#include "core/cpu_isa.h"
#include "core/parallel.h"
#include "kernels/attention.h"
#include "kernels/attention_ops.h"
#include "kernels/elementwise.h"
#include "test_util.h"

using namespace vcc;
using vcc::kernels::AttentionArgs;
using vcc::testing::max_abs_diff;
using vcc::testing::randn;
namespace ka = vcc::kernels::attention;

namespace {

// ---------------------------------------------------------------- naive reference

// Materialises every logit row in float64: softmax over visible keys, dropout from the
// same Philox formula, rows without visible keys give 0.
Tensor reference_attention(const Tensor& q_in, const Tensor& k_in, const Tensor& v_in, const AttentionArgs& a) {
  const int64_t B = q_in.size(0), Nq = q_in.size(1), Nk = k_in.size(1), H = q_in.size(2), D = q_in.size(3);
  const std::vector<double> q = q_in.to_vector<double>(), k = k_in.to_vector<double>(), v = v_in.to_vector<double>();
  std::vector<double> mask = a.key_mask.defined() ? a.key_mask.to_vector<double>() : std::vector<double>(B * Nk, 1.0);
  std::vector<double> bias = a.key_bias.defined() ? a.key_bias.to_vector<double>() : std::vector<double>(B * Nk, 0.0);
  std::vector<double> table = a.relative_bias_table.defined() ? a.relative_bias_table.to_vector<double>()
                                                              : std::vector<double>();
  std::vector<int64_t> qpos(B * Nq), kpos(B * Nk);
  if (a.query_positions.defined()) {
    qpos = a.query_positions.to_vector<int64_t>();
  } else {
    for (int64_t b = 0; b < B; ++b)
      for (int64_t i = 0; i < Nq; ++i) qpos[b * Nq + i] = i + (a.causal ? Nk - Nq : 0);
  }
  if (a.key_positions.defined()) {
    kpos = a.key_positions.to_vector<int64_t>();
  } else {
    for (int64_t b = 0; b < B; ++b)
      for (int64_t j = 0; j < Nk; ++j) kpos[b * Nk + j] = j;
  }
  std::vector<double> out(B * Nq * H * D, 0.0), logit(Nk), w(Nk);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < H; ++h)
      for (int64_t i = 0; i < Nq; ++i) {
        double mx = -INFINITY;
        for (int64_t j = 0; j < Nk; ++j) {
          const bool visible = mask[b * Nk + j] != 0 && (!a.causal || j <= i + Nk - Nq);
          if (!visible) {
            logit[j] = -INFINITY;
            continue;
          }
          double s = 0;
          for (int64_t d = 0; d < D; ++d) s += q[((b * Nq + i) * H + h) * D + d] * k[((b * Nk + j) * H + h) * D + d];
          s = a.scale * s + bias[b * Nk + j];
          if (!table.empty()) {
            const int bucket = ka::relative_position_bucket(kpos[b * Nk + j] - qpos[b * Nq + i], a.bidirectional,
                                                            a.num_buckets, a.max_distance);
            s += table[bucket * H + h];
          }
          logit[j] = s;
          mx = std::max(mx, s);
        }
        if (mx == -INFINITY) continue;
        double sum = 0;
        for (int64_t j = 0; j < Nk; ++j) sum += (w[j] = std::exp(logit[j] - mx));
        for (int64_t j = 0; j < Nk; ++j) {
          double p = w[j] / sum;
          if (a.dropout > 0) {
            const uint64_t flat = ((static_cast<uint64_t>(b) * H + h) * Nq + i) * Nk + j;
            const bool keep = Philox::uniform(a.seed, a.offset, flat) >= static_cast<float>(a.dropout);
            p = keep ? p / (1.0 - a.dropout) : 0.0;
          }
          for (int64_t d = 0; d < D; ++d) out[((b * Nq + i) * H + h) * D + d] += p * v[((b * Nk + j) * H + h) * D + d];
        }
      }
  return Tensor::from_vector<double>(out, {B, Nq, H, D});
}

// ---------------------------------------------------------------- cases

enum class Mask { None, Random, EmptyBatchRow };
enum class Relative { None, Bidirectional, Decoder };

struct Case {
  const char* name;
  int64_t B, Nq, Nk, H, D;
  double scale = 1.0;
  bool causal = false;
  Mask mask = Mask::None;
  bool key_bias = false;
  Relative relative = Relative::None;
  bool custom_positions = false;  // sorted, gapped, large positions (compressed sequences)
  double dropout = 0.0;
  bool strided = false;           // q, k, v are views of one [B, N, 3, H, D] tensor
};

// gtest prints parameters of failing cases; the name says which one.
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

// Sorted positions with gaps of 1..40 starting at `start`.
Tensor gapped_positions(int64_t B, int64_t n, int64_t start, uint64_t seed) {
  std::vector<int64_t> p(B * n);
  for (int64_t b = 0; b < B; ++b) {
    int64_t x = start + 7 * b;
    for (int64_t i = 0; i < n; ++i) {
      x += 1 + static_cast<int64_t>(40 * Philox::uniform_double(seed, b, i));
      p[b * n + i] = x;
    }
  }
  return Tensor::from_vector<int64_t>(p, {B, n});
}

struct Inputs {
  Tensor q, k, v;  // float64
  Tensor qkv;      // [B, N, 3, H, D] holding q, k, v when the case is strided
  AttentionArgs args;
};

Inputs make_inputs(const Case& c, uint64_t seed) {
  Inputs in;
  if (c.strided) {
    in.qkv = randn({c.B, c.Nq, 3, c.H, c.D}, seed);
    in.q = in.qkv.select(2, 0);
    in.k = in.qkv.select(2, 1);
    in.v = in.qkv.select(2, 2);
  } else {
    in.q = randn({c.B, c.Nq, c.H, c.D}, seed);
    in.k = randn({c.B, c.Nk, c.H, c.D}, seed + 1);
    in.v = randn({c.B, c.Nk, c.H, c.D}, seed + 2);
  }
  AttentionArgs& a = in.args;
  a.scale = c.scale;
  a.causal = c.causal;
  if (c.mask != Mask::None) {
    std::vector<double> m(c.B * c.Nk);
    for (int64_t b = 0; b < c.B; ++b)
      for (int64_t j = 0; j < c.Nk; ++j) {
        bool visible = Philox::uniform_double(seed, 99, b * c.Nk + j) < 0.7;
        if (b == 0 && j >= 256 && j < 512) visible = false;  // a whole key tile masked
        if (c.mask == Mask::EmptyBatchRow && b == c.B - 1) visible = false;
        m[b * c.Nk + j] = visible ? 2.5 : 0.0;                // any nonzero means visible
      }
    a.key_mask = Tensor::from_vector<double>(m, {c.B, c.Nk}).to(DType::F32);
  }
  if (c.key_bias) a.key_bias = randn({c.B, c.Nk}, seed + 3);
  if (c.relative != Relative::None) {
    a.bidirectional = c.relative == Relative::Bidirectional;
    a.num_buckets = 32;
    a.max_distance = 128;
    a.relative_bias_table = randn({32, c.H}, seed + 4);
    if (c.custom_positions) {
      a.query_positions = gapped_positions(c.B, c.Nq, 1000000000000LL, seed + 5);
      a.key_positions = gapped_positions(c.B, c.Nk, 1000000000000LL - 300, seed + 6);
    }
  }
  if (c.dropout > 0) {
    a.dropout = c.dropout;
    a.seed = 77;
    a.offset = 5;
  }
  return in;
}

AttentionOptions options_from(const AttentionArgs& a, const Var& key_bias, const Var& table, Generator* gen) {
  AttentionOptions o;
  o.scale = a.scale;
  o.causal = a.causal;
  o.key_mask = a.key_mask;
  o.key_bias = key_bias;
  o.relative_bias_table = table;
  o.query_positions = a.query_positions;
  o.key_positions = a.key_positions;
  o.bidirectional = a.bidirectional;
  o.num_buckets = a.num_buckets;
  o.max_distance = a.max_distance;
  o.dropout = a.dropout;
  o.generator = gen;
  return o;
}

const std::vector<Case>& forward_cases() {
  static const std::vector<Case> cases = [] {
    std::vector<Case> v;
    v.push_back({"plain", 2, 70, 300, 3, 16});
    v.push_back({"scale", 1, 65, 257, 2, 64, 0.125});
    v.push_back({"cross_lengths", 2, 33, 90, 2, 16, 0.25});
    Case mask{"key_mask", 3, 70, 600, 2, 16, 0.25};
    mask.mask = Mask::EmptyBatchRow;
    v.push_back(mask);
    Case causal{"causal_square", 2, 150, 150, 2, 16, 0.25};
    causal.causal = true;
    v.push_back(causal);
    Case causal_short{"causal_fewer_queries", 2, 70, 300, 2, 16, 0.25};
    causal_short.causal = true;
    v.push_back(causal_short);
    Case causal_long{"causal_more_queries_than_keys", 1, 90, 40, 2, 16, 0.25};
    causal_long.causal = true;
    v.push_back(causal_long);
    Case causal_mask{"causal_with_mask", 2, 300, 300, 2, 16, 0.25};
    causal_mask.causal = true;
    causal_mask.mask = Mask::Random;
    v.push_back(causal_mask);
    Case bias{"key_bias", 2, 70, 300, 2, 16, 0.25};
    bias.key_bias = true;
    v.push_back(bias);
    Case rel{"relative_bidirectional_positions", 2, 70, 300, 3, 16};
    rel.relative = Relative::Bidirectional;
    rel.custom_positions = true;
    v.push_back(rel);
    Case rel_default{"relative_bidirectional_default_positions", 1, 300, 300, 2, 16};
    rel_default.relative = Relative::Bidirectional;
    v.push_back(rel_default);
    Case rel_causal{"relative_decoder_causal_positions", 2, 100, 300, 2, 16};
    rel_causal.relative = Relative::Decoder;
    rel_causal.causal = true;
    rel_causal.custom_positions = true;
    v.push_back(rel_causal);
    Case drop{"dropout", 2, 70, 300, 2, 16, 0.25};
    drop.dropout = 0.3;
    v.push_back(drop);
    Case strided{"strided_qkv", 2, 130, 130, 3, 64, 0.125};
    strided.strided = true;
    v.push_back(strided);
    Case all{"everything", 2, 70, 600, 2, 16, 0.25};
    all.mask = Mask::EmptyBatchRow;
    all.key_bias = true;
    all.relative = Relative::Bidirectional;
    all.custom_positions = true;
    all.dropout = 0.2;
    v.push_back(all);
    return v;
  }();
  return cases;
}

class AttentionForward : public ::testing::TestWithParam<Case> {};

TEST_P(AttentionForward, MatchesMaterialisedSoftmaxInFloat64AndFloat32) {
  const Case c = GetParam();
  const Inputs in = make_inputs(c, 11);
  const Tensor expected = reference_attention(in.q, in.k, in.v, in.args);
  for (DType dt : {DType::F64, DType::F32}) {
    SCOPED_TRACE(dtype_name(dt));
    AttentionArgs a = in.args;
    if (a.key_bias.defined()) a.key_bias = a.key_bias.to(dt);
    if (a.relative_bias_table.defined()) a.relative_bias_table = a.relative_bias_table.to(dt);
    Tensor q = in.q, k = in.k, v = in.v;
    if (dt == DType::F32) {
      if (c.strided) {  // keep the strided layout in float32 too
        Tensor qkv = Tensor::empty({c.B, c.Nq, 3, c.H, c.D}, DType::F32);
        q = qkv.select(2, 0), k = qkv.select(2, 1), v = qkv.select(2, 2);
        q.copy_(in.q), k.copy_(in.k), v.copy_(in.v);
      } else {
        q = q.to(dt), k = k.to(dt), v = v.to(dt);
      }
    }
    if (c.strided) {
      ASSERT_FALSE(q.is_contiguous());
    }
    Generator gen(a.seed);
    gen.set_state(a.seed, a.offset);
    Var key_bias = a.key_bias.defined() ? Var(a.key_bias) : Var();
    Var table = a.relative_bias_table.defined() ? Var(a.relative_bias_table) : Var();
    Var out = attention(Var(q), Var(k), Var(v), options_from(a, key_bias, table, &gen));
    EXPECT_TRUE(out.value().is_contiguous());
    EXPECT_EQ(out.dtype(), dt);
    const double tol = dt == DType::F64 ? 1e-12 : 3e-5;
    EXPECT_TRUE(vcc::testing::all_close(out.value(), expected, tol, tol));
  }
}

INSTANTIATE_TEST_SUITE_P(AllFeatures, AttentionForward, ::testing::ValuesIn(forward_cases()),
                         [](const ::testing::TestParamInfo<Case>& info) { return std::string(info.param.name); });

TEST(AttentionForward, KeysAndValuesSharedAcrossHeadsAreReadThroughStrideZeroViews) {
  // Multi-query layout: one K/V head expanded to H (stride 0 over heads), used in place.
  Tensor q = randn({2, 70, 3, 16}, 1), k1 = randn({2, 300, 1, 16}, 2), v1 = randn({2, 300, 1, 16}, 3);
  Tensor k = k1.expand({2, 300, 3, 16}), v = v1.expand({2, 300, 3, 16});
  ASSERT_EQ(k.stride(2), 0);
  AttentionArgs a;
  a.scale = 0.25;
  const Tensor expected = reference_attention(q, k.contiguous(), v.contiguous(), a);
  EXPECT_TRUE(vcc::testing::all_close(kernels::attention_forward(q, k, v, a).out, expected, 1e-12, 1e-12));
  // Gradients flow back through the expansion: they equal the summed per-head gradients.
  Var kv(k1, true), vv(v1, true), kc(k.contiguous(), true), vc(v.contiguous(), true);
  AttentionOptions o;
  o.scale = 0.25;
  Tensor g = randn({2, 70, 3, 16}, 4);
  attention(Var(q), expand(kv, k.shape()), expand(vv, v.shape()), o).backward(g);
  attention(Var(q), kc, vc, o).backward(g);
  EXPECT_TRUE(vcc::testing::all_close(kv.grad(), kernels::sum_to_shape(kc.grad(), k1.shape()), 1e-12, 1e-12));
  EXPECT_TRUE(vcc::testing::all_close(vv.grad(), kernels::sum_to_shape(vc.grad(), v1.shape()), 1e-12, 1e-12));
}

TEST(AttentionForward, RowsWithoutVisibleKeysAreZero) {
  Case c{"empty", 2, 9, 5, 2, 8, 0.5};
  c.mask = Mask::EmptyBatchRow;
  c.causal = true;  // Nq > Nk: the first Nq - Nk queries of every batch row see no key
  Inputs in = make_inputs(c, 3);
  kernels::AttentionOutput r = kernels::attention_forward(in.q, in.k, in.v, in.args);
  const std::vector<double> out = r.out.to_vector<double>(), lse = r.lse.to_vector<double>();
  for (int64_t b = 0; b < 2; ++b)
    for (int64_t i = 0; i < 9; ++i)
      for (int64_t h = 0; h < 2; ++h) {
        const bool empty = b == 1 || i < 4;
        if (!empty) continue;
        for (int64_t d = 0; d < 8; ++d) EXPECT_EQ(out[((b * 9 + i) * 2 + h) * 8 + d], 0.0);
        EXPECT_EQ(lse[(b * 2 + h) * 9 + i], -std::numeric_limits<double>::infinity());
      }
}

TEST(AttentionForward, EmptyKeyOrQuerySequences) {
  AttentionOptions o;
  o.relative_bias_table = Var(randn({32, 2}, 4), true);
  Var q(randn({1, 3, 2, 4}, 1), true), k(Tensor::zeros({1, 0, 2, 4}, DType::F64), true),
      v(Tensor::zeros({1, 0, 2, 4}, DType::F64), true);
  Var out = attention(q, k, v, o);  // no keys: every row is empty
  EXPECT_EQ(max_abs_diff(out.value(), Tensor::zeros({1, 3, 2, 4}, DType::F64)), 0.0);
  out.backward(Tensor::ones({1, 3, 2, 4}, DType::F64));
  EXPECT_EQ(max_abs_diff(q.grad(), Tensor::zeros({1, 3, 2, 4}, DType::F64)), 0.0);
  Var none = attention(Var(Tensor::zeros({1, 0, 2, 4}, DType::F64)), q, q, o);
  EXPECT_EQ(none.shape(), Shape({1, 0, 2, 4}));
}

// ---------------------------------------------------------------- bucket function

TEST(RelativePositionBucket, MatchesHuggingFaceBidirectional) {
  // HF: num_buckets 32 -> 16 per side, max_exact 8; large n: 8 + int(log(n/8)/log(16) * 8), <= 15;
  // positive relative positions (key after query) add 16.
  const std::vector<std::pair<int64_t, int>> expected{
      {-200, 15}, {-128, 15}, {-20, 10}, {-8, 8}, {-1, 1}, {0, 0},   {1, 17},  {7, 23},
      {8, 24},    {20, 26},   {127, 31}, {128, 31}, {500, 31}, {16, 26}, {32, 28}, {64, 30}, {-64, 14}};
  for (auto [rel, bucket] : expected) EXPECT_EQ(ka::relative_position_bucket(rel, true, 32, 128), bucket) << rel;
}

TEST(RelativePositionBucket, MatchesHuggingFaceDecoder) {
  // Unidirectional: only -min(rel, 0) counts; 32 buckets, max_exact 16:
  // 16 + int(log(n/16)/log(8) * 16), <= 31.
  const std::vector<std::pair<int64_t, int>> expected{
      {5, 0}, {0, 0}, {-5, 5}, {-15, 15}, {-16, 16}, {-20, 17}, {-100, 30}, {-127, 31}, {-128, 31}, {-1000, 31}};
  for (auto [rel, bucket] : expected) EXPECT_EQ(ka::relative_position_bucket(rel, false, 32, 128), bucket) << rel;
}

TEST(RelativePositionBucket, ClampingToMaxDistanceKeepsTheBucket) {
  struct Config {
    bool bidirectional;
    int buckets, max_distance;
  };
  for (Config cfg : {Config{true, 32, 128}, Config{false, 32, 128}, Config{true, 16, 64}, Config{false, 8, 20},
                     Config{true, 8, 3}}) {
    std::vector<int64_t> rels;
    for (int64_t r = -3000; r <= 3000; ++r) rels.push_back(r);
    for (int64_t r : {int64_t{1} << 40, -(int64_t{1} << 40), int64_t{4000000000}, int64_t{-4000000000}}) rels.push_back(r);
    for (int64_t r : rels)
      ASSERT_EQ(ka::relative_position_bucket(ka::clamp_relative_position(r, cfg.max_distance), cfg.bidirectional,
                                             cfg.buckets, cfg.max_distance),
                ka::relative_position_bucket(r, cfg.bidirectional, cfg.buckets, cfg.max_distance))
          << "rel " << r << " buckets " << cfg.buckets << " max_distance " << cfg.max_distance;
  }
}

TEST(AttentionDropoutRule, WordThresholdAgreesWithPhiloxUniform) {
  for (float p : {0.1f, 0.25f, 0.3f, 0.5f, 0.9f}) {
    const uint32_t threshold = ka::dropout_word_threshold(p);
    for (uint64_t x = 0; x < 4000; ++x) {
      uint32_t block[4];
      Philox::draw(7, x >> 2, 3, block);
      ASSERT_EQ(ka::dropout_keep_word(block[x & 3], threshold), ka::dropout_keep(7, 3, x, p)) << p << " " << x;
    }
    // At the boundary itself: a uniform exactly equal to p is kept.
    const uint32_t at_p = threshold << 8;
    EXPECT_TRUE(ka::dropout_keep_word(at_p, threshold));
    EXPECT_FALSE(ka::dropout_keep_word(at_p - 256, threshold));
  }
}

// ---------------------------------------------------------------- gradients

class AttentionGrad : public ::testing::TestWithParam<Case> {};

TEST_P(AttentionGrad, MatchesFiniteDifferences) {
  const Case c = GetParam();
  const Inputs in = make_inputs(c, 21);
  const AttentionArgs a = in.args;
  std::vector<Var> inputs;
  auto run = [&](const std::vector<Var>& x) {
    Generator gen;  // the same dropout stream on every evaluation
    gen.set_state(a.seed, a.offset);
    Var q, k, v;
    size_t next;
    if (c.strided) {
      q = select(x[0], 2, 0), k = select(x[0], 2, 1), v = select(x[0], 2, 2);
      next = 1;
    } else {
      q = x[0], k = x[1], v = x[2];
      next = 3;
    }
    Var key_bias = a.key_bias.defined() ? x[next++] : Var();
    Var table = a.relative_bias_table.defined() ? x[next++] : Var();
    return attention(q, k, v, options_from(a, key_bias, table, &gen));
  };
  if (c.strided) {
    inputs.emplace_back(in.qkv, true);
  } else {
    inputs.emplace_back(in.q, true);
    inputs.emplace_back(in.k, true);
    inputs.emplace_back(in.v, true);
  }
  if (a.key_bias.defined()) inputs.emplace_back(a.key_bias, true);
  if (a.relative_bias_table.defined()) inputs.emplace_back(a.relative_bias_table, true);
  GradCheckOptions options;
  if (c.Nq * c.Nk > 1000) options.max_elements = 100;  // many tiles: sample fewer elements per input
  GradCheckResult r = gradcheck(run, inputs, options);
  EXPECT_TRUE(r.ok) << r.report << " max abs error " << r.max_abs_error;
}

const std::vector<Case>& grad_cases() {
  static const std::vector<Case> cases = [] {
    std::vector<Case> v;
    v.push_back({"plain", 2, 5, 7, 2, 3, 0.7});
    Case mask{"key_mask", 3, 5, 9, 2, 3, 0.7};
    mask.mask = Mask::EmptyBatchRow;
    v.push_back(mask);
    Case causal{"causal_square", 2, 6, 6, 2, 3, 0.7};
    causal.causal = true;
    v.push_back(causal);
    Case causal_short{"causal_fewer_queries", 2, 4, 9, 2, 3, 0.7};
    causal_short.causal = true;
    causal_short.key_bias = true;
    v.push_back(causal_short);
    Case bias{"key_bias_with_mask", 2, 5, 8, 2, 3, 0.7};
    bias.key_bias = true;
    bias.mask = Mask::Random;
    v.push_back(bias);
    Case rel{"relative_bidirectional", 2, 6, 9, 2, 3, 0.7};
    rel.relative = Relative::Bidirectional;
    rel.custom_positions = true;
    v.push_back(rel);
    Case rel_causal{"relative_decoder_causal", 2, 6, 6, 2, 3, 0.7};
    rel_causal.relative = Relative::Decoder;
    rel_causal.causal = true;
    v.push_back(rel_causal);
    Case drop{"dropout", 2, 5, 8, 2, 3, 0.7};
    drop.dropout = 0.3;
    drop.key_bias = true;
    v.push_back(drop);
    Case drop_causal{"dropout_causal_relative", 1, 6, 6, 2, 3, 0.7};
    drop_causal.dropout = 0.25;
    drop_causal.causal = true;
    drop_causal.relative = Relative::Bidirectional;
    v.push_back(drop_causal);
    Case strided{"strided_qkv", 2, 6, 6, 2, 3, 0.7};
    strided.strided = true;
    v.push_back(strided);
    // Several query and key tiles, every feature at once.
    Case tiles{"multiple_tiles_everything", 1, 70, 300, 1, 2, 0.5};
    tiles.mask = Mask::Random;
    tiles.key_bias = true;
    tiles.relative = Relative::Bidirectional;
    tiles.custom_positions = true;
    tiles.dropout = 0.2;
    v.push_back(tiles);
    Case tiles_causal{"multiple_tiles_causal", 1, 140, 300, 1, 2, 0.5};
    tiles_causal.causal = true;
    tiles_causal.key_bias = true;
    v.push_back(tiles_causal);
    return v;
  }();
  return cases;
}

INSTANTIATE_TEST_SUITE_P(AllFeatures, AttentionGrad, ::testing::ValuesIn(grad_cases()),
                         [](const ::testing::TestParamInfo<Case>& info) { return std::string(info.param.name); });

// ---------------------------------------------------------------- determinism, RNG, memory

bool bitwise_equal(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && a.dtype() == b.dtype() && a.is_contiguous() && b.is_contiguous() &&
         std::memcmp(a.raw_data(), b.raw_data(), a.nbytes()) == 0;
}

// Every feature on, float32: the output and the gradients of q, k, v, key bias and table.
Inputs every_feature(int64_t D, uint64_t seed) {
  Case c{"all", 2, 150, 300, 3, D, 0.25};
  c.mask = Mask::Random;
  c.key_bias = true;
  c.relative = Relative::Bidirectional;
  c.custom_positions = true;
  c.dropout = 0.1;
  c.causal = true;
  return make_inputs(c, seed);
}
std::vector<Tensor> output_and_gradients(const Inputs& in, uint64_t grad_seed, bool bf16_products = false) {
  std::vector<Var> leaves{Var(in.q.to(DType::F32), true), Var(in.k.to(DType::F32), true),
                          Var(in.v.to(DType::F32), true), Var(in.args.key_bias.to(DType::F32), true),
                          Var(in.args.relative_bias_table.to(DType::F32), true)};
  Generator gen;
  gen.set_state(in.args.seed, in.args.offset);
  AttentionOptions o = options_from(in.args, leaves[3], leaves[4], &gen);
  o.bf16_products = bf16_products;
  Var out = attention(leaves[0], leaves[1], leaves[2], o);
  out.backward(randn(out.shape(), grad_seed, DType::F32));
  std::vector<Tensor> results{out.value()};
  for (const Var& l : leaves) results.push_back(l.grad());
  return results;
}
void expect_same_bits(const std::vector<Tensor>& a, const std::vector<Tensor>& b, const std::string& what) {
  const char* names[] = {"out", "dq", "dk", "dv", "dkey_bias", "dtable"};
  for (size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(bitwise_equal(a[i], b[i])) << names[i] << ", " << what;
}

TEST(AttentionDeterminism, ForwardAndGradientsIndependentOfThreadCount) {
  const Inputs in = every_feature(16, 5);
  const int saved = num_threads();
  set_num_threads(1);
  const std::vector<Tensor> one = output_and_gradients(in, 8);
  set_num_threads(2);
  const std::vector<Tensor> two = output_and_gradients(in, 8);
  set_num_threads(saved);
  expect_same_bits(one, two, "1 vs 2 threads");
}

// The tile products pick 512-bit or 256-bit code from the CPU at run time (core/cpu_isa.h);
// a run must not depend on which: the same bits either way, forward and every gradient.
TEST(AttentionDeterminism, SameBitsWithAvx512AndAvx2TileKernels) {
  if (cpu_isa_available() < CpuIsa::Avx512) GTEST_SKIP() << "this CPU has no AVX-512: only one path to run";
  const CpuIsa saved = cpu_isa_cap();
  for (int64_t D : {64, 20}) {
    const Inputs in = every_feature(D, 6);
    cap_cpu_isa(CpuIsa::Avx512);
    const std::vector<Tensor> wide = output_and_gradients(in, 9);
    cap_cpu_isa(CpuIsa::Avx2);
    const std::vector<Tensor> narrow = output_and_gradients(in, 9);
    cap_cpu_isa(saved);
    expect_same_bits(wide, narrow, "D = " + std::to_string(D));
  }
}

// ---------------------------------------------------------------- bfloat16 products

// With every feature on, the output and all five gradients stay within a stated distance of
// float32, and are not float32 (the products did round).
TEST(AttentionBf16, OutputAndGradientsCloseToFloat32) {
  const char* names[] = {"out", "dq", "dk", "dv", "dkey_bias", "dtable"};
  // bfloat16 keeps 8 significant bits (relative rounding 2^-9 = 0.002); inputs, probabilities
  // and dS are each rounded once, so a few of those overall. Measured: 0.004-0.010 (rounding
  // q, k, v alone and computing in float32 moves these tensors by 0.003-0.005).
  const double bound = 0.02;
  for (int64_t D : {64, 33}) {
    const Inputs in = every_feature(D, 12);
    const std::vector<Tensor> f32 = output_and_gradients(in, 13), b16 = output_and_gradients(in, 13, true);
    for (size_t i = 0; i < f32.size(); ++i) {
      const double e = vcc::testing::relative_error(b16[i], f32[i]);
      EXPECT_LT(e, bound) << names[i] << ", D = " << D;
      EXPECT_GT(e, 1e-4) << names[i] << ", D = " << D << ": no bfloat16 rounding visible";
    }
  }
}

// VDPBF16PS, its 512-bit and 256-bit emulations and the scalar code give the same bits.
TEST(AttentionBf16, SameBitsOnEveryTileKernelPath) {
  const CpuIsa saved = cpu_isa_cap();
  for (int64_t D : {64, 33}) {
    const Inputs in = every_feature(D, 14);
    cap_cpu_isa(CpuIsa::Generic);
    const std::vector<Tensor> scalar = output_and_gradients(in, 15, true);
    for (CpuIsa isa : {CpuIsa::Avx2, CpuIsa::Avx512, CpuIsa::Avx512Bf16}) {
      if (cpu_isa_available() < isa) continue;
      cap_cpu_isa(isa);
      expect_same_bits(output_and_gradients(in, 15, true), scalar,
                       std::string(isa_name(isa)) + " vs generic, D = " + std::to_string(D));
    }
    cap_cpu_isa(saved);
  }
}

TEST(AttentionBf16, IndependentOfThreadCount) {
  const Inputs in = every_feature(64, 16);
  const int saved = num_threads();
  set_num_threads(1);
  const std::vector<Tensor> one = output_and_gradients(in, 17, true);
  set_num_threads(2);
  const std::vector<Tensor> two = output_and_gradients(in, 17, true);
  set_num_threads(saved);
  expect_same_bits(one, two, "1 vs 2 threads");
}

TEST(AttentionBf16, RejectsFloat64) {
  Tensor q = randn({1, 4, 1, 8}, 1);
  AttentionOptions o;
  o.bf16_products = true;
  EXPECT_THROW(attention(Var(q), Var(q), Var(q), o), Error);
}

TEST(AttentionDropout, TakesOneGeneratorOffsetPerCall) {
  Tensor q = randn({1, 4, 1, 8}, 1);
  Generator gen(9);
  AttentionOptions o;
  o.generator = &gen;
  attention(Var(q), Var(q), Var(q), o);
  EXPECT_EQ(gen.offset(), 0u);  // no dropout: no draw
  o.dropout = 0.5;
  Var a = attention(Var(q), Var(q), Var(q), o);
  Var b = attention(Var(q), Var(q), Var(q), o);
  EXPECT_EQ(gen.offset(), 2u);
  EXPECT_FALSE(vcc::testing::all_close(a.value(), b.value(), 0.0));  // fresh masks
}

TEST(AttentionMemory, ForwardAt4096TokensAllocatesNothingQuadratic) {
  const int64_t n = 4096, H = 2, D = 64;
  Var q(randn({1, n, H, D}, 1, DType::F32), true), k(randn({1, n, H, D}, 2, DType::F32), true),
      v(randn({1, n, H, D}, 3, DType::F32), true);
  AttentionOptions o;
  o.scale = 0.125;
  o.relative_bias_table = Var(randn({32, H}, 4, DType::F32), true);
  const int64_t before = cpu_memory_stats().live_bytes;
  reset_cpu_peak_memory();
  Var out = attention(q, k, v, o);
  const int64_t growth = cpu_memory_stats().peak_bytes - before;
  // One float32 n x n logit matrix would be 64 MiB; output, log-sum-exp, positions and
  // per-thread tiles come to about 3 MiB.
  EXPECT_LT(growth, int64_t{16} << 20) << growth << " bytes";
  EXPECT_EQ(out.shape(), Shape({1, n, H, D}));
}

// ---------------------------------------------------------------- errors

TEST(AttentionErrors, NameTheOffendingTensor) {
  Tensor q = randn({2, 4, 2, 8}, 1), k = randn({2, 6, 2, 8}, 2);
  auto message = [&](const AttentionOptions& o, const Tensor& kk) {
    try {
      attention(Var(q), Var(kk), Var(kk), o);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  AttentionOptions o;
  EXPECT_NE(message(o, randn({2, 6, 3, 8}, 2)).find("disagree in batch, heads or head size"), std::string::npos);
  o.key_mask = Tensor::ones({2, 5});
  EXPECT_NE(message(o, k).find("key_mask must be [B=2, 6]"), std::string::npos);
  o = {};
  o.relative_bias_table = Var(randn({16, 2}, 3));
  EXPECT_NE(message(o, k).find("relative_bias_table must be [num_buckets=32, H=2]"), std::string::npos);
  o.relative_bias_table = Var(randn({32, 2}, 3));
  o.key_positions = Tensor::zeros({2, 6}, DType::I32);
  EXPECT_NE(message(o, k).find("key_positions must be int64"), std::string::npos);
  o = {};
  o.dropout = 1.0;
  EXPECT_NE(message(o, k).find("dropout must be in [0, 1)"), std::string::npos);
}

}  // namespace
