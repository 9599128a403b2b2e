// Name patterns that decide which parameters get weight decay.
#include <gtest/gtest.h>

#include "optim/param_groups.h"

using namespace vcc;
using namespace vcc::optim;

TEST(ParamPatterns, MatchWholeDottedSuffixes) {
  EXPECT_TRUE(matches_param_pattern("encoder.layer.0.output.dense.bias", "bias"));
  EXPECT_TRUE(matches_param_pattern("bias", "bias"));
  EXPECT_TRUE(matches_param_pattern("encoder.layer.3.attention.output.LayerNorm.weight", "LayerNorm.weight"));
  EXPECT_TRUE(matches_param_pattern("embeddings.LayerNorm.weight", "LayerNorm.weight"));
  // T5's relative position table and RMS-norm weights are decayed in the VCC recipe.
  EXPECT_FALSE(matches_param_pattern("encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight", "bias"));
  EXPECT_FALSE(matches_param_pattern("encoder.final_layer_norm.weight", "LayerNorm.weight"));
  EXPECT_FALSE(matches_param_pattern("encoder.layer.0.output.dense.weight", "bias"));
  EXPECT_FALSE(matches_param_pattern("dense.biased", "bias"));
}

TEST(ParamPatterns, SupportWildcards) {
  EXPECT_TRUE(matches_param_pattern("encoder.final_layer_norm.weight", "*norm.weight"));
  EXPECT_TRUE(matches_param_pattern("encoder.block.0.layer.1.layer_norm.weight", "*_norm.weight"));
  EXPECT_TRUE(matches_param_pattern("relative_attention_bias.weight", "*_bias.*"));
  EXPECT_TRUE(matches_param_pattern("encoder.layer.7.x", "encoder.layer.?.x"));
  EXPECT_FALSE(matches_param_pattern("encoder.layer.17.x", "encoder.layer.?.x"));
  EXPECT_TRUE(matches_param_pattern("anything.at.all", "*"));
}

TEST(ParamPatterns, SplitKeepsOrder) {
  NamedParams params;
  for (const char* name : {"a.weight", "a.bias", "LayerNorm.weight", "b.weight", "LayerNorm.bias"})
    params.emplace_back(name, Var(Tensor::zeros({1}), true));
  DecaySplit split = split_by_decay(params, kDefaultNoDecay);
  ASSERT_EQ(split.decay.size(), 2u);
  EXPECT_EQ(split.decay[0].first, "a.weight");
  EXPECT_EQ(split.decay[1].first, "b.weight");
  ASSERT_EQ(split.no_decay.size(), 3u);
  EXPECT_EQ(split.no_decay[0].first, "a.bias");
  EXPECT_EQ(split.no_decay[1].first, "LayerNorm.weight");
  EXPECT_EQ(split.no_decay[2].first, "LayerNorm.bias");
}
