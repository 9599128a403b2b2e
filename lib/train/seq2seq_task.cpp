#include "train/seq2seq_task.h"

#include "autograd/ops.h"
#include "core/error.h"
#include "models/generation.h"

namespace vcc::train {

std::string generated_text(const std::vector<int64_t>& ids, int64_t eos, const data::Tokenizer& tokenizer) {
  std::vector<int32_t> kept;
  for (int64_t id : ids) {
    if (id == eos) break;
    // Ids past the tokenizer are the rows models pad their vocabulary with (T5: 32128 rows for
    // 32106 ids); an untrained model can pick them. They decode to nothing, as in Hugging Face.
    if (id >= 0 && id < tokenizer.vocab_size()) kept.push_back(static_cast<int32_t>(id));
  }
  return tokenizer.decode(kept);
}

Seq2SeqTask::Seq2SeqTask(std::shared_ptr<models::T5Model> model, const TaskOptions& options, int64_t max_target_length)
    : model_(std::move(model)), options_(options), max_target_length_(max_target_length) {}

Tensor Seq2SeqTask::importance_of(const data::Batch& batch) const {
  return batch.importance_mask.defined() ? batch.importance_mask.to(options_.device) : Tensor();
}

Var Seq2SeqTask::loss(const data::Batch& batch, bool training) {
  VCC_USER_CHECK(batch.labels.defined(), "seq2seq training needs labels in the split (preprocess with --max-target-length > 0)");
  model_->train(training);
  return model_->loss(batch.input_ids.to(options_.device), batch.attention_mask.to(options_.device),
                      batch.labels.to(DType::I64).to(options_.device), importance_of(batch));
}

double Seq2SeqTask::loss_weight(const data::Batch& batch) const {
  if (!batch.labels.defined()) return 0.0;
  int64_t n = 0;
  for (int64_t v : batch.labels.to(DType::I64).to_vector<int64_t>()) n += v != data::kIgnoreLabel;
  return static_cast<double>(n);
}

std::vector<TaskPrediction> Seq2SeqTask::predict(const data::Batch& batch) {
  VCC_USER_CHECK(options_.tokenizer != nullptr, "predicting answers needs the tokenizer: set data.tokenizer");
  model_->eval();
  NoGradGuard no_grad;
  models::GenerationOptions g;
  g.num_beams = options_.num_beams;
  g.length_penalty = options_.length_penalty;
  g.max_new_tokens = options_.max_new_tokens > 0 ? options_.max_new_tokens : max_target_length_;
  VCC_USER_CHECK(g.max_new_tokens > 0, "generation needs a length: set valid.max_new_tokens (the split has no labels)");
  models::GenerationOutput out = models::generate(*model_, batch.input_ids.to(options_.device),
                                                  batch.attention_mask.to(options_.device), g, importance_of(batch));
  const Tensor seq = out.sequences.to(Device::cpu()).to(DType::I64).contiguous();
  const int64_t B = seq.size(0), L = seq.size(1);
  const std::vector<int64_t> ids = seq.to_vector<int64_t>();
  const int64_t eos = model_->config().eos_token_id;
  std::vector<TaskPrediction> preds(B);
  for (int64_t b = 0; b < B; ++b) {
    // Position 0 is the decoder start id.
    const std::vector<int64_t> row(ids.begin() + b * L + 1, ids.begin() + (b + 1) * L);
    preds[b].text = generated_text(row, eos, *options_.tokenizer);
    preds[b].type = data::AnswerType::Span;
  }
  return preds;
}

}  // namespace vcc::train
