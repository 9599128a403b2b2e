#include "train/trainer.h"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <ostream>
#include <sstream>
#include <thread>
#include <unistd.h>

#include "core/allocator.h"
#include "core/error.h"
#include "core/parallel.h"
#include "core/rng.h"
#include "data/batcher.h"
#include "data/hdf5_dataset.h"
#include "dist/gradient_sync.h"
#include "dist/local_rank.h"
#include "io/checkpoint.h"
#include "io/checkpoint_run.h"
#include "io/config_value.h"
#include "kernels/elementwise.h"
#include "models/model_factory.h"
#include "models/roberta.h"
#include "models/t5.h"
#include "nn/compute_precision.h"
#include "optim/clip_grad.h"
#include "optim/optim_config.h"
#include "train/stop_signal.h"

#if defined(VCC_WITH_CUDA)
#include "core/cuda/blas_handle.h"
#endif
#include "train/task.h"
#include "train/train_log.h"
#include "train/train_options.h"
#include "train/validation.h"

namespace vcc::train {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  if (!v || !*v) return fallback;
  char* end = nullptr;
  const long n = std::strtol(v, &end, 10);
  return end != v && n > 0 ? static_cast<int>(n) : fallback;
}

// train.threads, or OMP_NUM_THREADS, or the cores shared among the processes of this node.
int choose_threads(int requested) {
  if (requested > 0) return requested;
  if (std::getenv("OMP_NUM_THREADS")) return num_threads();
  const int local = env_int("OMPI_COMM_WORLD_LOCAL_SIZE", env_int("MPI_LOCALNRANKS", 1));
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  return std::max(1, cores / local);
}

// The dropout / exploration stream of micro-batch `micro` (global index) of step `step`:
// 2^32 offsets each, so no two micro-batches of a run share draws.
uint64_t micro_batch_offset(int64_t step, int64_t micro_per_step, int64_t micro) {
  return (static_cast<uint64_t>(step) * static_cast<uint64_t>(micro_per_step) + static_cast<uint64_t>(micro)) << 32;
}

// <run>/<name> -> <target>, replaced atomically (a symlink renamed over the old one).
void update_link(const std::string& run_dir, const std::string& name, const std::string& target) {
  const fs::path link = fs::path(run_dir) / name;
  const fs::path tmp = fs::path(run_dir) / ("." + name + ".tmp-" + std::to_string(::getpid()));
  std::error_code ec;
  fs::remove(tmp, ec);
  fs::create_directory_symlink(target, tmp, ec);
  if (!ec) fs::rename(tmp, link, ec);
  if (ec) fs::remove(tmp, ec);
}

std::string non_default_options(const io::Config& c) {
  std::string s;
  for (const io::OptionSpec& spec : c.registry().specs()) {
    if (c.is_default(spec.key)) continue;
    s += (s.empty() ? "" : ", ") + spec.key + "=" + io::format_option_value(c.value(spec.key));
  }
  return s.empty() ? "(all defaults)" : s;
}

// Keys whose values differ between the run's earlier config.yaml and the current one.
std::string changed_options(const io::Config& now, const std::string& previous_path) {
  if (!fs::exists(previous_path)) return "";
  try {
    io::Config before(now.registry());
    before.merge_file(previous_path);
    std::string s;
    for (const io::OptionSpec& spec : now.registry().specs()) {
      if (spec.key == "train.resume" || spec.key == "train.stop_at_step") continue;
      const std::string a = io::format_option_value(before.value(spec.key));
      const std::string b = io::format_option_value(now.value(spec.key));
      if (a != b) s += (s.empty() ? "" : ", ") + spec.key + ": " + a + " -> " + b;
    }
    return s;
  } catch (const Error& e) {
    return std::string("(cannot compare with ") + previous_path + ": " + e.what() + ")";
  }
}

}  // namespace

struct Trainer::Impl {
  io::Config config;
  TrainSettings s;
  dist::Communicator& comm;
  std::ostream& out;
  Device device = Device::cpu();
  int threads = 1;

  models::ModelConfig model_config;
  std::unique_ptr<data::DatasetReader> train_data, valid_data;
  data::Tokenizer tokenizer;
  std::shared_ptr<nn::Module> model;
  std::unique_ptr<ModelTask> task;
  optim::OptimizerSetup opt;
  std::unique_ptr<data::Batcher> batcher;
  std::vector<Var> params;
  std::unique_ptr<dist::GradientSync> sync;
  BestTracker best;
  RunLog log;

  int64_t step = 0, start_step = 0, total = 0, steps_per_epoch = 0;
  int64_t micro_per_step = 1;  // world size x accumulation
  std::string resumed_from;
  int64_t last_saved_step = -1, validated_at = -1;
  bool agreed_stop = false;  // some rank was signalled (agreed through the step's all-reduce)
  std::string last_checkpoint;
  int64_t nan_consecutive = 0, nan_total = 0;
  double tokens_seen = 0;
  // The current display window. Its sums are saved in checkpoints, so a window cut by a stop
  // is completed after the resume and metrics.jsonl equals an uninterrupted run's.
  double win_loss = 0, win_gnorm = 0, win_tokens = 0;
  int64_t win_steps = 0, win_skipped = 0;
  // The part of the window this process timed (a resumed window began before it).
  double win_timed_tokens = 0;
  int64_t win_timed_steps = 0;
  Clock::time_point win_start, loop_start;
  int64_t steps_this_process = 0;
  double last_loss = 0;
  std::function<void(int64_t)> step_callback;

  Impl(const io::Config& c, dist::Communicator& cm, std::ostream& o)
      : config(c),
        s(TrainSettings::from(c)),
        comm(cm),
        out(o),
        best(s.valid_metric, higher_is_better(s.valid_metric), s.valid_patience) {}

  bool root() const { return comm.is_root(); }

  void setup();
  std::string resolve_resume() const;
  void prepare_run_dir() const;
  void restore(const std::string& path);
  io::TrainerState trainer_state() const;
  void save(int64_t at_step, const std::string& why);
  void train_step(bool& epoch_end);
  void flush_window();
  void validate_now();
};

void Trainer::Impl::setup() {
  device = dist::device_for_this_process(s.device, "option 'train.device'");
  // Device memory is allocated on the current device: make ours current before any.
  set_current_device(device);
  threads = choose_threads(s.threads);
#if defined(VCC_WITH_CUDA)
  if (device.is_cuda()) cuda::set_allow_tf32(s.tf32);
#endif
  set_num_threads(threads);
  const int world = comm.world_size();
  micro_per_step = world * s.accum_steps;
  VCC_USER_CHECK(s.batch_size % micro_per_step == 0, "option 'train.batch_size' (", s.batch_size,
                 ") must be a multiple of processes x train.accum_steps (", world, " x ", s.accum_steps, " = ",
                 micro_per_step, ")");

  // Data.
  train_data = std::make_unique<data::DatasetReader>(s.train_file, s.preload);
  const data::DatasetInfo& info = train_data->info();
  if (!s.valid_file.empty()) {
    valid_data = std::make_unique<data::DatasetReader>(s.valid_file, s.preload);
    const data::DatasetInfo& v = valid_data->info();
    VCC_USER_CHECK(v.tokenizer_hash == info.tokenizer_hash, s.valid_file, " was made with another tokenizer than ",
                   s.train_file);
    VCC_USER_CHECK(v.task == info.task, s.valid_file, " is a ", data::task_name(v.task), " split but ", s.train_file,
                   " is ", data::task_name(info.task));
    // Found now, not at the first validation after hours of training.
    VCC_USER_CHECK(valid_data->size() > 0, s.valid_file,
                   ": the validation split has no examples (option 'data.valid'; set data.valid= to train without "
                   "validation)");
  }
  if (!s.tokenizer.empty()) tokenizer = load_split_tokenizer(s.tokenizer, info, s.train_file);
  if (valid_data && s.valid_predict)
    VCC_USER_CHECK(tokenizer.loaded(), "validation answers (valid.predict) need the tokenizer: set data.tokenizer to the "
                                       "SentencePiece model the splits were made with, or valid.predict=false");

  // Model.
  model_config = models::model_config_from(config);
  model_config.validate();
  check_model_fits_data(model_config, info, s.train_file);
  model = models::build_model(model_config);
  if (s.gradient_checkpointing) {
    if (auto r = std::dynamic_pointer_cast<models::RobertaModel>(model)) r->layers().set_checkpointing(true);
    if (auto t = std::dynamic_pointer_cast<models::T5Model>(model)) t->set_gradient_checkpointing(true);
  }
  nn::set_compute_precision(*model, s.precision);
  for (const auto& [name, p] : model->named_parameters()) params.push_back(p);

  TaskOptions to;
  to.tokenizer = tokenizer.loaded() ? &tokenizer : nullptr;
  to.device = device;
  to.max_answer_tokens = s.max_answer_tokens;
  to.num_beams = s.num_beams;
  to.max_new_tokens = s.max_new_tokens;
  to.length_penalty = s.length_penalty;
  task = make_task(model, model_config, info, s.train_file, to);

  data::BatcherOptions bo;
  bo.batch_size = s.batch_size;
  bo.rank = comm.rank();
  bo.world_size = world;
  bo.seed = s.seed;
  bo.shuffle = s.shuffle;
  bo.drop_last = s.drop_last;
  VCC_USER_CHECK(!s.drop_last || train_data->size() >= s.batch_size, s.train_file, ": ", train_data->size(),
                 " examples make no complete global batch of ", s.batch_size,
                 " (lower train.batch_size or set data.drop_last=false)");
  batcher = std::make_unique<data::Batcher>(*train_data, bo);
  steps_per_epoch = batcher->batches_per_epoch();
  VCC_USER_CHECK(steps_per_epoch > 0, s.train_file, ": no examples to train on");
  total = s.max_steps > 0 ? s.max_steps : s.epochs * steps_per_epoch;
  const int64_t warmup = config.get<int64_t>("schedule.warmup_steps");
  VCC_USER_CHECK(warmup <= total || config.get<std::string>("schedule.name") == "constant" ||
                     config.get<std::string>("schedule.name") == "inverse_sqrt",
                 "option 'schedule.warmup_steps' (", warmup, ") is more than the ", total,
                 " steps of the run (train.max_steps, or train.epochs x ", steps_per_epoch, " batches): lower it");
  opt = optim::make_optimizer(config, model->named_parameters(), total);
  sync = std::make_unique<dist::GradientSync>(comm, params, static_cast<int64_t>(s.bucket_mb * 1024 * 1024));
  if (valid_data) {
    const int64_t vb = s.valid_batch_size > 0 ? s.valid_batch_size : s.batch_size / s.accum_steps;
    VCC_USER_CHECK(vb % world == 0, "option 'valid.batch_size' (", vb, ") must be a multiple of the ", world,
                   " processes");
  }

  // What a killed or failed earlier run left behind goes first, so the resume sees only
  // complete checkpoints and `last` names one (logged once the log is open).
  std::vector<std::string> cleaned;
  if (root()) {
    prepare_run_dir();
    cleaned = io::clean_run_folder(s.run_dir);
  }
  comm.barrier();

  // Weights: a checkpoint to resume, the init checkpoint, or fresh ones.
  const std::string resume = resolve_resume();
  if (!resume.empty()) {
    if (device != Device::cpu())
      for (Var& p : params) p.node()->value = p.value().to(device);
    restore(resume);
  } else {
    if (!s.init_from.empty())
      io::Checkpoint::open(s.init_from).load_model(*model);
    else
      models::init_weights(*model, model_config, s.seed);
    if (device != Device::cpu())
      for (Var& p : params) p.node()->value = p.value().to(device);
    sync->broadcast_parameters();
  }

  if (root()) {
    const std::string cfg_path = s.run_dir + "/config.yaml";
    const std::string changed = resumed_from.empty() ? "" : changed_options(config, cfg_path);
    config.save(cfg_path);
    // Records after the start step (from a later, lost part of the run) are dropped.
    log.open(s.run_dir, &out, start_step);
    log.file_only("# effective config\n" + config.dump());
    if (resumed_from.empty())
      log.line("[run] new run in " + s.run_dir + (s.init_from.empty() ? "" : " from " + s.init_from));
    else
      log.line("[run] resumed " + s.run_dir + " from " + resumed_from + " at step " + std::to_string(start_step));
    if (!changed.empty()) log.line("[run] options changed since the last start: " + changed);
    for (const std::string& c : cleaned) log.line("[run] cleanup after an interrupted run: " + c);
    std::ostringstream m;
    m << "[run] model: " << model_config.describe() << "; " << format_count(static_cast<double>(model->parameter_count()))
      << " parameters; VCC " << (model_config.vcc.enabled ? model_config.vcc.describe(info.max_length) : "off");
    log.line(m.str());
    std::ostringstream d;
    d << "[run] data: " << s.train_file << " (" << train_data->size() << " " << data::task_name(info.task)
      << " examples of " << info.max_length << " tokens) -> " << steps_per_epoch << " steps/epoch, " << total
      << " steps";
    if (valid_data) d << "; valid " << s.valid_file << " (" << valid_data->size() << " examples)";
    log.line(d.str());
    std::ostringstream b;
    b << "[run] batch " << s.batch_size << " = " << world << " process" << (world > 1 ? "es" : "") << " x "
      << s.accum_steps << " micro-batch" << (s.accum_steps > 1 ? "es" : "") << " x "
      << s.batch_size / micro_per_step << "; " << threads << " thread" << (threads > 1 ? "s" : "") << " each; device "
      << device.str() << "; precision " << precision_name(s.precision)
      << (device.is_cuda() && s.precision == Precision::FP32 ? (s.tf32 ? " (TF32 GEMMs)" : " (exact float32 GEMMs)") : "")
      << (s.precision == Precision::BF16 && device.is_cpu() ? " (Linear layers in bf16 through oneDNN, attention products in bf16, the rest float32)" : "")
      << "; dist " << comm.backend();
    log.line(b.str());
    log.line("[run] options: " + non_default_options(config));
  }
}

// The run folder exists and takes files, checked before any training: a full run that cannot
// save is worse than no run.
void Trainer::Impl::prepare_run_dir() const {
  std::error_code ec;
  fs::create_directories(s.run_dir, ec);
  VCC_USER_CHECK(!ec, "option 'train.run_dir': cannot create ", s.run_dir, ": ", ec.message());
  VCC_USER_CHECK(::access(s.run_dir.c_str(), W_OK | X_OK) == 0, "option 'train.run_dir': cannot write into ", s.run_dir,
                 ": ", std::strerror(errno));
}

std::string Trainer::Impl::resolve_resume() const {
  if (s.resume.empty()) {
    const auto existing = io::find_latest_checkpoint(s.run_dir);
    VCC_USER_CHECK(!existing, "run folder ", s.run_dir, " already has checkpoints (newest ", existing->path,
                   "): continue it with --resume auto, or choose another train.run_dir");
    return "";
  }
  if (s.resume == "auto") {
    const auto latest = io::find_latest_checkpoint(s.run_dir);
    return latest ? latest->path : "";
  }
  VCC_USER_CHECK(io::is_complete_checkpoint(s.resume), "option 'train.resume': '", s.resume,
                 "' is not a complete checkpoint folder (expected auto or a step-NNNNNN folder with DONE)");
  return s.resume;
}

io::TrainerState Trainer::Impl::trainer_state() const {
  io::TrainerState t;
  t.set("step", step);
  t.set("total_steps", total);
  const data::BatchPosition pos = batcher->position();
  t.set("data.epoch", pos.epoch);
  t.set("data.index", pos.index);
  t.set("data.train_examples", train_data->size());
  t.set("data.tokenizer_hash", train_data->info().tokenizer_hash);
  t.set("rng.seed", default_generator().seed());
  t.set("rng.offset", default_generator().offset());
  t.set("train.seed", s.seed);
  t.set("train.batch_size", s.batch_size);
  t.set("train.micro_batches", micro_per_step);
  t.set("nan.consecutive", nan_consecutive);
  t.set("nan.total", nan_total);
  t.set("tokens_seen", tokens_seen);
  t.set("log.window_loss", win_loss);
  t.set("log.window_gnorm", win_gnorm);
  t.set("log.window_tokens", win_tokens);
  t.set("log.window_steps", win_steps);
  t.set("log.window_skipped", win_skipped);
  best.save(t);
  return t;
}

void Trainer::Impl::restore(const std::string& path) {
  const io::Checkpoint ck = io::Checkpoint::open(path);
  ck.load_model(*model);
  const auto opt_state = ck.optimizer_state();
  VCC_USER_CHECK(opt_state.has_value(), path, " has no optimizer state (saved with checkpoint.optimizer=false), so it "
                                          "cannot be resumed exactly: start a new run with train.init_from=", path);
  opt.optimizer->import_state(*opt_state, ck.file("optimizer.h5"));
  const auto state = ck.trainer_state();
  VCC_USER_CHECK(state.has_value(), path, " has no trainer.yaml: it cannot be resumed");
  const io::TrainerState& t = *state;
  const std::string src = path + "/trainer.yaml";
  VCC_USER_CHECK(t.get_int("train.batch_size") == s.batch_size, src, ": the run used train.batch_size ",
                 t.get_int("train.batch_size"), ", now ", s.batch_size, ": the data position would not match");
  VCC_USER_CHECK(t.get_int("data.train_examples") == train_data->size() &&
                     t.get_string("data.tokenizer_hash") == train_data->info().tokenizer_hash,
                 src, ": the run trained on a split of ", t.get_int("data.train_examples"), " examples, but ", s.train_file,
                 " has ", train_data->size(), " (or another tokenizer): resume with the same data.train");
  step = start_step = t.get_int("step");
  batcher->set_position({t.get_int("data.epoch"), t.get_int("data.index")});
  default_generator().set_state(static_cast<uint64_t>(t.get_int("rng.seed")),
                                static_cast<uint64_t>(t.get_int("rng.offset")));
  nan_consecutive = t.get_int("nan.consecutive");
  nan_total = t.get_int("nan.total");
  tokens_seen = t.get_double("tokens_seen");
  win_loss = t.get_double("log.window_loss");
  win_gnorm = t.get_double("log.window_gnorm");
  win_tokens = t.get_double("log.window_tokens");
  win_steps = t.get_int("log.window_steps");
  win_skipped = t.get_int("log.window_skipped");
  best.restore(t);
  resumed_from = path;
  last_saved_step = step;
  last_checkpoint = path;
  if (t.get_int("train.micro_batches") != micro_per_step && root())
    out << "[run] note: the run used " << t.get_int("train.micro_batches") << " micro-batches per step (processes x "
        << "accumulation), now " << micro_per_step << ": dropout draws differ from an uninterrupted run\n";
}

void Trainer::Impl::save(int64_t at_step, const std::string& why) {
  if (at_step == last_saved_step) return;
  const std::string name = io::checkpoint_name(at_step);
  const std::string path = s.run_dir + "/" + name;
  if (root()) {
    const auto t0 = Clock::now();
    io::CheckpointContents c;
    c.set_model(*model);
    c.model_config = config.dump("model");
    if (s.save_optimizer) c.optimizer_state = opt.optimizer->export_state();
    c.trainer_state = trainer_state();
    c.tokenizer_file = s.tokenizer;
    io::save_checkpoint(path, c, /*replace=*/true);
    // The links move to the new checkpoint before rotation deletes any old one, so they never
    // name a folder being deleted.
    update_link(s.run_dir, "last", name);
    if (best.has_best() && best.best_step() == at_step) update_link(s.run_dir, "best", name);
    std::optional<int64_t> keep;
    if (s.keep_best && best.has_best()) keep = best.best_step();
    io::rotate_checkpoints(s.run_dir, static_cast<int>(s.keep_last), keep);
    const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
    log.line("[save] " + path + " (" + why + ", " + format_duration(secs) + ")");
  }
  comm.barrier();
  last_saved_step = at_step;
  last_checkpoint = path;
}

void Trainer::Impl::train_step(bool& epoch_end) {
  const data::Batch batch = batcher->next();
  epoch_end = batcher->position().index == 0;
  const int64_t rows = batch.size(), a = s.accum_steps;
  double micro_count = 0, tokens = 0;
  Tensor loss_total;  // float64, on the device: read once per step, not once per micro-batch
  for (int64_t m = 0; m < a; ++m) {
    const int64_t begin = rows * m / a, count = rows * (m + 1) / a - begin;
    if (count == 0) continue;  // a short final batch (data.drop_last=false)
    const data::Batch mb = slice_batch(batch, begin, count);
    default_generator().set_state(s.seed, micro_batch_offset(step, micro_per_step, comm.rank() * a + m));
    Var loss = task->loss(mb, /*training=*/true);
    const Tensor l = loss.value().to(DType::F64);
    loss_total = loss_total.defined() ? kernels::binary(kernels::BinaryOp::Add, loss_total, l) : l;
    micro_count += 1;
    tokens += static_cast<double>(batch_tokens(mb));
    loss.backward();
  }
  const double loss_sum = loss_total.defined() ? loss_total.item<double>() : 0.0;
  const std::vector<double> sums =
      dist::all_reduce_sum(comm, {loss_sum, micro_count, tokens, stop_requested() != 0 ? 1.0 : 0.0});
  const double mean_loss = sums[0] / sums[1];
  sync->average(sums[1]);
  const double gnorm = optim::clip_grad_norm(params, opt.clip_norm);

  if (!std::isfinite(mean_loss) || !std::isfinite(gnorm)) {
    opt.optimizer->zero_grad();
    const double bad = std::isfinite(mean_loss) ? gnorm : mean_loss;
    std::ostringstream what;
    what << (std::isfinite(mean_loss) ? "gradient norm is " : "loss is ")
         << (std::isnan(bad) ? "nan" : bad > 0 ? "inf" : "-inf") << " at step " << step + 1 << " (epoch "
         << batch.position.epoch + 1 << ", batch " << batch.position.index + 1 << "/" << steps_per_epoch << ")";
    VCC_USER_CHECK(s.nan_policy == NanPolicy::Skip, what.str(), "; stopping without an update (",
                   last_checkpoint.empty() ? std::string("no checkpoint saved yet")
                                           : "last checkpoint " + last_checkpoint,
                   "). A lower optim.lr or more schedule.warmup_steps often helps; train.nan_policy=skip skips such steps");
    ++nan_consecutive;
    ++nan_total;
    ++win_skipped;
    VCC_USER_CHECK(nan_consecutive <= s.max_nan_skips, what.str(), "; ", nan_consecutive,
                   " steps in a row skipped (train.max_nan_skips ", s.max_nan_skips, "): stopping");
    log.line("[train] " + what.str() + ": step skipped (train.nan_policy=skip)");
  } else {
    nan_consecutive = 0;
    opt.optimizer->set_lr_multiplier(optim::lr_multiplier(opt.schedule, step));
    opt.optimizer->step();
    opt.optimizer->zero_grad();
    win_loss += mean_loss;
    win_gnorm += gnorm;
    win_steps += 1;
  }
  win_tokens += sums[2];
  win_timed_tokens += sums[2];
  ++win_timed_steps;
  tokens_seen += sums[2];
  agreed_stop = sums[3] > 0;
  ++step;
  ++steps_this_process;
}

void Trainer::Impl::flush_window() {
  const auto now = Clock::now();
  const double secs = std::chrono::duration<double>(now - win_start).count();
  const int64_t steps_in_window = win_steps + win_skipped;
  if (steps_in_window == 0) return;
  TrainLine l;
  l.step = step;
  l.total = total;
  l.epoch = static_cast<double>(step) / static_cast<double>(steps_per_epoch);
  l.loss = win_steps > 0 ? win_loss / win_steps : std::nan("");
  l.grad_norm = win_steps > 0 ? win_gnorm / win_steps : std::nan("");
  l.lr = opt.optimizer->lr(0);
  l.ms_per_step = win_timed_steps > 0 ? 1000.0 * secs / static_cast<double>(win_timed_steps) : 0;
  l.tokens_per_s = secs > 0 ? win_timed_tokens / secs : 0;
  l.memory_bytes = device.is_cpu() ? process_rss_bytes() : allocator_for(device).stats().peak_bytes;
  const double elapsed = std::chrono::duration<double>(now - loop_start).count();
  l.eta_seconds = steps_this_process > 0 ? elapsed / static_cast<double>(steps_this_process) *
                                               static_cast<double>(total - step)
                                         : 0;
  l.skipped = win_skipped;
  log.line(format_train_line(l));
  log.json(train_json(l));
  last_loss = l.loss;
  win_loss = win_gnorm = win_tokens = win_timed_tokens = 0;
  win_steps = win_skipped = win_timed_steps = 0;
  win_start = Clock::now();
}

void Trainer::Impl::validate_now() {
  ValidationOptions vo;
  vo.batch_size = s.valid_batch_size > 0 ? s.valid_batch_size : s.batch_size / s.accum_steps;
  vo.max_examples = s.valid_max_examples;
  vo.predict = s.valid_predict;
  vo.rouge = s.valid_rouge;
  const ValidationMetrics m = validate(*task, *valid_data, comm, vo);
  const bool improved = best.update(m.get(s.valid_metric), step);
  ValidLine l;
  l.step = step;
  l.total = total;
  l.metrics = m.named();
  l.examples = m.examples;
  l.seconds = m.seconds;
  l.metric = s.valid_metric;
  l.new_best = improved;
  l.best_value = best.best_value();
  l.best_step = best.best_step();
  l.stalled = best.stalled();
  l.patience = best.patience();
  log.line(format_valid_line(l));
  log.json(valid_json(l));
  validated_at = step;
  if (improved && s.keep_best) save(step, "new best " + s.valid_metric);
}

Trainer::Trainer(const io::Config& config, dist::Communicator& comm, std::ostream& out)
    : impl_(std::make_unique<Impl>(config, comm, out)) {
  impl_->setup();
}

Trainer::~Trainer() = default;

TrainResult Trainer::run() {
  Impl& t = *impl_;
  TrainResult r;
  r.start_step = t.start_step;
  r.total_steps = t.total;
  install_stop_handlers();
  struct Restore {
    ~Restore() { remove_stop_handlers(); }
  } restore_handlers;

  t.loop_start = t.win_start = Clock::now();
  if (t.step >= t.total) t.log.line("[run] already at step " + std::to_string(t.step) + " of " + std::to_string(t.total));
  while (t.step < t.total) {
    bool epoch_end = false;
    t.train_step(epoch_end);
    if (t.step_callback) t.step_callback(t.step);
    const bool last = t.step == t.total;
    // Every rank takes the same decisions: the stop request comes from the step's all-reduce.
    const bool signalled = t.agreed_stop;
    const bool stop_here = t.s.stop_at_step > 0 && t.step == t.s.stop_at_step;
    // Not on a stop: the open window goes into the checkpoint and is logged after the resume,
    // at the step an uninterrupted run logs it.
    if (t.step % t.s.log_every == 0 || last) t.flush_window();

    const bool validate = t.s.valid_every > 0 ? t.step % t.s.valid_every == 0 : epoch_end;
    if (t.valid_data && (validate || last) && t.validated_at != t.step) t.validate_now();

    const bool early = t.best.should_stop();
    const bool periodic = t.s.checkpoint_every > 0 ? t.step % t.s.checkpoint_every == 0 : epoch_end;
    if (periodic || last || early || signalled || stop_here)
      t.save(t.step, last        ? "end"
                     : early     ? "early stop"
                     : signalled ? "stop signal"
                     : stop_here ? "train.stop_at_step"
                                 : "periodic");
    if (early) {
      t.flush_window();
      t.log.line("[run] early stop: " + t.best.metric() + " did not improve in " + std::to_string(t.best.stalled()) +
                 " validations (valid.patience)");
      r.early_stopped = true;
      break;
    }
    if (signalled) {
      const int sig = stop_requested() != 0 ? stop_requested() : SIGTERM;
      t.log.line(std::string("[run] stopped by ") + (sig == SIGINT ? "SIGINT" : "SIGTERM") + " at step " +
                 std::to_string(t.step) + "; continue with --resume auto");
      r.stop_signal = sig;
      break;
    }
    if (stop_here) {
      t.log.line("[run] stopped at step " + std::to_string(t.step) + " (train.stop_at_step); continue with --resume auto");
      break;
    }
  }
  r.steps = t.step;
  r.finished = t.step >= t.total;
  r.last_checkpoint = t.last_checkpoint;
  r.best_metric = t.best.metric();
  r.best_value = t.best.best_value();
  r.best_step = t.best.best_step();
  r.last_loss = t.last_loss;
  if (r.finished || r.early_stopped) {
    const double secs = std::chrono::duration<double>(Clock::now() - t.loop_start).count();
    std::string done = "[done] " + std::to_string(t.step) + " steps (" + std::to_string(t.steps_this_process) +
                       " in this process, " + format_duration(secs) + ")";
    if (t.best.has_best()) {
      std::ostringstream b;
      b << "; best " << t.best.metric() << " " << t.best.best_value() << " at step " << t.best.best_step();
      done += b.str();
    }
    if (!t.last_checkpoint.empty()) done += "; last checkpoint " + t.last_checkpoint;
    t.log.line(done);
  }
  return r;
}

void Trainer::set_step_callback(std::function<void(int64_t)> callback) { impl_->step_callback = std::move(callback); }

nn::Module& Trainer::model() { return *impl_->model; }
optim::Optimizer& Trainer::optimizer() { return *impl_->opt.optimizer; }
int64_t Trainer::step() const { return impl_->step; }
int64_t Trainer::total_steps() const { return impl_->total; }
const std::string& Trainer::run_dir() const { return impl_->s.run_dir; }

}  // namespace vcc::train
