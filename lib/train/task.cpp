#include "train/task.h"

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "models/roberta.h"
#include "models/t5.h"
#include "train/extractive_qa_task.h"
#include "train/seq2seq_task.h"

namespace vcc::train {

std::pair<double, std::vector<TaskPrediction>> ModelTask::loss_and_predict(const data::Batch& batch) {
  double l = 0;
  {
    NoGradGuard no_grad;
    l = loss(batch, /*training=*/false).value().item<double>();
  }
  return {l, predict(batch)};
}

void check_model_fits_data(const models::ModelConfig& c, const data::DatasetInfo& info, const std::string& path) {
  VCC_USER_CHECK(c.vocab_size >= info.vocab_size, path, ": the split's tokenizer has ", info.vocab_size,
                 " ids but model.vocab_size is ", c.vocab_size, " (set model.vocab_size >= ", info.vocab_size, ")");
  VCC_USER_CHECK(c.pad_token_id == info.pad_id, path, ": the split pads with id ", info.pad_id,
                 " but model.pad_token_id is ", c.pad_token_id, " (set model.pad_token_id=", info.pad_id, ")");
  if (c.is_t5() && info.eos_id >= 0)
    VCC_USER_CHECK(c.eos_token_id == info.eos_id, path, ": the split ends sequences with id ", info.eos_id,
                   " but model.eos_token_id is ", c.eos_token_id, " (set model.eos_token_id=", info.eos_id, ")");
  const int64_t n = info.max_length;
  if (c.is_bert_family()) {
    const int64_t rows = c.position_offset() + n;
    VCC_USER_CHECK(c.max_position_embeddings >= rows, path, ": inputs of ", n, " tokens need ", rows,
                   " position rows but model.max_position_embeddings is ", c.max_position_embeddings);
  }
  if (c.segment_local_layers > 0)
    VCC_USER_CHECK(n % c.segment_size == 0, path, ": input length ", n, " is not a multiple of model.segment_size ",
                   c.segment_size, " (needed by model.segment_local_layers ", c.segment_local_layers, ")");
  if (c.vcc.enabled) {
    try {
      c.vcc.validate(n);
    } catch (const Error& e) {
      throw Error(path + ": model.vcc does not fit inputs of " + std::to_string(n) + " tokens: " + e.what());
    }
  }
  if (info.task == data::Task::QaExtractive) {
    VCC_USER_CHECK(c.is_bert_family(), path, ": the split is qa_extractive, which needs a BERT-family model (model.type ",
                   c.type, "); for T5 preprocess with --task seq2seq");
    VCC_USER_CHECK(c.has_head("span"), path,
                   ": the split is qa_extractive, which needs the span head: add span to model.heads (e.g. "
                   "model.heads=[span,answer_type])");
  } else {
    VCC_USER_CHECK(c.is_t5(), path, ": the split is seq2seq, which needs model.type t5 (got ", c.type,
                   "); for an encoder preprocess with --task qa_extractive");
  }
}

std::unique_ptr<ModelTask> make_task(std::shared_ptr<nn::Module> model, const models::ModelConfig& config,
                                     const data::DatasetInfo& info, const std::string& split_path,
                                     const TaskOptions& options) {
  check_model_fits_data(config, info, split_path);
  // With model.vcc.enabled the models install the VCC region themselves
  // (models/encoder_stack.h); tasks pass each batch's importance mask with its inputs.
  if (info.task == data::Task::QaExtractive) {
    auto roberta = std::dynamic_pointer_cast<models::RobertaModel>(model);
    VCC_CHECK(roberta != nullptr, "a BERT-family config built a model that is not a RobertaModel");
    return std::make_unique<ExtractiveQaTask>(std::move(roberta), options);
  }
  auto t5 = std::dynamic_pointer_cast<models::T5Model>(model);
  VCC_CHECK(t5 != nullptr, "a t5 config built a model that is not a T5Model");
  return std::make_unique<Seq2SeqTask>(std::move(t5), options, info.max_target_length);
}

data::Tokenizer load_split_tokenizer(const std::string& model_path, const data::DatasetInfo& info,
                                     const std::string& split_path) {
  data::TokenizerOptions o;
  const nlohmann::json added = nlohmann::json::parse(info.added_tokens_json, nullptr, /*allow_exceptions=*/false);
  VCC_USER_CHECK(added.is_array(), split_path, ": malformed added_tokens attribute");
  for (const auto& t : added) {
    VCC_USER_CHECK(t.is_string(), split_path, ": malformed added_tokens attribute");
    o.added_tokens.push_back(t.get<std::string>());
  }
  data::Tokenizer tok = data::Tokenizer::load(model_path, o);
  if (tok.vocab_size() != info.vocab_size) {
    // The split was made with a sentinel count other than the automatic one.
    const int64_t extra = info.vocab_size - tok.base_vocab_size() - static_cast<int64_t>(o.added_tokens.size());
    VCC_USER_CHECK(extra >= 0, "tokenizer ", model_path, " has ", tok.base_vocab_size(), " pieces but ", split_path,
                   " was made with a vocabulary of ", info.vocab_size, ": wrong data.tokenizer?");
    o.extra_ids = static_cast<int>(extra);
    tok = data::Tokenizer::load(model_path, o);
  }
  VCC_USER_CHECK(info.tokenizer_hash.empty() || tok.hash() == info.tokenizer_hash, "tokenizer ", model_path,
                 " is not the one ", split_path, " was made with (hash ", tok.hash().substr(0, 12), " vs ",
                 info.tokenizer_hash.substr(0, 12), ")");
  return tok;
}

data::Batch slice_batch(const data::Batch& b, int64_t begin, int64_t count) {
  VCC_CHECK(begin >= 0 && count >= 0 && begin + count <= b.size(), "rows [", begin, ", ", begin + count,
            ") of a batch of ", b.size());
  auto rows = [&](const Tensor& t) { return t.defined() ? t.narrow(0, begin, count) : Tensor(); };
  data::Batch out;
  out.input_ids = rows(b.input_ids);
  out.attention_mask = rows(b.attention_mask);
  out.importance_mask = rows(b.importance_mask);
  out.query_length = rows(b.query_length);
  out.labels = rows(b.labels);
  out.answer_start = rows(b.answer_start);
  out.answer_end = rows(b.answer_end);
  out.answer_type = rows(b.answer_type);
  out.example_indices.assign(b.example_indices.begin() + begin, b.example_indices.begin() + begin + count);
  out.position = b.position;
  return out;
}

int64_t batch_tokens(const data::Batch& b) {
  int64_t n = 0;
  if (b.attention_mask.defined())
    for (int64_t v : b.attention_mask.to(DType::I64).to_vector<int64_t>()) n += v != 0;
  if (b.labels.defined())
    for (int64_t v : b.labels.to(DType::I64).to_vector<int64_t>()) n += v != data::kIgnoreLabel;
  return n;
}

}  // namespace vcc::train
