// vcc-bench-kernels: GEMM and fused-attention throughput on this machine, printed as the
// Markdown tables of docs/benchmarks.md. The library's sgemm and OpenBLAS's own cblas_sgemm
// run in the same process, interleaved, so their ratio is not skewed by machine load drift.
#include <cblas.h>

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

#include "autograd/ops_attention.h"
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

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"vcc-bench-kernels: sgemm (library vs OpenBLAS) and fused attention throughput"};
  int threads = vcc::num_threads();
  int repeats = 5;
  int64_t gemm_size = 1024;
  std::vector<int64_t> lengths{512, 4096, 16384};
  int64_t heads = 12, head_dim = 64;
  int long_repeats = 2;
  int gemm_repeats = 15;
  app.add_option("--threads", threads, "Threads for the library and OpenBLAS")->capture_default_str();
  app.add_option("--repeats", repeats, "Timed runs per case (after one warm-up); best and median are reported")
      ->capture_default_str();
  app.add_option("--long-repeats", long_repeats, "Timed runs for sequences of 8192 tokens or more")
      ->capture_default_str();
  app.add_option("--gemm-repeats", gemm_repeats, "Interleaved rounds of the sgemm comparison")->capture_default_str();
  app.add_option("--gemm-size", gemm_size, "m = n = k of the sgemm comparison")->capture_default_str();
  app.add_option("--lengths", lengths, "Sequence lengths n (queries = keys) of the attention cases")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--heads", heads, "Attention heads H")->capture_default_str();
  app.add_option("--head-dim", head_dim, "Head size D")->capture_default_str();
  std::string device_text = "cpu";
  app.add_option("--device", device_text,
                 "Device of the attention cases: cpu, cuda[:N] or emu[:N]; off the CPU the sgemm comparison "
                 "(an OpenBLAS one) is skipped")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  vcc::set_num_threads(threads);
  const vcc::Device device = vcc::parse_device(device_text, "--device");
  vcc::set_current_device(device);

  std::printf("machine: %s, %d threads; attention on %s\n\n", cpu_model().c_str(), threads, device.str().c_str());

  // ---- sgemm: C = A B, row-major, square ----
  double sgemm_gflops_per_cpu_second = 0;
  if (device.is_cpu()) {
    const int64_t n = gemm_size;
    vcc::Tensor a = random_tensor({n, n}, 1), b = random_tensor({n, n}, 2), c = vcc::Tensor::zeros({n, n});
    const double flops = 2.0 * n * n * n;
    std::vector<Timing> matmul_t, into_t, blas_t;
    const std::vector<std::function<void()>> runs{
        [&] { matmul_t.push_back(time_it(1, [&] { vcc::kernels::matmul(a, b); })); },
        [&] { into_t.push_back(time_it(1, [&] { vcc::kernels::gemm_into(a, b, c, false, false, 1.0, 0.0); })); },
        [&] {
          // The reference is OpenBLAS with its own threading over the same thread count
          // (the library keeps OpenBLAS single-threaded and splits products itself).
          openblas_set_num_threads(threads);
          blas_t.push_back(time_it(1, [&] {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a.data<float>(), n,
                        b.data<float>(), n, 0.0f, c.data<float>(), n);
          }));
          vcc::set_num_threads(threads);
        }};
    // Interleaved rounds, so all three see the same machine load, in an order rotated each
    // round, so none always follows the same one.
    for (int round = 0; round < gemm_repeats; ++round)
      for (size_t i = 0; i < runs.size(); ++i) runs[(i + round) % runs.size()]();
    struct Summary {
      double best, median, cpu_best;
    };
    auto summarise = [](const std::vector<Timing>& t) {
      std::vector<double> wall, cpu;
      for (const Timing& x : t) wall.push_back(x.best), cpu.push_back(x.cpu_best);
      std::sort(wall.begin(), wall.end());
      return Summary{wall.front(), wall[wall.size() / 2], *std::min_element(cpu.begin(), cpu.end())};
    };
    const Summary blas = summarise(blas_t);
    auto gf = [&](double s) { return flops / s * 1e-9; };
    sgemm_gflops_per_cpu_second = gf(blas.cpu_best);
    std::printf("| sgemm %lld^3, float32 | best GFLOP/s | median GFLOP/s | GFLOP/CPU-s | best vs OpenBLAS | "
                "median vs OpenBLAS | per CPU-s vs OpenBLAS |\n",
                static_cast<long long>(n));
    std::printf("|---|---:|---:|---:|---:|---:|---:|\n");
    auto row = [&](const char* name, const std::vector<Timing>& t) {
      const Summary x = summarise(t);
      std::printf("| %s | %.1f | %.1f | %.1f | %.3f | %.3f | %.3f |\n", name, gf(x.best), gf(x.median), gf(x.cpu_best),
                  blas.best / x.best, blas.median / x.median, blas.cpu_best / x.cpu_best);
    };
    row("`kernels::matmul` (allocates C)", matmul_t);
    row("`kernels::gemm_into` (C given)", into_t);
    row("OpenBLAS `cblas_sgemm`", blas_t);
    std::printf("\n");
  }

  // ---- fused attention, float32, B = 1 ----
  std::printf("| n | pass | best s | median s | GFLOP/s (best) | GFLOP/CPU-s | vs sgemm per CPU-s | "
              "peak tracked MiB | peak RSS MiB |\n");
  std::printf("|---:|---|---:|---:|---:|---:|---:|---:|---:|\n");
  for (int64_t n : lengths) {
    const int reps = n >= 8192 ? long_repeats : repeats;
    vcc::Var q(random_tensor({1, n, heads, head_dim}, 3).to(device), true),
        k(random_tensor({1, n, heads, head_dim}, 4).to(device), true),
        v(random_tensor({1, n, heads, head_dim}, 5).to(device), true);
    vcc::Tensor grad = random_tensor({1, n, heads, head_dim}, 6).to(device);
    vcc::AttentionOptions options;
    options.scale = 1.0 / std::sqrt(static_cast<double>(head_dim));
    // FLOPs of the four n x n x D products of the forward (QK^T and PV, 2 FLOPs per
    // multiply-add); the backward recomputes QK^T and does four more: 2.5x the forward.
    const double fwd_flops = 4.0 * n * n * head_dim * heads;
    auto report = [&](const char* pass, const Timing& t, double flops, int64_t peak) {
      const double per_cpu = flops / t.cpu_best * 1e-9;
      std::printf("| %lld | %s | %.4f | %.4f | %.1f | %.1f | %.2f | %.1f | %.0f |\n", static_cast<long long>(n), pass,
                  t.best, t.median, flops / t.best * 1e-9, per_cpu, sgemm_gflops_per_cpu_second > 0 ? per_cpu / sgemm_gflops_per_cpu_second : NAN, mib(peak),
                  mib(vcc::process_peak_rss_bytes()));
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
  return 0;
}
