// vcc-bench-models: time one training step (forward + backward) of a RoBERTa-sized encoder
// and report the median over several steps after warm-up; --profile also times every op
// kind of a layer alone at the model's shapes, to show where a step's time goes.
//
//   vcc-bench-models --threads 2 --tokens 512 --steps 10
//   (compare: tools/bench_pytorch_roberta.py --threads 2 --tokens 512 --steps 10)
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <vector>

#include "autograd/ops.h"
#include "core/parallel.h"
#include "core/rng.h"
#include "models/model_factory.h"
#include "models/roberta.h"

using namespace vcc;

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}

// Median time of fn over `steps` runs after `warmup` runs.
double time_median(int warmup, int steps, const std::function<void()>& fn) {
  for (int i = 0; i < warmup; ++i) fn();
  std::vector<double> t;
  for (int i = 0; i < steps; ++i) {
    const auto t0 = Clock::now();
    fn();
    t.push_back(ms_since(t0));
  }
  return median(t);
}

Tensor random_tensor(const Shape& shape, uint64_t seed, double std = 1.0) {
  Tensor t = Tensor::empty(shape, DType::F32);
  float* p = t.data<float>();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = static_cast<float>(std * Philox::normal(seed, 0, i));
  return t;
}

// Forward + backward of each op kind of one layer at the model's shapes, alone.
void profile_ops(const models::ModelConfig& c, int64_t batch, int64_t n, int warmup, int steps, double step_ms) {
  const int64_t d = c.hidden_size, ff = c.d_ff, H = c.num_heads, D = c.d_kv, L = c.num_layers;
  struct Row {
    const char* what;
    double count;  // per training step
    double ms;     // one forward + backward
  };
  std::vector<Row> rows;
  auto fb = [&](const char* what, double count, const std::function<Var()>& f) {
    const double ms = time_median(warmup, steps, [&] {
      Var y = f();
      y.backward(Tensor::ones(y.shape()));
    });
    rows.push_back({what, count, ms});
  };
  Var x(random_tensor({batch, n, d}, 1), true), xf(random_tensor({batch, n, ff}, 2), true);
  Var w_dd(random_tensor({d, d}, 3, 0.02), true), b_d(random_tensor({d}, 4, 0.02), true);
  Var w_fd(random_tensor({ff, d}, 5, 0.02), true), b_f(random_tensor({ff}, 6, 0.02), true);
  Var w_df(random_tensor({d, ff}, 7, 0.02), true);
  Var g(random_tensor({d}, 8), true), bb(random_tensor({d}, 9), true);
  Var q(random_tensor({batch, n, H, D}, 10), true), k(random_tensor({batch, n, H, D}, 11), true),
      v(random_tensor({batch, n, H, D}, 12), true);
  AttentionOptions ao;
  ao.scale = 1.0 / std::sqrt(static_cast<double>(D));
  ao.key_mask = Tensor::ones({batch, n}, DType::U8);
  ao.dropout = c.attention_dropout;
  fb("linear d->d (q, k, v, o)", 4.0 * L, [&] { return linear(x, w_dd, b_d); });
  fb("linear d->ff", 1.0 * L, [&] { return linear(x, w_fd, b_f); });
  fb("linear ff->d", 1.0 * L, [&] { return linear(xf, w_df, b_d); });
  fb("attention (fused, with dropout)", 1.0 * L, [&] { return attention(q, k, v, ao); });
  fb("layer_norm", 2.0 * L + 1, [&] { return layer_norm(x, g, bb, c.norm_eps); });
  fb("gelu", 1.0 * L, [&] { return gelu(xf); });
  fb("dropout (hidden)", 2.0 * L + 1, [&] { return dropout(x, c.hidden_dropout, true); });
  fb("residual add", 2.0 * L, [&] { return x + x; });
  Var table(random_tensor({c.vocab_size, d}, 13, 0.02), true);
  Tensor ids = Tensor::full({batch, n}, 5, DType::I64);
  fb("embedding (word, 50k rows)", 1.0, [&] { return embedding(table, ids); });

  double total = 0;
  std::printf("\nper-op forward+backward at [%lld, %lld] (median of %d):\n", static_cast<long long>(batch),
              static_cast<long long>(n), steps);
  std::printf("  %-34s %9s %7s %11s %7s\n", "op", "ms/call", "calls", "ms/step", "share");
  for (const Row& r : rows) total += r.ms * r.count;
  for (const Row& r : rows)
    std::printf("  %-34s %9.3f %7.0f %11.2f %6.1f%%\n", r.what, r.ms, r.count, r.ms * r.count,
                100.0 * r.ms * r.count / step_ms);
  std::printf("  %-34s %9s %7s %11.2f %6.1f%%  (rest: graph bookkeeping, gradient accumulation, allocation)\n",
              "sum of the above", "", "", total, 100.0 * total / step_ms);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Time forward + backward of a RoBERTa-sized encoder (median ms per step after warm-up)"};
  int64_t layers = 12, hidden = 768, heads = 12, ff = 3072, tokens = 512, batch = 1, vocab = 50265;
  int threads = 2, warmup = 2, steps = 10;
  double dropout_p = 0.1;
  bool pre_ln = false, checkpointing = false, profile = false;
  app.add_option("--layers", layers, "encoder layers")->capture_default_str();
  app.add_option("--hidden", hidden, "hidden size")->capture_default_str();
  app.add_option("--heads", heads, "attention heads")->capture_default_str();
  app.add_option("--ff", ff, "feed-forward size")->capture_default_str();
  app.add_option("--tokens", tokens, "sequence length")->capture_default_str();
  app.add_option("--batch", batch, "batch size")->capture_default_str();
  app.add_option("--vocab", vocab, "vocabulary size")->capture_default_str();
  app.add_option("--threads", threads, "CPU threads (OpenMP and OpenBLAS)")->capture_default_str();
  app.add_option("--warmup", warmup, "untimed steps first")->capture_default_str();
  app.add_option("--steps", steps, "timed steps")->capture_default_str();
  app.add_option("--dropout", dropout_p, "hidden and attention dropout (training mode)")->capture_default_str();
  app.add_flag("--pre-ln", pre_ln, "pre-LN layers (the VCC paper's RoBERTa)");
  app.add_flag("--checkpointing", checkpointing, "recompute each layer in backward");
  app.add_flag("--profile", profile, "also time each op kind alone");
  CLI11_PARSE(app, argc, argv);

  try {
    set_num_threads(threads);
    models::ModelConfig c;
    c.type = "roberta";
    c.vocab_size = vocab;
    c.hidden_size = hidden;
    c.num_layers = layers;
    c.num_heads = heads;
    c.d_kv = hidden / heads;
    c.d_ff = ff;
    c.pre_ln = pre_ln;
    c.max_position_embeddings = tokens + 2;
    c.hidden_dropout = c.attention_dropout = dropout_p;
    models::RobertaModel model(c);
    models::init_weights(model, c, 0);
    model.layers().set_checkpointing(checkpointing);
    model.train();

    std::vector<int64_t> ids(batch * tokens);
    for (size_t i = 0; i < ids.size(); ++i) ids[i] = 3 + static_cast<int64_t>(Philox::uniform_double(7, 0, i) * (vocab - 3));
    const models::EncoderInputs in{Tensor::from_vector<int64_t>(ids, {batch, tokens}), Tensor::ones({batch, tokens}, DType::I64),
                                   Tensor(), Tensor()};
    auto train_step = [&] {
      model.zero_grad();
      sum_all(model.forward(in).hidden).backward();
    };
    const double step_ms = time_median(warmup, steps, train_step);
    double forward_ms;
    {
      NoGradGuard no_grad;
      forward_ms = time_median(warmup, steps, [&] { model.forward(in); });
    }
    std::printf("vcc roberta %lldx%lld (%lld heads, ff %lld, %s), batch %lld x %lld tokens, %d threads, fp32\n",
                static_cast<long long>(layers), static_cast<long long>(hidden), static_cast<long long>(heads),
                static_cast<long long>(ff), pre_ln ? "pre-LN" : "post-LN", static_cast<long long>(batch),
                static_cast<long long>(tokens), threads);
    std::printf("forward+backward: median %.1f ms/step over %d steps (after %d warm-up)\n", step_ms, steps, warmup);
    std::printf("forward only (no grad): median %.1f ms\n", forward_ms);
    if (profile) profile_ops(c, batch, tokens, warmup, steps, step_ms);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "vcc-bench-models: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
