#pragma once
// The options of vcc-train (train.*, data.*, valid.*, checkpoint.*, log.*, dist.*), the
// registry of everything a training config may hold (these + model.* + optim.* +
// schedule.*), loading a config (defaults < the init checkpoint's model.yaml < YAML files
// in order < command-line overrides), and the checked, typed view the trainer reads.
#include <cstdint>
#include <string>
#include <vector>

#include "core/precision.h"
#include "io/config.h"

namespace vcc::train {

void register_train_options(io::OptionRegistry& registry);

// train + model + optim options: the registry vcc-train checks every key against.
io::OptionRegistry training_registry();

// Loads the effective config. When train.init_from names a checkpoint folder (in a file or
// an override), its model.yaml supplies the model.* values before the files, so a config
// only states what it changes (e.g. model.vcc.*). Errors are one line naming the file/key.
io::Config load_training_config(const std::vector<std::string>& files, const std::vector<std::string>& overrides);

// The validation metric names valid.metric accepts, and whether higher is better.
const std::vector<std::string>& validation_metric_names();
bool higher_is_better(const std::string& metric);

enum class NanPolicy { Stop, Skip };

// The non-model options, read once and checked (ranges, choices, required files); errors
// name the option and the accepted values.
struct TrainSettings {
  std::string run_dir;
  uint64_t seed = 0;
  int threads = 0;
  std::string device;
  Precision precision = Precision::FP32;
  bool tf32 = true;  // float32 GEMMs on a GPU in TF32
  int64_t batch_size = 0, accum_steps = 1, epochs = 0, max_steps = 0, stop_at_step = 0;
  std::string init_from, resume;
  NanPolicy nan_policy = NanPolicy::Stop;
  int64_t max_nan_skips = 0;
  bool gradient_checkpointing = false;

  std::string train_file, valid_file, tokenizer;
  bool shuffle = true, preload = true, drop_last = true;

  int64_t valid_every = 0, valid_batch_size = 0, valid_max_examples = 0, valid_patience = 0;
  std::string valid_metric;
  bool valid_predict = true, valid_rouge = false;
  int64_t max_answer_tokens = 30, num_beams = 1, max_new_tokens = 0;
  double length_penalty = 1.0;

  int64_t checkpoint_every = 0, keep_last = 0;
  bool keep_best = true, save_optimizer = true;

  int64_t log_every = 10;

  std::string dist_backend, rendezvous_file;
  double bucket_mb = 25;

  static TrainSettings from(const io::Config& config);
};

}  // namespace vcc::train
