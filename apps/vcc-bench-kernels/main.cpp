// vcc-bench-kernels: GEMM and fused-attention throughput on this machine, printed as the
// Markdown tables of docs/benchmarks.md. The library's GEMM, oneDNN's own matmul and OpenBLAS's
// own cblas_sgemm run in the same process, interleaved, so their ratios are not skewed by
// machine load drift.
#include <cblas.h>
#include <omp.h>

#include <oneapi/dnnl/dnnl.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "autograd/ops_attention.h"
#include "core/cpu_isa.h"
#include "core/allocator.h"
#include "core/device.h"
#include "core/parallel.h"
#include "core/rng.h"
#include "kernels/matmul.h"

namespace {

using Clock = std::chrono::steady_clock;

// CPU time of the whole process (all threads), in seconds. On shared cores wall time also
// counts time slices given to other jobs; CPU time counts only ours, so FLOP per CPU-second
// measures the code rather than the machine's load (spin-waiting threads still count).
double process_cpu_seconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

struct Timing {
  double best = 0, median = 0;  // wall seconds
  double cpu_best = 0;          // least process CPU seconds of a run
};

// Runs fn `repeats` times after one warm-up call.
Timing time_it(int repeats, const std::function<void()>& fn) {
  fn();
  std::vector<double> wall, cpu;
  for (int r = 0; r < repeats; ++r) {
    const double cpu_start = process_cpu_seconds();
    const auto start = Clock::now();
    fn();
    wall.push_back(std::chrono::duration<double>(Clock::now() - start).count());
    cpu.push_back(process_cpu_seconds() - cpu_start);
  }
  std::sort(wall.begin(), wall.end());
  return {wall.front(), wall[wall.size() / 2], *std::min_element(cpu.begin(), cpu.end())};
}

// Uniform [-1, 1) values: benchmark inputs only need to be finite and non-degenerate.
vcc::Tensor random_tensor(const vcc::Shape& shape, uint64_t seed) {
  vcc::Tensor t = vcc::Tensor::empty(shape, vcc::DType::F32);
  float* p = t.data<float>();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = 2.0f * vcc::Philox::uniform(seed, 0, i) - 1.0f;
  return t;
}

std::string cpu_model() {
  std::ifstream f("/proc/cpuinfo");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown";
}

double mib(int64_t bytes) { return static_cast<double>(bytes) / (1 << 20); }

// oneDNN's own matmul with its own threading over `threads` (OpenMP runtime): the
// reference the library's tiled GEMM is measured against.
class OneDnnMatmul {
 public:
  OneDnnMatmul(int64_t n, vcc::DType dt, int threads) : engine_(dnnl::engine::kind::cpu, 0), stream_(engine_) {
    // oneDNN fixes a primitive's thread count when it is created, from OpenMP's default.
    omp_set_num_threads(threads);
    const auto type = dt == vcc::DType::BF16 ? dnnl::memory::data_type::bf16 : dnnl::memory::data_type::f32;
    const dnnl::memory::desc md({n, n}, type, dnnl::memory::dims{n, 1});
    pd_ = dnnl::matmul::primitive_desc(dnnl::matmul::desc(md, md, md), engine_);
    matmul_ = dnnl::matmul(pd_);
    vcc::set_num_threads(threads);  // OpenMP's default back to 1 (see core/parallel.h)
  }
  const char* kernel() const { return pd_.impl_info_str(); }
  void run(const vcc::Tensor& a, const vcc::Tensor& b, const vcc::Tensor& c, int threads) {
    omp_set_num_threads(threads);
    const dnnl::memory am(pd_.src_desc(), engine_, a.raw_data()), bm(pd_.weights_desc(), engine_, b.raw_data()),
        cm(pd_.dst_desc(), engine_, c.raw_data());
    matmul_.execute(stream_, {{DNNL_ARG_SRC, am}, {DNNL_ARG_WEIGHTS, bm}, {DNNL_ARG_DST, cm}});
    stream_.wait();
  }

 private:
  dnnl::engine engine_;
  dnnl::stream stream_;
  dnnl::matmul::primitive_desc pd_;
  dnnl::matmul matmul_;
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"vcc-bench-kernels: GEMM (library vs oneDNN and OpenBLAS, float32 and bfloat16) and fused attention throughput"};
  int threads = vcc::num_threads();
  int repeats = 5;
  int64_t gemm_size = 1024;
  std::vector<int64_t> lengths{512, 4096, 16384};
  int64_t heads = 12, head_dim = 64;
  int long_repeats = 2;
  int gemm_repeats = 15;
  app.add_option("--threads", threads, "Threads for the library, oneDNN and OpenBLAS")->capture_default_str();
  app.add_option("--repeats", repeats, "Timed runs per case (after one warm-up); best and median are reported")
      ->capture_default_str();
  app.add_option("--long-repeats", long_repeats, "Timed runs for sequences of 8192 tokens or more")
      ->capture_default_str();
  app.add_option("--gemm-repeats", gemm_repeats, "Interleaved rounds of the GEMM comparisons")->capture_default_str();
  app.add_option("--gemm-size", gemm_size, "m = n = k of the GEMM comparisons")->capture_default_str();
  app.add_option("--lengths", lengths, "Sequence lengths n (queries = keys) of the attention cases")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--heads", heads, "Attention heads H")->capture_default_str();
  app.add_option("--head-dim", head_dim, "Head size D")->capture_default_str();
  std::string device_text = "cpu";
  app.add_option("--device", device_text,
                 "Device of the attention cases: cpu, cuda[:N] or emu[:N]; off the CPU the (CPU) GEMM comparisons "
                 "are skipped")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  vcc::set_num_threads(threads);
  const vcc::Device device = vcc::parse_device(device_text, "--device");
  vcc::set_current_device(device);

  std::printf("machine: %s, %d threads; attention on %s (CPU tile kernels: %s)\n\n", cpu_model().c_str(), threads,
              device.str().c_str(), vcc::isa_name(vcc::cpu_isa()));

  nlohmann::json json_rows = nlohmann::json::array();

  // ---- GEMM: C = A B, row-major, square, float32 and bfloat16 ----
  // The library's own GEMM (gemm_into) per CPU-second, by precision: the attention rows'
  // yardstick.
  double gemm_gflops_per_cpu_second[2] = {0, 0};  // float32, bfloat16
  if (device.is_cpu()) {
    const int64_t n = gemm_size;
    const double flops = 2.0 * n * n * n;
    for (const vcc::DType dt : {vcc::DType::F32, vcc::DType::BF16}) {
      const bool f32 = dt == vcc::DType::F32;
      const vcc::Tensor a = random_tensor({n, n}, 1).to(dt), b = random_tensor({n, n}, 2).to(dt);
      vcc::Tensor c = vcc::Tensor::zeros({n, n}, dt);
      // The references run with their own threading over the same thread count (the library
      // keeps both single-threaded inside and splits products into tiles itself).
      OneDnnMatmul onednn(n, dt, threads);
      // (name in the table, key in the JSON line, the product)
      std::vector<std::tuple<std::string, std::string, std::function<void()>>> cases{
          {"`kernels::matmul` (allocates C)", "vcc_matmul", [&] { vcc::kernels::matmul(a, b); }},
          {"`kernels::gemm_into` (C given)", "vcc_gemm_into",
           [&] { vcc::kernels::gemm_into(a, b, c, false, false, 1.0, 0.0); }},
          {std::string("oneDNN `matmul` (") + onednn.kernel() + ")", "onednn", [&] { onednn.run(a, b, c, threads); }}};
      if (f32)
        cases.push_back({"OpenBLAS `cblas_sgemm`", "openblas", [&] {
                           openblas_set_num_threads(threads);
                           cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a.data<float>(), n,
                                       b.data<float>(), n, 0.0f, c.data<float>(), n);
                         }});
      std::vector<std::vector<Timing>> times(cases.size());
      // Interleaved rounds, so all see the same machine load, in an order rotated each
      // round, so none always follows the same one.
      for (int round = 0; round < gemm_repeats; ++round)
        for (size_t i = 0; i < cases.size(); ++i) {
          const size_t j = (i + round) % cases.size();
          times[j].push_back(time_it(1, std::get<2>(cases[j])));
          vcc::set_num_threads(threads);  // the library's thread count, and OpenMP's default back to 1
        }
      struct Summary {
        double best, median, cpu_best;
      };
      auto summarise = [](const std::vector<Timing>& t) {
        std::vector<double> wall, cpu;
        for (const Timing& x : t) wall.push_back(x.best), cpu.push_back(x.cpu_best);
        std::sort(wall.begin(), wall.end());
        return Summary{wall.front(), wall[wall.size() / 2], *std::min_element(cpu.begin(), cpu.end())};
      };
      const Summary ref = summarise(times[2]);  // oneDNN's own
      auto gf = [&](double sec) { return flops / sec * 1e-9; };
      gemm_gflops_per_cpu_second[f32 ? 0 : 1] = gf(summarise(times[1]).cpu_best);
      std::printf("| GEMM %lld^3, %s | best GFLOP/s | median GFLOP/s | GFLOP/CPU-s | best vs oneDNN | "
                  "median vs oneDNN | per CPU-s vs oneDNN |\n",
                  static_cast<long long>(n), f32 ? "float32" : "bfloat16");
      std::printf("|---|---:|---:|---:|---:|---:|---:|\n");
      for (size_t i = 0; i < cases.size(); ++i) {
        const Summary x = summarise(times[i]);
        std::printf("| %s | %.1f | %.1f | %.1f | %.3f | %.3f | %.3f |\n", std::get<0>(cases[i]).c_str(), gf(x.best),
                    gf(x.median), gf(x.cpu_best), ref.best / x.best, ref.median / x.median, ref.cpu_best / x.cpu_best);
        json_rows.push_back({{"kind", "gemm"}, {"precision", f32 ? "fp32" : "bf16"}, {"size", n},
                             {"case", std::get<1>(cases[i])}, {"best_gflops", gf(x.best)},
                             {"median_gflops", gf(x.median)}, {"best_vs_onednn", ref.best / x.best},
                             {"median_vs_onednn", ref.median / x.median}});
      }
      std::printf("\n");
    }
  }

  // ---- fused attention, B = 1: float32, then bfloat16 products ----
  std::printf("| n | precision | pass | best s | median s | GFLOP/s (best) | GFLOP/CPU-s | vs vcc GEMM per CPU-s | "
              "peak tracked MiB | peak RSS MiB |\n");
  std::printf("|---:|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
  for (const bool bf16 : {false, true})
  for (int64_t n : lengths) {
    const int reps = n >= 8192 ? long_repeats : repeats;
    vcc::Var q(random_tensor({1, n, heads, head_dim}, 3).to(device), true),
        k(random_tensor({1, n, heads, head_dim}, 4).to(device), true),
        v(random_tensor({1, n, heads, head_dim}, 5).to(device), true);
    vcc::Tensor grad = random_tensor({1, n, heads, head_dim}, 6).to(device);
    vcc::AttentionOptions options;
    options.scale = 1.0 / std::sqrt(static_cast<double>(head_dim));
    options.bf16_products = bf16;
    const char* precision = bf16 ? "bf16" : "fp32";
    const double gemm_per_cpu = gemm_gflops_per_cpu_second[bf16 ? 1 : 0];
    // FLOPs of the four n x n x D products of the forward (QK^T and PV, 2 FLOPs per
    // multiply-add); the backward recomputes QK^T and does four more: 2.5x the forward.
    const double fwd_flops = 4.0 * n * n * head_dim * heads;
    auto report = [&](const char* pass, const Timing& t, double flops, int64_t peak) {
      const double per_cpu = flops / t.cpu_best * 1e-9;
      const double vs_gemm = gemm_per_cpu > 0 ? per_cpu / gemm_per_cpu : NAN;
      std::printf("| %lld | %s | %s | %.4f | %.4f | %.1f | %.1f | %.2f | %.1f | %.0f |\n", static_cast<long long>(n),
                  precision, pass, t.best, t.median, flops / t.best * 1e-9, per_cpu, vs_gemm, mib(peak),
                  mib(vcc::process_peak_rss_bytes()));
      json_rows.push_back({{"kind", "attention"}, {"length", n}, {"precision", precision}, {"pass", pass},
                         {"best_gflops", flops / t.best * 1e-9}, {"gflops_per_cpu_second", per_cpu},
                         {"per_cpu_second_vs_gemm", vs_gemm}});  // NaN is written as null
      std::fflush(stdout);
    };
    const int64_t base = vcc::cpu_memory_stats().live_bytes;
    vcc::reset_cpu_peak_memory();
    Timing fwd = time_it(reps, [&] {
      vcc::NoGradGuard no_grad;
      vcc::attention(q, k, v, options);
      vcc::synchronize(device);
    });
    report("forward", fwd, fwd_flops, vcc::cpu_memory_stats().peak_bytes - base);
    vcc::reset_cpu_peak_memory();
    Timing both = time_it(reps, [&] {
      q.zero_grad(), k.zero_grad(), v.zero_grad();
      vcc::attention(q, k, v, options).backward(grad);
      vcc::synchronize(device);
    });
    report("forward+backward", both, 3.5 * fwd_flops, vcc::cpu_memory_stats().peak_bytes - base);
  }
  std::printf("\nGFLOP/CPU-s: FLOPs over the least process CPU time of a run (all threads). peak tracked: growth "
              "of the library allocator's high-water mark over the inputs (outputs, saved tensors, gradients, "
              "workspaces); peak RSS: the whole process so far.\n");
  // The same numbers as one JSON line, last, for tools (tools/bench_peers.py).
  const nlohmann::json line = {{"machine", cpu_model()}, {"threads", threads}, {"rows", json_rows}};
  std::printf("%s\n", line.dump().c_str());
  return 0;
}
