#pragma once
// ModelTask: what the trainer and vcc-eval need from a model on one kind of task — the
// training loss of a batch, answers for a batch, and the module that holds the weights.
// One implementation per task kind:
//   qa_extractive  BERT-family encoder with the span head (+ the HotpotQA answer-type
//                  head): train/extractive_qa_task.h
//   seq2seq        T5 encoder-decoder, answers generated greedily or by beam search:
//                  train/seq2seq_task.h
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "autograd/variable.h"
#include "data/batcher.h"
#include "data/example.h"
#include "data/hdf5_dataset.h"
#include "data/tokenizer.h"
#include "models/model_config.h"
#include "nn/module.h"

namespace vcc::train {

struct TaskPrediction {
  std::string text;                                   // the answer ("yes"/"no" for those types)
  data::AnswerType type = data::AnswerType::Span;
};

struct TaskOptions {
  const data::Tokenizer* tokenizer = nullptr;  // decodes answers; predict() needs it
  Device device = Device::cpu();               // where batches go (the model's device)
  int64_t max_answer_tokens = 30;              // extractive: longest span
  int64_t num_beams = 1;                       // seq2seq: 1 = greedy
  int64_t max_new_tokens = 0;                  // seq2seq: 0 = the split's max_target_length
  double length_penalty = 1.0;
};

class ModelTask {
 public:
  virtual ~ModelTask() = default;

  // "qa_extractive" or "seq2seq".
  virtual std::string name() const = 0;
  virtual nn::Module& module() = 0;

  // The batch's mean loss as a one-element Var, with dropout and VCC exploration when
  // `training` (the module is switched to that mode).
  virtual Var loss(const data::Batch& batch, bool training) = 0;
  // What the batch's loss is a mean over (examples, or label tokens): the weight of the
  // batch in a mean over several batches.
  virtual double loss_weight(const data::Batch& batch) const = 0;
  // One answer per row, in eval mode without gradients.
  virtual std::vector<TaskPrediction> predict(const data::Batch& batch) = 0;
  // The eval-mode loss (as a double) and the answers of a batch; tasks whose answers come
  // from the same forward pass as the loss override it to run the model once.
  virtual std::pair<double, std::vector<TaskPrediction>> loss_and_predict(const data::Batch& batch);
};

// The task for a model and a split: the dataset's task (qa_extractive / seq2seq) must suit
// the model (span head on a BERT-family encoder / t5). Errors name the split and the option
// to change.
std::unique_ptr<ModelTask> make_task(std::shared_ptr<nn::Module> model, const models::ModelConfig& config,
                                     const data::DatasetInfo& info, const std::string& split_path,
                                     const TaskOptions& options);

// Checks that a model config can read a split (vocabulary, padding id, input length,
// positions, VCC block arithmetic); errors name the option and the file.
void check_model_fits_data(const models::ModelConfig& config, const data::DatasetInfo& info,
                           const std::string& split_path);

// The tokenizer a split was made with: the SentencePiece model at `model_path` with the
// split's added tokens and sentinel count; an error naming both files when its hash differs
// from the one stored in the split.
data::Tokenizer load_split_tokenizer(const std::string& model_path, const data::DatasetInfo& info,
                                     const std::string& split_path);

// Rows [begin, begin + count) of a batch (views, no copy).
data::Batch slice_batch(const data::Batch& batch, int64_t begin, int64_t count);
// Real (unmasked) input tokens plus label tokens of a batch.
int64_t batch_tokens(const data::Batch& batch);

}  // namespace vcc::train
