#include "models/roberta.h"

#include "autograd/ops_elementwise.h"
#include "autograd/ops_nn.h"
#include "autograd/ops_shape.h"
#include "models/encoder_stack.h"

namespace vcc::models {

Tensor make_position_ids(const Tensor& input_ids, const ModelConfig& c) {
  VCC_CHECK(input_ids.dim() == 2, "input_ids must be [B, N], got ", input_ids.describe());
  const int64_t B = input_ids.size(0), N = input_ids.size(1);
  std::vector<int64_t> pos(static_cast<size_t>(B * N));
  if (c.position_ids == "padding") {
    // Hugging Face RoBERTa: cumsum(id != pad) * (id != pad) + pad. The only rule that reads
    // the ids (a host read when they are on a device: tasks pass host-made positions).
    const std::vector<int64_t> ids = input_ids.to(DType::I64).to_vector<int64_t>();
    for (int64_t b = 0; b < B; ++b) {
      int64_t count = 0;
      for (int64_t i = 0; i < N; ++i) {
        const int64_t k = b * N + i;
        const bool real = ids[k] != c.pad_token_id;
        count += real;
        pos[k] = (real ? count : 0) + c.pad_token_id;
      }
    }
  } else {
    const int64_t first = c.position_ids == "offset" ? c.pad_token_id + 1 : 0;
    for (int64_t k = 0; k < B * N; ++k) pos[k] = first + k % N;
  }
  return Tensor::from_vector<int64_t>(pos, {B, N});
}

RobertaEmbeddings::RobertaEmbeddings(const ModelConfig& c, DType dtype) : config_(c) {
  word_ = register_module("word_embeddings", std::make_shared<nn::Embedding>(c.vocab_size, c.hidden_size, dtype));
  position_ = register_module("position_embeddings",
                              std::make_shared<nn::Embedding>(c.max_position_embeddings, c.hidden_size, dtype));
  token_type_ = register_module("token_type_embeddings",
                                std::make_shared<nn::Embedding>(c.type_vocab_size, c.hidden_size, dtype));
  norm_ = register_module("LayerNorm", std::make_shared<nn::LayerNorm>(c.hidden_size, c.norm_eps, dtype));
}

Var RobertaEmbeddings::forward(const EncoderInputs& in) const {
  const Tensor& ids = in.input_ids;
  Tensor pos = in.position_ids.defined() ? in.position_ids : make_position_ids(ids, config_);
  // Host-made positions are checked here, with advice; positions already on a device are
  // checked by the lookup (core/deferred_checks.h), since reading them would stall it.
  const int64_t rows = position_->num();
  if (pos.device().is_cpu())
    for (int64_t p : pos.to(DType::I64).to_vector<int64_t>())
      VCC_USER_CHECK(p >= 0 && p < rows, "position id ", p, " is outside the position table of ", rows,
                     " rows (model.max_position_embeddings); extend the table for inputs of ", ids.size(1), " tokens");
  pos = pos.to(ids.device());
  Tensor types = in.token_type_ids.defined() ? in.token_type_ids : Tensor::zeros(ids.shape(), DType::I64, ids.device());
  // Hugging Face adds word + token type first, then position.
  Var e = word_->forward(ids) + token_type_->forward(types);
  e = e + position_->forward(pos);
  return dropout(norm_->forward(e), config_.hidden_dropout, training());
}

void RobertaEmbeddings::extend_position_table(int64_t rows) {
  const int64_t offset = config_.position_offset();
  const Tensor old = position_->weight().value();
  const int64_t learned = old.size(0) - offset;
  VCC_USER_CHECK(rows > offset && learned > 0, "cannot extend a position table of ", old.size(0), " rows (", offset,
                 " offset rows) to ", rows, " rows");
  Tensor table = Tensor::empty({rows, old.size(1)}, old.dtype());
  if (offset > 0) table.narrow(0, 0, offset).copy_(old.narrow(0, 0, offset));
  for (int64_t p = 0; p < rows - offset; ++p) table.select(0, offset + p).copy_(old.select(0, offset + p % learned));
  // The parameter keeps its identity (optimizers and aliases refer to it); only its
  // value changes shape.
  position_->weight().node()->value = table;
  position_->weight().zero_grad();
  config_.max_position_embeddings = rows;
}

RobertaModel::RobertaModel(const ModelConfig& c, DType dtype) : config_(c) {
  c.validate();
  VCC_USER_CHECK(c.is_bert_family(), "RobertaModel needs a BERT-family config, got model.type ", c.type);
  embeddings_ = register_module("embeddings", std::make_shared<RobertaEmbeddings>(c, dtype));
  nn::BertLayerOptions lo;
  lo.d_model = c.hidden_size;
  lo.num_heads = c.num_heads;
  lo.d_ff = c.d_ff;
  lo.activation = nn::parse_activation(c.activation);
  lo.norm_eps = c.norm_eps;
  lo.pre_ln = c.pre_ln;
  lo.hidden_dropout = c.hidden_dropout;
  lo.attention_dropout = c.attention_dropout;
  for (int64_t i = 0; i < c.num_layers; ++i)
    layers_.add(register_module("encoder.layer." + std::to_string(i), std::make_shared<nn::BertLayer>(lo, dtype)));
  configure_encoder_stack(layers_, c);
  if (c.pre_ln) final_norm_ = register_module("LayerNorm", std::make_shared<nn::LayerNorm>(c.hidden_size, c.norm_eps, dtype));
  if (c.pooler) pooler_ = register_module("pooler.dense", std::make_shared<nn::Linear>(c.hidden_size, c.hidden_size, true, dtype));
  const Var& words = embeddings_->word_embeddings().weight();
  if (c.has_head("mlm"))
    mlm_ = register_module(c.type == "bert" ? "cls.predictions" : "lm_head", std::make_shared<MaskedLMHead>(c, words, dtype));
  if (c.has_head("span")) span_ = register_module("qa_outputs", std::make_shared<SpanHead>(c, dtype));
  if (c.has_head("answer_type")) answer_type_ = register_module("answer_type", std::make_shared<AnswerTypeHead>(c, dtype));
  if (c.has_head("multiple_choice"))
    multiple_choice_ = register_module("multiple_choice", std::make_shared<MultipleChoiceHead>(c, dtype));
}

Var RobertaModel::embed(const EncoderInputs& in) const { return embeddings_->forward(in); }

nn::AttentionContext RobertaModel::attention_context(const EncoderInputs& in) const {
  nn::AttentionContext ctx;
  ctx.key_mask = in.attention_mask;
  ctx.importance_mask = in.importance_mask;
  return ctx;
}

EncoderOutputs RobertaModel::finish(const Var& h) const {
  EncoderOutputs out;
  out.hidden = final_norm_ ? final_norm_->forward(h) : h;
  if (pooler_) out.pooled = tanh(pooler_->forward(select(out.hidden, 1, 0)));
  return out;
}

EncoderOutputs RobertaModel::forward(const EncoderInputs& in) const {
  VCC_USER_CHECK(in.input_ids.defined() && in.input_ids.dim() == 2, "input_ids must be [B, N]");
  if (in.attention_mask.defined())
    VCC_USER_CHECK(in.attention_mask.shape() == in.input_ids.shape(), "attention_mask ", in.attention_mask.describe(),
                   " does not match input_ids ", in.input_ids.describe());
  return finish(layers_.forward(embed(in), attention_context(in)));
}

void RobertaModel::extend_position_table(int64_t rows) {
  embeddings_->extend_position_table(rows);
  config_.max_position_embeddings = rows;
}

}  // namespace vcc::models
