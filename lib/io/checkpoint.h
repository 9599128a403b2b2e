#pragma once
// Checkpoint folders: writing one atomically and reading its parts.
//
// Layout of one checkpoint (e.g. runs/wikihop/step-000100/):
//   model.h5       weights, one dataset per parameter path, tied weights once with an
//                  "aliases" attribute; root attributes format_version and kind (see
//                  io/checkpoint_tensors.h)
//   model.yaml     the model's configuration text (e.g. Config::dump("model"))
//   optimizer.h5   optional: optimizer state as named tensors ("exp_avg.<path>", ...)
//   trainer.yaml   optional: TrainerState (step, epoch, data position, RNG, best metric)
//   tokenizer/     optional: a copy of the tokenizer file, under its own name
//   DONE           written last; a folder without it is not a checkpoint
// The folder is built as "<dir>.tmp-<pid>" and renamed to <dir> once complete, so a crash
// leaves either the old state or a complete checkpoint, never a half-written one.
//
//   io::CheckpointContents c;
//   c.set_model(model);
//   c.model_config = cfg.dump("model");
//   c.optimizer_state = optimizer.export_state();
//   c.trainer_state = state;
//   io::save_checkpoint(run_dir + "/" + io::checkpoint_name(step), c);
//   ...
//   io::Checkpoint ck = io::Checkpoint::open(io::find_latest_checkpoint(run_dir)->path);
//   ck.load_model(model);
//   if (auto s = ck.optimizer_state()) optimizer.import_state(*s, ck.path() + "/optimizer.h5");
#include <optional>
#include <string>

#include "io/checkpoint_tensors.h"
#include "io/checkpoint_trainer_state.h"

namespace vcc::io {

struct CheckpointContents {
  NamedTensors weights;     // parameter path -> tensor (any device)
  TensorAliases aliases;    // tied names -> stored name
  std::string model_config; // text of model.yaml
  std::optional<NamedTensors> optimizer_state;
  std::optional<TrainerState> trainer_state;
  std::string tokenizer_file;  // copied into tokenizer/ when not empty

  // weights and aliases from a module (its tensors are referenced, not copied).
  void set_model(const nn::Module& module);
};

// Writes the checkpoint folder `dir` atomically. An existing `dir` is an error unless
// `replace` is true, in which case it is swapped out only once the new one is complete.
void save_checkpoint(const std::string& dir, const CheckpointContents& contents, bool replace = false);

// True when `dir` holds a complete checkpoint (its DONE marker exists).
bool is_complete_checkpoint(const std::string& dir);

// Reader of a complete checkpoint folder.
class Checkpoint {
 public:
  // Checks that the folder exists and is complete (DONE).
  static Checkpoint open(const std::string& dir);

  const std::string& path() const { return dir_; }
  // Strict load into the module (see io::load_module).
  void load_model(nn::Module& module) const;
  // The raw weights and aliases of model.h5.
  TensorFile model_tensors() const;
  std::string model_config() const;
  // nullopt when the checkpoint has no optimizer.h5 / trainer.yaml / tokenizer.
  std::optional<NamedTensors> optimizer_state() const;
  std::optional<TrainerState> trainer_state() const;
  std::optional<std::string> tokenizer_path() const;

  std::string file(const std::string& name) const { return dir_ + "/" + name; }

 private:
  explicit Checkpoint(std::string dir) : dir_(std::move(dir)) {}
  std::string dir_;
};

}  // namespace vcc::io
