#pragma once
// A module whose parameters, tied names and children are added from the test, for
// checkpoint tests that need models of a chosen shape.
#include <memory>
#include <string>

#include "nn/module.h"
#include "test_util.h"

namespace vcc::testing {

class TestModule : public nn::Module {
 public:
  Var param(const std::string& name, Tensor value) { return register_parameter(name, std::move(value)); }
  void alias(const std::string& name, const Var& p) { register_alias(name, p); }
  std::shared_ptr<TestModule> child(const std::string& name) {
    return register_module(name, std::make_shared<TestModule>());
  }
};

struct TinyModelOptions {
  bool tie_lm_head = true;  // lm_head.weight is embeddings.word_embeddings.weight
  bool pooler = false;      // adds pooler.dense.{weight,bias}
  int64_t hidden = 4;
};

// A RoBERTa-like miniature with Hugging Face parameter names, filled from `seed`.
inline std::shared_ptr<TestModule> tiny_model(uint64_t seed, TinyModelOptions o = {}) {
  auto root = std::make_shared<TestModule>();
  const int64_t h = o.hidden;
  Var emb = root->child("embeddings")->child("word_embeddings")->param("weight", randn({10, h}, seed, DType::F32));
  auto layer = root->child("encoder")->child("layer")->child("0");
  auto query = layer->child("attention")->child("self")->child("query");
  query->param("weight", randn({h, h}, seed + 1, DType::F32));
  query->param("bias", randn({h}, seed + 2, DType::F32));
  layer->child("output")->child("LayerNorm")->param("weight", randn({h}, seed + 3, DType::F64));
  if (o.pooler) {
    auto dense = root->child("pooler")->child("dense");
    dense->param("weight", randn({h, h}, seed + 4, DType::F32));
    dense->param("bias", randn({h}, seed + 5, DType::F32));
  }
  auto head = root->child("lm_head");
  if (o.tie_lm_head)
    head->alias("weight", emb);
  else
    head->param("weight", randn({10, h}, seed + 6, DType::F32));
  return root;
}

// Bitwise equality of two tensors' contents (same dtype and shape).
inline bool same_bits(const Tensor& a, const Tensor& b) {
  if (a.dtype() != b.dtype() || a.shape() != b.shape()) return false;
  const Tensor x = a.contiguous(), y = b.contiguous();
  return std::memcmp(x.raw_data(), y.raw_data(), x.nbytes()) == 0;
}

}  // namespace vcc::testing
