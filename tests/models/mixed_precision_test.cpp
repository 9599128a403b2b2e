// train.precision: bf16 on the CPU. bfloat16 GEMMs are the float32 product of the rounded
// operands, rounded once (what cuBLAS computes with CUBLAS_COMPUTE_32F) or kept in float32;
// Linear layers switched to bfloat16 keep float32 weights, gradients and bias, and their
// outputs and gradients are the float32 products of the rounded operands. The GPU suite compares the same ops with cuBLAS.
#include <gtest/gtest.h>

#include <cmath>

#include "autograd/ops.h"
#include "core/precision.h"
#include "kernels/elementwise.h"
#include "kernels/matmul.h"
#include "models/model_config.h"
#include "models/model_factory.h"
#include "nn/compute_precision.h"
#include "nn/linear.h"
#include "nn/multi_head_attention.h"
#include "model_test_util.h"
#include "test_util.h"

using namespace vcc;
using vcc::testing::all_close;
using vcc::testing::randn;

namespace {

std::vector<float> floats(const Tensor& t) { return t.to(DType::F32).contiguous().to_vector<float>(); }

}  // namespace

TEST(Precision, ParsesTheOptionAndNamesBadValues) {
  EXPECT_EQ(parse_precision("fp32"), Precision::FP32);
  EXPECT_EQ(parse_precision("bf16"), Precision::BF16);
  EXPECT_EQ(compute_dtype(Precision::BF16), DType::BF16);
  EXPECT_EQ(compute_dtype(Precision::FP32), DType::F32);
  try {
    parse_precision("fp16");
    FAIL() << "fp16 was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("train.precision"), std::string::npos) << e.what();
  }
}

TEST(Bf16Gemm, IsTheFloat32ProductOfTheRoundedOperandsRoundedOnce) {
  const Tensor a = randn({3, 37, 29}, 1, DType::F32), b = randn({3, 41, 29}, 2, DType::F32);
  const Tensor a16 = a.to(DType::BF16), b16 = b.to(DType::BF16);
  for (double alpha : {1.0, 0.25}) {
    const Tensor c = kernels::matmul(a16, b16, false, true, alpha);
    ASSERT_EQ(c.dtype(), DType::BF16);
    const Tensor expected = kernels::matmul(a16.to(DType::F32), b16.to(DType::F32), false, true, alpha).to(DType::BF16);
    EXPECT_EQ(floats(c), floats(expected)) << "alpha " << alpha;
    // Rounding happened, and only bfloat16's (8 significant bits).
    const Tensor exact = kernels::matmul(a, b, false, true, alpha);
    EXPECT_FALSE(all_close(c.to(DType::F32), exact, 1e-6));
    EXPECT_TRUE(all_close(c.to(DType::F32), exact, 0.1 * alpha, 2e-2));
  }
  // Accumulating into an existing output (beta = 1) rounds the sum once, too.
  const Tensor acc = randn({3, 37, 41}, 3, DType::F32).to(DType::BF16);
  const Tensor expected = acc.to(DType::F32);
  kernels::gemm_into(a16.to(DType::F32), b16.to(DType::F32), expected, false, true, 1.0, 1.0);
  kernels::gemm_into(a16, b16, acc, false, true, 1.0, 1.0);
  EXPECT_EQ(floats(acc), floats(expected.to(DType::BF16)));
  // Into a float32 C (mixed-precision Linear) the same float32 product is kept unrounded: equal
  // to the float32 GEMM of the rounded operands up to float32 accumulation order.
  const Tensor wide = Tensor::zeros({3, 37, 41}, DType::F32);
  kernels::gemm_into(a16, b16, wide, false, true, 1.0, 0.0);
  const Tensor product = kernels::matmul(a16.to(DType::F32), b16.to(DType::F32), false, true);
  EXPECT_TRUE(all_close(wide, product, 1e-5, 1e-5));
  EXPECT_FALSE(all_close(wide, product.to(DType::BF16).to(DType::F32), 1e-6));  // not rounded to bf16
  EXPECT_THROW(kernels::gemm_into(a16, b16, Tensor::zeros({3, 37, 41}, DType::F64), false, true, 1.0, 0.0), Error);
}

TEST(Bf16Linear, KeepsFloat32WeightsAndGradientsWithinBf16Rounding) {
  nn::Linear linear(48, 24, true);
  Tensor(linear.weight().value()).copy_(randn({24, 48}, 4, DType::F32, 0.2));
  Tensor(linear.bias().value()).copy_(randn({24}, 5, DType::F32));
  const Tensor x_value = randn({2, 5, 48}, 6, DType::F32);
  const Tensor upstream = randn({2, 5, 24}, 7, DType::F32);

  auto run = [&](DType compute, Tensor* dw, Tensor* db, Tensor* dx) {
    linear.set_compute_dtype(compute);
    linear.zero_grad();
    Var x(x_value, true);
    Var y = linear.forward(x);
    y.backward(upstream);
    *dw = linear.weight().grad();
    *db = linear.bias().grad();
    *dx = x.grad();
    return y.value();
  };
  Tensor dw32, db32, dx32, dw16, db16, dx16;
  const Tensor y32 = run(DType::F32, &dw32, &db32, &dx32);
  const Tensor y16 = run(DType::BF16, &dw16, &db16, &dx16);
  EXPECT_EQ(linear.compute_dtype(), DType::BF16);

  // Output: the float32 product of the bfloat16-rounded operands, kept in float32, plus the
  // float32 bias.
  ASSERT_EQ(y16.dtype(), DType::F32);
  auto rounded = [](const Tensor& t) { return t.to(DType::BF16).to(DType::F32); };
  const Tensor product = kernels::matmul(rounded(x_value), rounded(linear.weight().value()), false, true);
  EXPECT_TRUE(all_close(y16, kernels::binary(kernels::BinaryOp::Add, product, linear.bias().value()), 1e-5, 1e-5));
  EXPECT_FALSE(all_close(y16, y32, 1e-6));
  EXPECT_TRUE(all_close(y16, y32, 0.05, 2e-2));
  // Gradients arrive in float32 (the masters' dtype): the float32 products of the rounded
  // upstream gradient with the rounded saved operands, not rounded again.
  for (const Tensor* g : {&dw16, &db16, &dx16}) EXPECT_EQ(g->dtype(), DType::F32);
  const Tensor g2 = rounded(upstream).reshape({10, 24}), x2 = rounded(x_value).reshape({10, 48});
  EXPECT_TRUE(all_close(dx16, kernels::matmul(g2, rounded(linear.weight().value())).reshape({2, 5, 48}), 1e-5, 1e-5));
  EXPECT_TRUE(all_close(dw16, kernels::matmul(g2, x2, true, false), 1e-5, 1e-5));
  EXPECT_TRUE(all_close(dw16, dw32, 0.05, 3e-2));
  EXPECT_TRUE(all_close(dx16, dx32, 0.05, 3e-2));
  EXPECT_TRUE(all_close(db16, db32, 0.0));  // the bias is added in float32: exact
  EXPECT_FALSE(all_close(dw16, dw32, 1e-6));

  EXPECT_THROW(linear.set_compute_dtype(DType::F64), Error);
}

TEST(Bf16Linear, PrecisionSwitchesEveryLinearAndAttentionOfAModelAndBack) {
  models::ModelConfig c;
  c.type = "roberta";
  c.vocab_size = 64;
  c.hidden_size = 16;
  c.num_layers = 2;
  c.num_heads = 2;
  c.d_kv = 8;
  c.d_ff = 32;
  c.max_position_embeddings = 32;
  c.heads = {"span"};
  auto model = models::build_model(c);
  int linears = 0, attentions = 0;
  model->apply([&](nn::Module& m) {
    linears += dynamic_cast<nn::Linear*>(&m) != nullptr;
    attentions += dynamic_cast<nn::MultiHeadAttention*>(&m) != nullptr;
  });
  // Per layer: query, key, value, attention output and the two feed-forward projections.
  EXPECT_EQ(linears, 2 * 6);
  EXPECT_EQ(attentions, 2);
  nn::PrecisionChanges changed = nn::set_compute_precision(*model, Precision::BF16);
  EXPECT_EQ(changed.linears, linears);
  EXPECT_EQ(changed.attentions, attentions);
  model->apply([&](nn::Module& m) {
    if (auto* l = dynamic_cast<nn::Linear*>(&m)) {
      EXPECT_EQ(l->compute_dtype(), DType::BF16);
    }
    if (auto* a = dynamic_cast<nn::MultiHeadAttention*>(&m)) {
      EXPECT_TRUE(a->bf16_products());
    }
  });
  changed = nn::set_compute_precision(*model, Precision::FP32);
  EXPECT_EQ(changed.linears, linears);
  model->apply([&](nn::Module& m) {
    if (auto* l = dynamic_cast<nn::Linear*>(&m)) {
      EXPECT_EQ(l->compute_dtype(), l->weight().dtype());
    }
    if (auto* a = dynamic_cast<nn::MultiHeadAttention*>(&m)) {
      EXPECT_FALSE(a->bf16_products());
    }
  });
}

// The switch reaches the fused attention op: with bf16 products a self-attention layer's
// output moves by bfloat16 rounding (the projections stay float32 here), no further.
TEST(Bf16Attention, SelfAttentionLayerUsesBf16Products) {
  nn::MultiHeadAttentionOptions o;
  o.d_model = 32;
  o.num_heads = 2;
  o.d_kv = 16;
  o.scale = 0.25;
  o.q_name = "q";
  o.k_name = "k";
  o.v_name = "v";
  o.o_name = "o";
  nn::MultiHeadAttention layer(o);
  vcc::testing::randomize(layer, 40, 0.3);
  const Var x(vcc::testing::randn({1, 300, 32}, 3, DType::F32));
  const Tensor f32 = layer.self_attention(x, nn::AttentionContext{}).value();
  layer.set_bf16_products(true);
  const Tensor b16 = layer.self_attention(x, nn::AttentionContext{}).value();
  const double e = vcc::testing::relative_error(b16, f32);
  EXPECT_GT(e, 1e-4);
  EXPECT_LT(e, 1e-2);
}
