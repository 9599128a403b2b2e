#pragma once
// Sequence-to-sequence QA/summarisation on T5: teacher-forced mean token cross-entropy of
// the labels; answers by greedy or beam-search generation, decoded with the tokenizer.
#include <memory>
#include <vector>

#include "models/t5.h"
#include "train/task.h"

namespace vcc::train {

// The answer text of generated ids: up to the first eos; ids outside the tokenizer (the
// padding rows of a model's vocabulary) are dropped.
std::string generated_text(const std::vector<int64_t>& ids, int64_t eos, const data::Tokenizer& tokenizer);

class Seq2SeqTask : public ModelTask {
 public:
  // max_target_length: the split's label length (the default generation budget).
  // vcc: the encoder's VCC hook when model.vcc.enabled (gets each batch's importance mask).
  Seq2SeqTask(std::shared_ptr<models::T5Model> model, const TaskOptions& options, int64_t max_target_length);

  std::string name() const override { return "seq2seq"; }
  nn::Module& module() override { return *model_; }
  Var loss(const data::Batch& batch, bool training) override;
  // Label tokens (labels != -100).
  double loss_weight(const data::Batch& batch) const override;
  std::vector<TaskPrediction> predict(const data::Batch& batch) override;

 private:
  // The batch's importance mask on the task's device (undefined when the split has none).
  Tensor importance_of(const data::Batch& batch) const;

  std::shared_ptr<models::T5Model> model_;
  TaskOptions options_;
  int64_t max_target_length_;
};

}  // namespace vcc::train
