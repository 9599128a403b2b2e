#include "train/train_options.h"

#include <algorithm>
#include <filesystem>

#include "core/error.h"
#include "models/model_config.h"
#include "optim/optim_config.h"

namespace vcc::train {

void register_train_options(io::OptionRegistry& r) {
  r.add("train.run_dir", "runs/default", "Run folder: config.yaml, train.log, metrics.jsonl and the checkpoints.")
      .add("train.seed", 1234, "Seed of initialisation, shuffling, dropout and VCC exploration.")
      .add("train.threads", 0, "CPU threads of kernels and BLAS; 0 = OMP_NUM_THREADS if set, else all cores.")
      .add("train.device", "cpu", "Device of the model and batches: cpu, cuda or cuda:N.")
      .add("train.precision", "fp32",
           "Linear layers' GEMM operands: fp32, or bf16 (float32 accumulation, float32 master weights; attention, "
           "norms, VCC block means and the loss stay float32). For GPUs; on the CPU bf16 gives the same numbers, "
           "slower.")
      .add("train.tf32", true,
           "On a GPU, float32 GEMMs use TF32 tensor cores (inputs rounded to 10-bit mantissas, float32 accumulation), "
           "as PyTorch's defaults do for convolutions; false = exact float32 products. No effect on the CPU.")
      .add("train.batch_size", 32, "Global batch: examples per optimizer step over all processes and accumulation.")
      .add("train.accum_steps", 1, "Micro-batches each process accumulates per optimizer step.")
      .add("train.epochs", 10, "Passes over the training set (ignored when train.max_steps > 0).")
      .add("train.max_steps", 0, "Optimizer steps to train; 0 = train.epochs x batches per epoch.")
      .add("train.init_from", "",
           "Checkpoint folder to start from (weights; its model.yaml gives the model.* defaults); empty = fresh "
           "weights.")
      .add("train.resume", "",
           "Continue a run: auto (newest complete checkpoint of train.run_dir, or a fresh start if none) or a "
           "checkpoint folder; empty = new run.")
      .add("train.stop_at_step", 0,
           "Save a checkpoint and stop after this step (0 = off), e.g. to fit a time-limited job; resume with "
           "--resume auto.")
      .add("train.nan_policy", "stop", "When the loss or gradient norm is NaN/Inf: stop (with the step) or skip the step.")
      .add("train.max_nan_skips", 10, "With nan_policy skip: stop after this many consecutive skipped steps.")
      .add("train.gradient_checkpointing", false, "Recompute encoder layers before the VCC region and T5 decoder layers in backward instead of keeping activations.")
      .add("data.train", "", "Training split (HDF5 from vcc-preprocess).")
      .add("data.valid", "", "Validation split (HDF5); empty = no validation.")
      .add("data.tokenizer", "",
           "SentencePiece model of the splits: decodes predictions for EM/F1/ROUGE and is copied into checkpoints.")
      .add("data.shuffle", true, "Shuffle the training set each epoch (seeded by train.seed and the epoch).")
      .add("data.preload", true, "Read whole splits into memory (false: read rows from the file on demand).")
      .add("data.drop_last", true, "Drop the last incomplete global batch of each epoch.")
      .add("valid.every_steps", 0, "Validate every N optimizer steps; 0 = at the end of every epoch.")
      .add("valid.batch_size", 0, "Validation global batch; 0 = train.batch_size / train.accum_steps.")
      .add("valid.max_examples", 0, "Validate on the first N examples only; 0 = all.")
      .add("valid.metric", "loss", "Metric for best-so-far and early stopping: loss, em, f1, rouge1, rouge2, rougeL, rougeLsum.")
      .add("valid.patience", 0, "Stop after this many validations without a new best; 0 = never stop early.")
      .add("valid.predict", true, "Decode answers and compute EM/F1 (and ROUGE); false = loss only.")
      .add("valid.rouge", false, "Also compute ROUGE-1/2/L/Lsum of the answers (summaries, NarrativeQA).")
      .add("valid.max_answer_tokens", 30, "Extractive QA: longest answer span considered, in tokens.")
      .add("valid.num_beams", 1, "Seq2seq: beam size of generation (1 = greedy).")
      .add("valid.max_new_tokens", 0, "Seq2seq: longest generated answer; 0 = the split's target length.")
      .add("valid.length_penalty", 1.0, "Seq2seq beam search: score = log p / length^penalty.")
      .add("checkpoint.every_steps", 0, "Save a checkpoint every N steps; 0 = at the end of every epoch (always at the end).")
      .add("checkpoint.keep_last", 3, "Keep the newest N checkpoints (plus the best one); 0 = keep all.")
      .add("checkpoint.keep_best", true, "Never delete the checkpoint with the best validation metric.")
      .add("checkpoint.optimizer", true, "Save the optimizer state (needed to resume exactly).")
      .add("log.every_steps", 10, "Print one training line (and one JSON line in metrics.jsonl) every N steps.")
      .add("dist.backend", "auto", "Communication: auto (mpi under mpirun, else single), single, mpi or nccl.")
      .add("dist.bucket_mb", 25.0, "Gradient all-reduce bucket size in MiB.")
      .add("dist.rendezvous_file", "", "NCCL without MPI: a file path every process can see, unique to the job.");
}

io::OptionRegistry training_registry() {
  io::OptionRegistry r;
  register_train_options(r);
  models::register_model_options(r);
  optim::register_optim_options(r);
  return r;
}

io::Config load_training_config(const std::vector<std::string>& files, const std::vector<std::string>& overrides) {
  const io::OptionRegistry registry = training_registry();
  io::Config config = io::Config::load(registry, files, overrides);
  const std::string init = config.get<std::string>("train.init_from");
  if (init.empty()) return config;
  const std::string model_yaml = init + "/model.yaml";
  VCC_USER_CHECK(std::filesystem::is_directory(init), "option 'train.init_from': checkpoint folder '", init,
                 "' not found");
  io::Config with_init(registry);
  with_init.merge_yaml(io::read_text_file(model_yaml, "model config"), model_yaml);
  for (const std::string& f : files) with_init.merge_file(f);
  with_init.apply_overrides(overrides);
  return with_init;
}

const std::vector<std::string>& validation_metric_names() {
  static const std::vector<std::string> names = {"loss", "em", "f1", "rouge1", "rouge2", "rougeL", "rougeLsum"};
  return names;
}

bool higher_is_better(const std::string& metric) { return metric != "loss"; }

namespace {

std::string joined(const std::vector<std::string>& names) {
  std::string s;
  for (size_t i = 0; i < names.size(); ++i) s += (i ? ", " : "") + names[i];
  return s;
}

void check_positive(const io::Config& c, const std::string& key, int64_t min) {
  const int64_t v = c.get<int64_t>(key);
  VCC_USER_CHECK(v >= min, "option '", key, "' is ", v, " (must be >= ", min, ")");
}

}  // namespace

TrainSettings TrainSettings::from(const io::Config& c) {
  for (const char* key : {"train.batch_size", "train.accum_steps", "log.every_steps"}) check_positive(c, key, 1);
  for (const char* key : {"train.threads", "train.epochs", "train.max_steps", "train.stop_at_step", "train.max_nan_skips", "valid.every_steps",
                          "valid.batch_size", "valid.max_examples", "valid.patience", "valid.max_answer_tokens",
                          "valid.max_new_tokens", "checkpoint.every_steps", "checkpoint.keep_last"})
    check_positive(c, key, 0);
  check_positive(c, "valid.num_beams", 1);
  check_positive(c, "valid.max_answer_tokens", 1);

  TrainSettings s;
  s.run_dir = c.get<std::string>("train.run_dir");
  VCC_USER_CHECK(!s.run_dir.empty(), "option 'train.run_dir' is empty");
  s.seed = static_cast<uint64_t>(c.get<int64_t>("train.seed"));
  s.threads = c.get<int>("train.threads");
  s.device = c.get<std::string>("train.device");
  s.precision = parse_precision(c.get<std::string>("train.precision"));
  s.tf32 = c.get<bool>("train.tf32");
  s.batch_size = c.get<int64_t>("train.batch_size");
  s.accum_steps = c.get<int64_t>("train.accum_steps");
  s.epochs = c.get<int64_t>("train.epochs");
  s.max_steps = c.get<int64_t>("train.max_steps");
  VCC_USER_CHECK(s.epochs > 0 || s.max_steps > 0, "options 'train.epochs' and 'train.max_steps' are both 0: nothing to train");
  s.stop_at_step = c.get<int64_t>("train.stop_at_step");
  s.init_from = c.get<std::string>("train.init_from");
  s.resume = c.get<std::string>("train.resume");
  const std::string nan = c.get<std::string>("train.nan_policy");
  VCC_USER_CHECK(nan == "stop" || nan == "skip", "option 'train.nan_policy' must be stop or skip, got '", nan, "'");
  s.nan_policy = nan == "skip" ? NanPolicy::Skip : NanPolicy::Stop;
  s.max_nan_skips = c.get<int64_t>("train.max_nan_skips");
  s.gradient_checkpointing = c.get<bool>("train.gradient_checkpointing");

  s.train_file = c.get<std::string>("data.train");
  VCC_USER_CHECK(!s.train_file.empty(), "option 'data.train' is not set: give the training split (an HDF5 file "
                                        "written by vcc-preprocess), e.g. --set data.train=data/train.h5");
  s.valid_file = c.get<std::string>("data.valid");
  s.tokenizer = c.get<std::string>("data.tokenizer");
  s.shuffle = c.get<bool>("data.shuffle");
  s.preload = c.get<bool>("data.preload");
  s.drop_last = c.get<bool>("data.drop_last");

  s.valid_every = c.get<int64_t>("valid.every_steps");
  s.valid_batch_size = c.get<int64_t>("valid.batch_size");
  s.valid_max_examples = c.get<int64_t>("valid.max_examples");
  s.valid_patience = c.get<int64_t>("valid.patience");
  s.valid_metric = c.get<std::string>("valid.metric");
  const auto& names = validation_metric_names();
  VCC_USER_CHECK(std::find(names.begin(), names.end(), s.valid_metric) != names.end(), "option 'valid.metric': unknown metric '",
                 s.valid_metric, "' (expected one of ", joined(names), ")");
  s.valid_predict = c.get<bool>("valid.predict");
  s.valid_rouge = c.get<bool>("valid.rouge");
  if (s.valid_metric != "loss") {
    VCC_USER_CHECK(s.valid_predict, "option 'valid.metric' is ", s.valid_metric, " but valid.predict is false (set "
                                    "valid.predict=true or valid.metric=loss)");
    VCC_USER_CHECK(s.valid_metric.rfind("rouge", 0) != 0 || s.valid_rouge, "option 'valid.metric' is ", s.valid_metric,
                   " but valid.rouge is false (set valid.rouge=true)");
  }
  s.max_answer_tokens = c.get<int64_t>("valid.max_answer_tokens");
  s.num_beams = c.get<int64_t>("valid.num_beams");
  s.max_new_tokens = c.get<int64_t>("valid.max_new_tokens");
  s.length_penalty = c.get<double>("valid.length_penalty");

  s.checkpoint_every = c.get<int64_t>("checkpoint.every_steps");
  s.keep_last = c.get<int64_t>("checkpoint.keep_last");
  s.keep_best = c.get<bool>("checkpoint.keep_best");
  s.save_optimizer = c.get<bool>("checkpoint.optimizer");
  s.log_every = c.get<int64_t>("log.every_steps");

  s.dist_backend = c.get<std::string>("dist.backend");
  s.rendezvous_file = c.get<std::string>("dist.rendezvous_file");
  s.bucket_mb = c.get<double>("dist.bucket_mb");
  VCC_USER_CHECK(s.bucket_mb > 0, "option 'dist.bucket_mb' is ", s.bucket_mb, " (must be > 0)");
  return s;
}

}  // namespace vcc::train
