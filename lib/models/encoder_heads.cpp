#include "models/encoder_heads.h"

#include "autograd/ops_elementwise.h"
#include "autograd/ops_index.h"
#include "autograd/ops_matmul.h"
#include "autograd/ops_shape.h"
#include "kernels/index.h"
#include "nn/activation.h"

namespace vcc::models {

MaskedLMHead::MaskedLMHead(const ModelConfig& c, const Var& word_embeddings, DType dtype) {
  const bool bert = c.type == "bert";
  // RobertaLMHead always uses the erf GELU; BERT's transform uses the model's hidden_act.
  activation_ = bert ? nn::parse_activation(c.activation) : nn::Activation::Gelu;
  dense_ = register_module(bert ? "transform.dense" : "dense",
                           std::make_shared<nn::Linear>(c.hidden_size, c.hidden_size, true, dtype));
  norm_ = register_module(bert ? "transform.LayerNorm" : "layer_norm",
                          std::make_shared<nn::LayerNorm>(c.hidden_size, c.norm_eps, dtype));
  bias_ = register_parameter("bias", Tensor::zeros({c.vocab_size}, dtype));
  if (c.tie_word_embeddings) {
    decoder_weight_ = word_embeddings;
    register_alias("decoder.weight", decoder_weight_);
  } else {
    decoder_weight_ = register_parameter("decoder.weight", Tensor::zeros({c.vocab_size, c.hidden_size}, dtype));
  }
  // Hugging Face keeps decoder.bias as the same tensor as bias.
  register_alias("decoder.bias", bias_);
}

Var MaskedLMHead::forward(const Var& hidden) const {
  Var h = norm_->forward(nn::activate(activation_, dense_->forward(hidden)));
  return linear(h, decoder_weight_, bias_);
}

LinearHead::LinearHead(int64_t d, int64_t out, DType dtype) {
  weight_ = register_parameter("weight", Tensor::zeros({out, d}, dtype));
  bias_ = register_parameter("bias", Tensor::zeros({out}, dtype));
}

Var LinearHead::apply(const Var& x) const { return linear(x, weight_, bias_); }

SpanHead::SpanHead(const ModelConfig& c, DType dtype) : LinearHead(c.hidden_size, 2, dtype) {}

SpanLogits SpanHead::forward(const Var& hidden) const {
  Var logits = apply(hidden);  // [B, N, 2]
  return {select(logits, -1, 0), select(logits, -1, 1)};
}

AnswerTypeHead::AnswerTypeHead(const ModelConfig& c, DType dtype) : LinearHead(c.hidden_size, 3, dtype) {}

Var AnswerTypeHead::forward(const Var& hidden) const { return apply(select(hidden, 1, 0)); }

MultipleChoiceHead::MultipleChoiceHead(const ModelConfig& c, DType dtype) : LinearHead(c.hidden_size, 1, dtype) {}

Var MultipleChoiceHead::forward(const Var& hidden, const Tensor& candidate_positions,
                                const Tensor& candidate_mask) const {
  const int64_t B = hidden.size(0), C = candidate_positions.size(1), d = hidden.size(2);
  VCC_CHECK(candidate_positions.dim() == 2 && candidate_positions.size(0) == B, "candidate_positions ",
            candidate_positions.describe(), " for hidden ", hidden.value().describe());
  Tensor index = candidate_positions.to(DType::I64).unsqueeze(2).expand({B, C, d}).contiguous();
  Var scores = reshape(apply(gather(hidden, 1, index)), {B, C});
  if (!candidate_mask.defined()) return scores;
  // Padding candidates (mask 0) get -1000; the fill mask is made on the scores' device, with
  // no host read (a float mask counts as its integer part, as masks elsewhere do).
  const Device dev = hidden.value().device();
  const Tensor mask = candidate_mask.to(dev);
  const Tensor cond = is_floating(mask.dtype()) ? mask.to(DType::F64).to(DType::I64) : mask;
  const Tensor is_pad = kernels::where(cond, Tensor::zeros({}, DType::U8, dev), Tensor::ones({}, DType::U8, dev));
  return masked_fill(scores, is_pad, -1000.0);
}

}  // namespace vcc::models
