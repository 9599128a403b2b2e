// vcc-bench: what VCC buys in a training step. For the model in a config at one input
// length, times a full training step (forward, backward, AdamW update) with full attention
// in every layer and with VCC, reports the medians, the peak memory of each, the measured
// speed-up and the speed-up the matrix-multiply FLOP counts predict (models/flop_count.h).
// The last line is one JSON object for scripts. With --device emu, each step also reports its
// host synchronisations (copies from device memory to the host, counted by the emulated
// device, core/emu_device.h): each is a stall on a GPU.
//
//   vcc-bench --config configs/bench/roberta-base-4k.yaml --length 4096 --steps 3
//
// bench.full_layers < model.num_layers times a shallower full-attention model and scales
// its time and FLOPs to the full depth (said in the output); --vcc-only skips full attention.
// --profile splits the timed steps' wall time by op, forward and backward (autograd/op_profile.h).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "autograd/op_profile.h"
#include "autograd/ops.h"
#include "core/allocator.h"
#include "core/cpu_isa.h"
#include "core/emu_device.h"
#if defined(VCC_WITH_CUDA)
#include "core/cuda/blas_handle.h"
#endif
#include "core/parallel.h"
#include "core/precision.h"
#include "core/rng.h"
#include "io/config.h"
#include "models/flop_count.h"
#include "models/model_config.h"
#include "models/model_factory.h"
#include "models/roberta.h"
#include "models/t5.h"
#include "nn/compute_precision.h"
#include "optim/adamw.h"
#include "optim/clip_grad.h"
#include "train/train_options.h"

using namespace vcc;

namespace {

using Clock = std::chrono::steady_clock;

struct BenchOptions {
  int64_t full_layers = 0;    // 0: all of model.num_layers
  int64_t target_length = 32; // T5 decoder tokens
  int64_t question_tokens = 0;  // importance-marked tokens at the front; 0: vcc.num_vip
  bool gradient_checkpointing = false;
  uint64_t seed = 1;
  Precision precision = Precision::FP32;
};

void register_bench_options(io::OptionRegistry& r) {
  r.add("bench.full_layers", int64_t{0},
        "Full-attention layers actually timed (0 = model.num_layers); time and FLOPs are scaled to the full depth.")
      .add("bench.target_length", int64_t{32}, "Decoder tokens per sequence (T5).")
      .add("bench.question_tokens", int64_t{0}, "Tokens marked important (the question) at the front; 0 = vcc.num_vip.")
      .add("bench.gradient_checkpointing", false, "Recompute every layer outside the VCC region in backward (long inputs).")
      .add("bench.seed", int64_t{1}, "Seed of the weights and the random inputs.");
}

Tensor random_ids(int64_t n, int64_t vocab, int64_t low, uint64_t seed) {
  Tensor t = Tensor::empty({1, n}, DType::I64);
  int64_t* p = t.data<int64_t>();
  for (int64_t i = 0; i < n; ++i)
    p[i] = low + static_cast<int64_t>(Philox::uniform(seed, 0, static_cast<uint64_t>(i)) * static_cast<double>(vocab - low));
  return t;
}

// One training step of batch 1: loss, backward, gradient clipping, AdamW update, gradients cleared.
class TrainingStep {
 public:
  TrainingStep(const models::ModelConfig& config, int64_t length, const BenchOptions& o, Device device) {
    model_ = models::build_model(config);
    models::init_weights(*model_, config, o.seed);
    model_->train(true);
    // As the trainer does: the GEMM and attention products' operands in the precision's dtype.
    nn::set_compute_precision(*model_, o.precision);
    if (o.gradient_checkpointing) {
      if (auto r = std::dynamic_pointer_cast<models::RobertaModel>(model_)) r->layers().set_checkpointing(true);
      if (auto t = std::dynamic_pointer_cast<models::T5Model>(model_)) t->set_gradient_checkpointing(true);
    }
    if (!device.is_cpu())
      for (auto& [name, p] : model_->named_parameters()) p.node()->value = p.value().to(device);
    for (const auto& [name, p] : model_->named_parameters()) params_.push_back(p);
    optimizer_ = std::make_unique<optim::AdamW>(optim::AdamW::with_no_decay(model_->named_parameters(), {1e-5}, {"bias"}));
    const int64_t vocab = config.vocab_size, low = config.is_t5() ? 2 : 3;  // clear of pad/eos/bos
    ids_ = random_ids(length, vocab, low, o.seed + 1);
    mask_ = Tensor::ones({1, length}, DType::U8);
    importance_ = Tensor::zeros({1, length}, DType::U8);
    const int64_t q = std::min(length, o.question_tokens > 0 ? o.question_tokens : config.vcc.num_vip);
    for (int64_t i = 0; i < q; ++i) importance_.data<uint8_t>()[i] = 1;
    if (config.is_t5()) {
      labels_ = random_ids(o.target_length, vocab, low, o.seed + 2);
    } else {
      VCC_USER_CHECK(config.has_head("span"), "the benchmark trains the span head: add span to model.heads");
      starts_ = Tensor::full({1}, static_cast<double>(length / 3), DType::I64);
      ends_ = Tensor::full({1}, static_cast<double>(length / 3 + 5), DType::I64);
    }
    for (Tensor* t : {&ids_, &mask_, &importance_, &labels_, &starts_, &ends_})
      if (t->defined()) *t = t->to(device);
  }

  void run() {
    Var loss;
    if (auto t5 = std::dynamic_pointer_cast<models::T5Model>(model_)) {
      loss = t5->loss(ids_, mask_, labels_, importance_);
    } else {
      auto roberta = std::dynamic_pointer_cast<models::RobertaModel>(model_);
      models::EncoderInputs in;
      in.input_ids = ids_;
      in.attention_mask = mask_;
      in.importance_mask = importance_;
      const models::SpanLogits span = roberta->span_head()->forward(roberta->forward(in).hidden);
      loss = (cross_entropy(span.start, starts_) + cross_entropy(span.end, ends_)) * 0.5;
    }
    VCC_USER_CHECK(std::isfinite(loss.value().to(DType::F64).item<double>()), "the benchmark's loss is not finite");
    profile::charge("loss to host (finite check)");
    loss.backward();
    optim::clip_grad_norm(params_, 1.0);  // as the trainer does (optim.clip_norm's default)
    profile::charge("clip_grad_norm");
    optimizer_->step();
    profile::charge("AdamW update");
    optimizer_->zero_grad();
    profile::charge("zero_grad");
  }

 private:
  std::shared_ptr<nn::Module> model_;
  std::unique_ptr<optim::AdamW> optimizer_;
  std::vector<Var> params_;
  Tensor ids_, mask_, importance_, labels_, starts_, ends_;
};

struct Timing {
  double median_ms = 0;
  double peak_mib = 0;
  int64_t host_syncs = -1;  // per timed step (the most of any); -1 when not counted (host run)
  std::vector<double> steps_ms;
  std::vector<profile::Row> profile;  // --profile: the timed steps' time by op
};

// Median step time after `warmup` steps; peak host memory of the steps (the allocator's
// high-water mark, weights and optimizer state included).
Timing time_steps(const models::ModelConfig& config, int64_t length, const BenchOptions& o, int warmup, int steps,
                  const std::string& label, Device device, bool profiled) {
  reset_cpu_peak_memory();
  if (!device.is_cpu()) allocator_for(device).reset_peak();
  TrainingStep step(config, length, o, device);
  Timing t;
  for (int i = 0; i < warmup + steps; ++i) {
    emu::reset_host_syncs();
    if (profiled && i == warmup) profile::start(device);
    const auto t0 = Clock::now();
    profile::restart_clock();
    step.run();
    synchronize(device);  // a GPU queues the step's kernels: time their completion
    profile::charge("end of step (device sync)");
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    const int64_t syncs = emu::host_syncs();
    std::fprintf(stderr, "  %s step %d/%d: %.0f ms%s%s\n", label.c_str(), i + 1, warmup + steps, ms,
                 device.is_emu() ? (", " + std::to_string(syncs) + " host syncs").c_str() : "",
                 i < warmup ? " (warm-up)" : "");
    if (i >= warmup) {
      t.steps_ms.push_back(ms);
      if (device.is_emu()) t.host_syncs = std::max(t.host_syncs, syncs);
    }
  }
  if (profiled) t.profile = profile::stop();
  std::vector<double> v = t.steps_ms;
  std::sort(v.begin(), v.end());
  t.median_ms = v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
  const MemoryStats mem = device.is_cpu() ? cpu_memory_stats() : allocator_for(device).stats();
  t.peak_mib = static_cast<double>(mem.peak_bytes) / (1024.0 * 1024.0);
  return t;
}

// Per step: [{"name", "phase", "ms", "calls"}, ...], largest first.
nlohmann::json profile_json(const std::vector<profile::Row>& rows, int steps) {
  nlohmann::json out = nlohmann::json::array();
  for (const profile::Row& r : rows)
    out.push_back({{"name", r.name}, {"phase", profile::phase_name(r.phase)}, {"ms", r.ms / steps},
                   {"calls", static_cast<double>(r.calls) / steps}});
  return out;
}

std::string sync_text(const Timing& t) {
  return t.host_syncs >= 0 ? ", " + std::to_string(t.host_syncs) + " host syncs per step" : "";
}

int run(int argc, char** argv) {
  CLI::App app{"vcc-bench: training-step time and memory of full attention vs VCC for one model config and length"};
  std::string config_path;
  int64_t length = 0;
  int steps = 3, warmup = 1, threads = 0;
  bool vcc_only = false, flops_only = false, profiled = false;
  std::string precision = "fp32";
  std::vector<std::string> overrides;
  std::string device_text = "cpu";
  app.add_option("--device", device_text,
                 "cpu, cuda, cuda:N, or emu / emu:N: the emulated accelerator, which also counts host syncs per step")
      ->capture_default_str();
  app.add_option("--config", config_path,
                 "YAML with model.* (and bench.*) options, e.g. configs/bench/roberta-base-4k.yaml; a training "
                 "config is read too (its train.*, data.*, ... options are ignored)")
      ->required();
  app.add_option("--length", length, "Input tokens per sequence")->required()->check(CLI::PositiveNumber);
  app.add_option("--steps", steps, "Timed steps (median reported)")->check(CLI::PositiveNumber);
  app.add_option("--warmup", warmup, "Untimed steps first")->check(CLI::NonNegativeNumber);
  app.add_option("--threads", threads, "Worker threads (0 = all cores)")->check(CLI::NonNegativeNumber);
  app.add_flag("--flops-only", flops_only, "Print the FLOP counts (JSON line) and stop: no timing");
  app.add_flag("--vcc-only", vcc_only, "Time only the VCC model (inputs too long for full attention)");
  app.add_flag("--profile", profiled,
               "Also split the timed steps' time by op (forward, backward, recompute) and phase; on a GPU every op "
               "then waits for its kernels, so the steps run slower");
  app.add_option("--precision", precision,
                 "fp32, tf32 (fp32 with TF32 tensor-core GEMMs: train.tf32, GPUs only) or bf16 (train.precision: "
                 "the Linear layers' GEMMs and the attention products take bf16 operands, float32 accumulation)")
      ->check(CLI::IsMember({"fp32", "tf32", "bf16"}))
      ->capture_default_str();
  app.add_option("--set", overrides, "KEY=VALUE overrides, e.g. --set model.vcc.fine_blocks=90");
  CLI11_PARSE(app, argc, argv);
  if (threads > 0) set_num_threads(threads);
  const Device device = parse_device(device_text, "--device");
  set_current_device(device);
  // float32 GEMMs: exact unless --precision tf32 (the trainer's train.tf32), on GPUs only.
  VCC_USER_CHECK(precision != "tf32" || device.is_cuda(), "--precision tf32 is a GPU setting (device ", device.str(),
                 "): use fp32");
#if defined(VCC_WITH_CUDA)
  if (device.is_cuda()) cuda::set_allow_tf32(precision == "tf32");
#endif

  // The whole training registry, so that a vcc-train config can be timed as it is.
  io::OptionRegistry registry = train::training_registry();
  register_bench_options(registry);
  const io::Config cfg = io::Config::load(registry, {config_path}, overrides);
  models::ModelConfig vcc_config = models::model_config_from(cfg);
  BenchOptions o;
  o.full_layers = cfg.get<int64_t>("bench.full_layers");
  o.target_length = cfg.get<int64_t>("bench.target_length");
  o.question_tokens = cfg.get<int64_t>("bench.question_tokens");
  o.gradient_checkpointing = cfg.get<bool>("bench.gradient_checkpointing");
  o.seed = static_cast<uint64_t>(cfg.get<int64_t>("bench.seed"));
  o.precision = parse_precision(precision == "tf32" ? "fp32" : precision);
  VCC_USER_CHECK(vcc_config.vcc.enabled, config_path, ": model.vcc.enabled is false; the benchmark compares VCC with full attention");
  vcc_config.validate();
  try {
    vcc_config.vcc.validate(length);
  } catch (const Error& e) {
    throw Error(config_path + ": model.vcc does not fit " + std::to_string(length) + " tokens: " + e.what());
  }
  if (vcc_config.is_bert_family()) {
    vcc_config.max_position_embeddings = std::max(vcc_config.max_position_embeddings, length + vcc_config.position_offset());
  }
  const int64_t L = vcc_config.num_layers;
  VCC_USER_CHECK(o.full_layers >= 0 && o.full_layers <= L, config_path, ": bench.full_layers = ", o.full_layers,
                 " is not in [0, model.num_layers = ", L, "]");
  const int64_t timed_full_layers = o.full_layers == 0 ? L : o.full_layers;

  models::ModelConfig full_config = vcc_config;
  full_config.vcc.enabled = false;
  full_config.segment_local_layers = 0;
  models::ModelConfig timed_full_config = full_config;
  timed_full_config.num_layers = timed_full_layers;

  const double full_flops = models::count_step_flops(full_config, length, o.target_length).training_step();
  const double timed_full_flops = models::count_step_flops(timed_full_config, length, o.target_length).training_step();
  const double vcc_flops = models::count_step_flops(vcc_config, length, o.target_length).training_step();
  const double flop_speedup = full_flops / vcc_flops;

  std::printf("vcc-bench: %s\n", vcc_config.describe().c_str());
  std::printf("  VCC: %lld standard layers (segments of %lld) + %lld VCC layers, %s\n",
              static_cast<long long>(vcc_config.vcc.standard_layers), static_cast<long long>(vcc_config.vcc.segment_size),
              static_cast<long long>(L - vcc_config.vcc.standard_layers), vcc_config.vcc.describe(length).c_str());
  std::printf("  batch 1, %d warm-up + %d timed steps, %d threads, precision %s; a step = forward + backward + "
              "clipping + AdamW\n",
              warmup, steps, num_threads(), precision.c_str());
  if (device.is_cpu()) std::printf("  CPU tile kernels (fused attention): %s\n", isa_name(cpu_isa()));
  std::printf("  FLOPs per step (matrix products): full %.1f G, VCC %.1f G -> predicted speed-up %.2fx\n",
              full_flops * 1e-9, vcc_flops * 1e-9, flop_speedup);
  std::fflush(stdout);

  nlohmann::json result;
  result["length"] = length;
  result["precision"] = precision;
  result["flop_speedup"] = flop_speedup;
  result["full_gflops"] = full_flops * 1e-9;
  result["vcc_gflops"] = vcc_flops * 1e-9;
  if (flops_only) {
    std::printf("%s\n", result.dump().c_str());
    return 0;
  }
  Timing full;
  if (!vcc_only) {
    full = time_steps(timed_full_config, length, o, warmup, steps, "full", device, profiled);
    const double scale = full_flops / timed_full_flops;
    if (timed_full_layers != L) {
      std::printf("  full attention: timed with %lld of %lld layers, scaled by the FLOP ratio %.3f\n",
                  static_cast<long long>(timed_full_layers), static_cast<long long>(L), scale);
    }
    full.median_ms *= scale;
    std::printf("  full attention: %.0f ms per step (%.1f GFLOP/s), peak %.0f MiB%s%s\n", full.median_ms,
                full_flops / (full.median_ms * 1e6), full.peak_mib, timed_full_layers != L ? " (timed depth)" : "",
                sync_text(full).c_str());
    std::fflush(stdout);
    result["full_ms"] = full.median_ms;
    result["full_peak_mib"] = full.peak_mib;
    result["full_layers_timed"] = timed_full_layers;
    result["full_host_syncs_per_step"] = full.host_syncs >= 0 ? nlohmann::json(full.host_syncs) : nlohmann::json();
    if (profiled) {
      std::printf("  profile of the full-attention step%s:\n%s", timed_full_layers != L ? " (timed depth, not scaled)" : "",
                  profile::table(full.profile, steps).c_str());
      result["full_profile"] = profile_json(full.profile, steps);
    }
  } else {
    result["full_ms"] = nullptr;
  }
  const Timing v = time_steps(vcc_config, length, o, warmup, steps, "vcc", device, profiled);
  std::printf("  VCC:            %.0f ms per step (%.1f GFLOP/s), peak %.0f MiB (process peak RSS %.0f MiB)%s\n",
              v.median_ms, vcc_flops / (v.median_ms * 1e6), v.peak_mib,
              static_cast<double>(process_peak_rss_bytes()) / (1024.0 * 1024.0), sync_text(v).c_str());
  result["vcc_ms"] = v.median_ms;
  result["vcc_peak_mib"] = v.peak_mib;
  result["vcc_host_syncs_per_step"] = v.host_syncs >= 0 ? nlohmann::json(v.host_syncs) : nlohmann::json();
  result["device"] = device.str();
  if (device.is_cpu()) result["cpu_tile_kernels"] = isa_name(cpu_isa());
  if (profiled) {
    std::printf("  profile of the VCC step:\n%s", profile::table(v.profile, steps).c_str());
    result["vcc_profile"] = profile_json(v.profile, steps);
  }
  if (!vcc_only) {
    const double measured = full.median_ms / v.median_ms;
    std::printf("  speed-up: measured %.2fx, predicted by FLOPs %.2fx (%.0f%% of predicted)\n", measured, flop_speedup,
                100.0 * measured / flop_speedup);
    result["measured_speedup"] = measured;
  } else {
    result["measured_speedup"] = nullptr;
  }
  std::printf("%s\n", result.dump().c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "vcc-bench: error: %s\n", e.what());
    return 1;
  }
}
