#include "train/extractive_qa_task.h"

#include <algorithm>
#include <limits>

#include "autograd/ops.h"
#include "core/error.h"

namespace vcc::train {

SpanChoice best_span(const float* start_logits, const float* end_logits, int64_t lo, int64_t hi, int64_t max_tokens) {
  SpanChoice best;
  best.score = -std::numeric_limits<double>::infinity();
  for (int64_t s = lo; s < hi; ++s) {
    const int64_t last = std::min(hi, s + max_tokens);
    for (int64_t e = s; e < last; ++e) {
      const double score = static_cast<double>(start_logits[s]) + static_cast<double>(end_logits[e]);
      if (score > best.score) best = {s, e, score};
    }
  }
  return best;
}

std::pair<int64_t, int64_t> context_range(int64_t query_length, int64_t real_length) {
  const int64_t lo = std::max<int64_t>(0, query_length - 1);
  const int64_t hi = std::max<int64_t>(lo, real_length - 1);
  return {lo, hi};
}

Tensor question_context_types(const data::Batch& batch) {
  const int64_t B = batch.input_ids.size(0), N = batch.input_ids.size(1);
  const std::vector<int64_t> qlen = batch.query_length.to(DType::I64).to_vector<int64_t>();
  std::vector<int64_t> types(static_cast<size_t>(B * N), 0);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t i = context_range(qlen[b], N).first; i < N; ++i) types[b * N + i] = 1;
  return Tensor::from_vector<int64_t>(types, {B, N});
}

ExtractiveQaTask::ExtractiveQaTask(std::shared_ptr<models::RobertaModel> model, const TaskOptions& options)
    : model_(std::move(model)), options_(options) {
  VCC_USER_CHECK(model_->span_head() != nullptr, "extractive QA needs the span head: add span to model.heads");
}

ExtractiveQaTask::Outputs ExtractiveQaTask::run(const data::Batch& batch) const {
  models::EncoderInputs in;
  in.input_ids = batch.input_ids.to(options_.device);
  // Made from the host batch: deriving them from device ids would stall a GPU.
  in.position_ids = models::make_position_ids(batch.input_ids, model_->config());
  in.attention_mask = batch.attention_mask.to(options_.device);
  if (batch.importance_mask.defined()) in.importance_mask = batch.importance_mask.to(options_.device);
  if (model_->config().type_vocab_size >= 2) in.token_type_ids = question_context_types(batch).to(options_.device);
  const models::EncoderOutputs enc = model_->forward(in);
  Outputs out;
  out.span = model_->span_head()->forward(enc.hidden);
  if (const auto* head = model_->answer_type_head()) out.type_logits = head->forward(enc.hidden);
  return out;
}

Var ExtractiveQaTask::loss_of(const Outputs& out, const data::Batch& batch) const {
  VCC_USER_CHECK(batch.answer_start.defined() && batch.answer_type.defined(),
                 "extractive QA needs answer spans in the split (preprocess with --task qa_extractive)");
  const Tensor starts = batch.answer_start.to(DType::I64).to(options_.device);
  const Tensor ends = batch.answer_end.to(DType::I64).to(options_.device);
  // Rows without a located span (yes/no answers, spans cut off by truncation) carry -1.
  Var total = (cross_entropy(out.span.start, starts, data::kNoSpan) + cross_entropy(out.span.end, ends, data::kNoSpan)) * 0.5;
  if (out.type_logits.defined()) {
    const Tensor types = batch.answer_type.to(DType::I64).to(options_.device);
    total = total + cross_entropy(out.type_logits, types, static_cast<int64_t>(data::AnswerType::None));
  }
  return total;
}

Var ExtractiveQaTask::loss(const data::Batch& batch, bool training) {
  model_->train(training);
  return loss_of(run(batch), batch);
}

std::vector<TaskPrediction> ExtractiveQaTask::predict(const data::Batch& batch) {
  VCC_USER_CHECK(options_.tokenizer != nullptr, "predicting answers needs the tokenizer: set data.tokenizer");
  model_->eval();
  NoGradGuard no_grad;
  return answers_of(run(batch), batch);
}

std::pair<double, std::vector<TaskPrediction>> ExtractiveQaTask::loss_and_predict(const data::Batch& batch) {
  VCC_USER_CHECK(options_.tokenizer != nullptr, "predicting answers needs the tokenizer: set data.tokenizer");
  model_->eval();
  NoGradGuard no_grad;
  const Outputs out = run(batch);
  return {loss_of(out, batch).value().item<double>(), answers_of(out, batch)};
}

std::vector<TaskPrediction> ExtractiveQaTask::answers_of(const Outputs& out, const data::Batch& batch) const {
  const Tensor start = out.span.start.value().to(Device::cpu()).to(DType::F32).contiguous();
  const Tensor end = out.span.end.value().to(Device::cpu()).to(DType::F32).contiguous();
  std::vector<int64_t> types;
  if (out.type_logits.defined()) types = argmax(out.type_logits.value().to(Device::cpu()), 1).to(DType::I64).to_vector<int64_t>();
  const int64_t B = batch.size(), N = batch.input_ids.size(1);
  const std::vector<int64_t> ids = batch.input_ids.to(DType::I64).to_vector<int64_t>();
  const std::vector<int64_t> mask = batch.attention_mask.to(DType::I64).to_vector<int64_t>();
  const std::vector<int64_t> qlen = batch.query_length.to(DType::I64).to_vector<int64_t>();
  std::vector<TaskPrediction> preds(B);
  for (int64_t b = 0; b < B; ++b) {
    TaskPrediction& p = preds[b];
    const int64_t type = types.empty() ? models::AnswerTypeHead::kSpan : types[b];
    if (type == models::AnswerTypeHead::kYes) {
      p = {"yes", data::AnswerType::Yes};
      continue;
    }
    if (type == models::AnswerTypeHead::kNo) {
      p = {"no", data::AnswerType::No};
      continue;
    }
    int64_t real = 0;
    for (int64_t i = 0; i < N; ++i) real += mask[b * N + i] != 0;
    const auto [lo, hi] = context_range(qlen[b], real);
    const SpanChoice c = best_span(start.data<float>() + b * N, end.data<float>() + b * N, lo, hi,
                                   options_.max_answer_tokens);
    p.type = data::AnswerType::Span;
    if (c.start < 0) continue;  // no context tokens: empty answer
    std::vector<int32_t> piece(ids.begin() + b * N + c.start, ids.begin() + b * N + c.end + 1);
    p.text = options_.tokenizer->decode(piece);
  }
  return preds;
}

}  // namespace vcc::train
