#pragma once
// Position-wise feed-forward: out(dropout(act(in x))), or the gated form
// out(dropout(act(in x) * (gate x))) of T5 v1.1. Parameter names follow the model family
// (BERT: intermediate.dense / output.dense; T5: DenseReluDense.wi / wi_0, wi_1 / wo).
#include <memory>
#include <string>

#include "nn/activation.h"
#include "nn/linear.h"

namespace vcc::nn {

struct FeedForwardOptions {
  int64_t d_model = 0;
  int64_t d_ff = 0;
  Activation activation = Activation::Gelu;
  bool gated = false;
  bool bias = true;
  double inner_dropout = 0.0;  // between the activation and the output projection (T5)
  std::string in_name;         // activated input projection (T5 gated: "DenseReluDense.wi_0")
  std::string gate_name;       // gated only: the linear factor ("DenseReluDense.wi_1")
  std::string out_name;
};

class FeedForward : public Module {
 public:
  FeedForward(const FeedForwardOptions& options, DType dtype = DType::F32);

  Var forward(const Var& x) const;
  const Linear& in() const { return *in_; }
  const Linear* gate() const { return gate_.get(); }  // null unless gated
  const Linear& out() const { return *out_; }
  const FeedForwardOptions& options() const { return options_; }

 private:
  FeedForwardOptions options_;
  std::shared_ptr<Linear> in_, gate_, out_;
};

}  // namespace vcc::nn
