#include "models/t5.h"

#include <cmath>

#include "autograd/checkpoint.h"
#include "autograd/ops_elementwise.h"
#include "autograd/ops_matmul.h"
#include "autograd/ops_nn.h"
#include "autograd/ops_shape.h"
#include "kernels/elementwise.h"
#include "kernels/index.h"
#include "models/encoder_stack.h"

namespace vcc::models {
namespace {

nn::T5LayerOptions layer_options(const ModelConfig& c, bool first) {
  nn::T5LayerOptions o;
  o.d_model = c.hidden_size;
  o.num_heads = c.num_heads;
  o.d_kv = c.d_kv;
  o.d_ff = c.d_ff;
  o.activation = nn::parse_activation(c.activation);
  o.gated = c.gated_ffn;
  o.norm_eps = c.norm_eps;
  o.dropout = c.hidden_dropout;
  o.num_buckets = static_cast<int>(c.relative_buckets);
  o.max_distance = static_cast<int>(c.relative_max_distance);
  o.has_relative_bias = first;
  return o;
}

// Rows `rows` of t along dim 0 (a copy).
Tensor take_rows(const Tensor& t, const std::vector<int64_t>& rows) {
  if (!t.defined()) return t;
  Shape shape = t.shape();
  shape[0] = static_cast<int64_t>(rows.size());
  Tensor out = Tensor::empty(shape, t.dtype(), t.device());
  for (size_t i = 0; i < rows.size(); ++i) out.select(0, static_cast<int64_t>(i)).copy_(t.select(0, rows[i]));
  return out;
}

}  // namespace

// The output projection as its own child module, registered after `shared`, so that a tied
// weight keeps the canonical name shared.weight (a module lists its own parameters before
// its children's).
class T5LmHead : public nn::Module {
 public:
  T5LmHead(const ModelConfig& c, const Var& shared, DType dtype) {
    if (c.tie_word_embeddings) {
      weight = shared;
      register_alias("weight", weight);
    } else {
      weight = register_parameter("weight", Tensor::zeros({c.vocab_size, c.hidden_size}, dtype));
    }
  }
  Var weight;
};

Tensor shift_right(const Tensor& labels, int64_t decoder_start_token_id, int64_t pad_token_id) {
  VCC_CHECK(labels.dim() == 2 && labels.size(1) >= 1, "labels must be [B, T] with T >= 1, got ", labels.describe());
  const int64_t B = labels.size(0), T = labels.size(1);
  const Device dev = labels.device();
  auto scalar = [&](int64_t v) { return Tensor::full({}, static_cast<double>(v), DType::I64, dev); };
  // On the labels' device (no host round trip): the start id, then the labels moved right.
  const Tensor shifted =
      kernels::concat({Tensor::full({B, 1}, static_cast<double>(decoder_start_token_id), DType::I64, dev),
                       labels.to(DType::I64).narrow(1, 0, T - 1)},
                      1);
  // min(v + 100, 1) is zero exactly when v is the ignored label -100, which becomes the pad id.
  const Tensor kept = kernels::binary(kernels::BinaryOp::Min, kernels::binary(kernels::BinaryOp::Add, shifted, scalar(100)),
                                      scalar(1));
  return kernels::where(kept, shifted, scalar(pad_token_id));
}

// ---- encoder ----

T5Encoder::T5Encoder(const ModelConfig& c, const Var& shared, DType dtype) : config_(c), shared_(shared) {
  register_alias("embed_tokens.weight", shared_);
  for (int64_t i = 0; i < c.num_layers; ++i) {
    auto block = register_module("block." + std::to_string(i), std::make_shared<nn::T5EncoderLayer>(layer_options(c, i == 0), dtype));
    blocks_.push_back(block);
    layers_.add(block);
  }
  configure_encoder_stack(layers_, c);
  final_norm_ = register_module("final_layer_norm", std::make_shared<nn::RMSNorm>(c.hidden_size, c.norm_eps, dtype));
}

const Var& T5Encoder::relative_bias_table() const {
  VCC_CHECK(!blocks_.empty(), "T5 encoder without blocks has no relative bias table");
  return blocks_[0]->relative_bias_table();
}

Var T5Encoder::embed(const Tensor& ids) const {
  return dropout(embedding(shared_, ids), config_.hidden_dropout, training());
}

nn::AttentionContext T5Encoder::attention_context(const Tensor& mask, const Tensor& positions) const {
  nn::AttentionContext ctx;
  ctx.key_mask = mask;
  ctx.positions = positions;
  if (!blocks_.empty()) ctx.relative_bias_table = relative_bias_table();
  return ctx;
}

Var T5Encoder::finish(const Var& h) const {
  return dropout(final_norm_->forward(h), config_.hidden_dropout, training());
}

Var T5Encoder::forward(const Tensor& ids, const Tensor& mask, const Tensor& positions,
                       const Tensor& importance_mask) const {
  VCC_USER_CHECK(ids.defined() && ids.dim() == 2, "input_ids must be [B, N]");
  if (mask.defined())
    VCC_USER_CHECK(mask.shape() == ids.shape(), "attention_mask ", mask.describe(), " does not match input_ids ",
                   ids.describe());
  nn::AttentionContext ctx = attention_context(mask, positions);
  ctx.importance_mask = importance_mask;
  return finish(layers_.forward(embed(ids), ctx));
}

// ---- decoder ----

void DecoderState::reorder(const std::vector<int64_t>& rows) {
  for (nn::DecoderLayerCache& c : layers) {
    c.self_k = take_rows(c.self_k, rows);
    c.self_v = take_rows(c.self_v, rows);
    c.cross_k = take_rows(c.cross_k, rows);
    c.cross_v = take_rows(c.cross_v, rows);
    c.encoder_mask = take_rows(c.encoder_mask, rows);
  }
}

T5Decoder::T5Decoder(const ModelConfig& c, const Var& shared, DType dtype) : config_(c), shared_(shared) {
  register_alias("embed_tokens.weight", shared_);
  for (int64_t i = 0; i < c.num_decoder_layers; ++i)
    blocks_.push_back(register_module("block." + std::to_string(i),
                                      std::make_shared<nn::T5DecoderLayer>(layer_options(c, i == 0), dtype)));
  final_norm_ = register_module("final_layer_norm", std::make_shared<nn::RMSNorm>(c.hidden_size, c.norm_eps, dtype));
}

const Var& T5Decoder::relative_bias_table() const {
  VCC_CHECK(!blocks_.empty(), "T5 decoder without blocks has no relative bias table");
  return blocks_[0]->relative_bias_table();
}

Var T5Decoder::forward(const Tensor& ids, const Var& enc, const Tensor& enc_mask, const Tensor& dec_mask) const {
  Var h = dropout(embedding(shared_, ids), config_.hidden_dropout, training());
  nn::AttentionContext ctx;
  ctx.key_mask = dec_mask;
  if (!blocks_.empty()) ctx.relative_bias_table = relative_bias_table();
  for (const auto& block : blocks_) {
    if (!checkpoint_ || !grad_enabled()) {
      h = block->forward(h, ctx, enc, enc_mask);
      continue;
    }
    std::vector<Var> inputs{h, enc};
    if (ctx.relative_bias_table.defined()) inputs.push_back(ctx.relative_bias_table);
    h = checkpoint(
        [&block, ctx, enc_mask](const std::vector<Var>& in) {
          nn::AttentionContext c = ctx;
          if (in.size() > 2) c.relative_bias_table = in[2];
          return block->forward(in[0], c, in[1], enc_mask);
        },
        inputs);
  }
  return dropout(final_norm_->forward(h), config_.hidden_dropout, training());
}

DecoderState T5Decoder::start(const Var& enc, const Tensor& enc_mask, int64_t capacity) const {
  DecoderState s;
  for (const auto& block : blocks_) s.layers.push_back(block->start_cache(enc, enc_mask, capacity));
  return s;
}

Var T5Decoder::step(DecoderState& state, const Tensor& ids) const {
  NoGradGuard no_grad;
  Var h = dropout(embedding(shared_, ids), config_.hidden_dropout, training());
  const Var table = blocks_.empty() ? Var() : relative_bias_table();
  for (size_t i = 0; i < blocks_.size(); ++i) h = blocks_[i]->forward_cached(h, table, state.layers[i]);
  state.length += ids.size(1);
  return dropout(final_norm_->forward(h), config_.hidden_dropout, training());
}

// ---- model ----

T5Model::T5Model(const ModelConfig& c, DType dtype) : config_(c) {
  c.validate();
  VCC_USER_CHECK(c.is_t5(), "T5Model needs a t5 config, got model.type ", c.type);
  shared_ = register_module("shared", std::make_shared<nn::Embedding>(c.vocab_size, c.hidden_size, dtype));
  encoder_ = register_module("encoder", std::make_shared<T5Encoder>(c, shared_->weight(), dtype));
  decoder_ = register_module("decoder", std::make_shared<T5Decoder>(c, shared_->weight(), dtype));
  lm_head_ = register_module("lm_head", std::make_shared<T5LmHead>(c, shared_->weight(), dtype))->weight;
}

void T5Model::set_gradient_checkpointing(bool on) {
  encoder_->layers().set_checkpointing(on);
  decoder_->set_checkpointing(on);
}

Var T5Model::encode(const Tensor& ids, const Tensor& mask, const Tensor& importance_mask) const {
  return encoder_->forward(ids, mask, Tensor(), importance_mask);
}

Var T5Model::lm_logits(const Var& states) const {
  // Tied T5 (v1.0) rescales before the shared projection (Mesh TensorFlow's convention).
  if (config_.tie_word_embeddings)
    return linear(scale(states, std::pow(static_cast<double>(config_.hidden_size), -0.5)), lm_head_);
  return linear(states, lm_head_);
}

Var T5Model::forward(const Tensor& ids, const Tensor& mask, const Tensor& decoder_ids,
                     const Tensor& importance_mask) const {
  return lm_logits(decoder_->forward(decoder_ids, encode(ids, mask, importance_mask), mask));
}

Var T5Model::loss_from_logits(const Var& logits, const Tensor& labels) {
  const int64_t V = logits.size(-1);
  return cross_entropy(reshape(logits, {-1, V}), labels.to(DType::I64).reshape({-1}), -100);
}

Var T5Model::loss(const Tensor& ids, const Tensor& mask, const Tensor& labels, const Tensor& importance_mask) const {
  const Tensor dec = shift_right(labels, config_.decoder_start_token_id, config_.pad_token_id);
  return loss_from_logits(forward(ids, mask, dec, importance_mask), labels);
}

}  // namespace vcc::models
