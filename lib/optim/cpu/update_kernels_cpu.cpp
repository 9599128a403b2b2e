// CPU launchers for optimizer updates: parallel, vectorisable loops over the functors of
// optim/adamw_ops.h and optim/sgd_ops.h.
#include "core/parallel.h"
#include "optim/update_kernels.h"

namespace vcc::optim::cpu {
namespace {

constexpr int64_t kGrain = 1 << 14;        // elements per task below which threading does not pay
constexpr int64_t kReduceChunk = 1 << 14;  // fixed chunk of the deterministic reduction

}  // namespace

void adamw_update(const Tensor& param, const Tensor& grad, const Tensor& exp_avg, const Tensor& exp_avg_sq,
                  const AdamWCoefficients& c) {
  dispatch_float(param.dtype(), "adamw_update", [&](auto tag) {
    using scalar_t = typename decltype(tag)::type;
    scalar_t* p = param.data<scalar_t>();
    const scalar_t* g = grad.data<scalar_t>();
    scalar_t* m = exp_avg.data<scalar_t>();
    scalar_t* v = exp_avg_sq.data<scalar_t>();
    const AdamWUpdate<scalar_t> update(c);
    parallel_for(0, param.numel(), kGrain, [&](int64_t b, int64_t e) {
#pragma omp simd
      for (int64_t i = b; i < e; ++i) update(p[i], g[i], m[i], v[i]);
    });
  });
}

void sgd_update(const Tensor& param, const Tensor& grad, const Tensor& momentum_buffer, const SgdCoefficients& c) {
  dispatch_float(param.dtype(), "sgd_update", [&](auto tag) {
    using scalar_t = typename decltype(tag)::type;
    scalar_t* p = param.data<scalar_t>();
    const scalar_t* g = grad.data<scalar_t>();
    const SgdUpdate<scalar_t> update(c);
    if (c.momentum != 0.0) {
      scalar_t* buf = momentum_buffer.data<scalar_t>();
      parallel_for(0, param.numel(), kGrain, [&](int64_t b, int64_t e) {
#pragma omp simd
        for (int64_t i = b; i < e; ++i) update(p[i], g[i], buf[i]);
      });
    } else {
      parallel_for(0, param.numel(), kGrain, [&](int64_t b, int64_t e) {
#pragma omp simd
        for (int64_t i = b; i < e; ++i) update(p[i], g[i]);
      });
    }
  });
}

double sum_of_squares(const Tensor& x) {
  return dispatch_float(x.dtype(), "sum_of_squares", [&](auto tag) -> double {
    using scalar_t = typename decltype(tag)::type;
    const scalar_t* xp = x.data<scalar_t>();
    return parallel_reduce<double>(
        0, x.numel(), kReduceChunk, 0.0,
        [&](int64_t b, int64_t e) {
          // kLanes independent sums, added in a fixed order at the end: the order depends on
          // neither the thread count nor the vector width, and the lanes fill several
          // registers, so the additions do not wait on each other (one vector accumulator was
          // latency-bound: 6x slower than reading the memory).
          constexpr int64_t kLanes = 32;
          double lane[kLanes] = {};
          int64_t i = b;
          for (; i + kLanes <= e; i += kLanes) {
#pragma omp simd
            for (int64_t l = 0; l < kLanes; ++l) {
              const double v = static_cast<double>(xp[i + l]);
              lane[l] += v * v;
            }
          }
          for (int64_t l = 0; i < e; ++i, ++l) {
            const double v = static_cast<double>(xp[i]);
            lane[l] += v * v;
          }
          double acc = 0.0;
          for (int64_t l = 0; l < kLanes; ++l) acc += lane[l];
          return acc;
        },
        [](double a, double b) { return a + b; });
  });
}

void sum_of_squares_into(const Tensor& x, const Tensor& out) { out.data<double>()[0] = sum_of_squares(x); }

}  // namespace vcc::optim::cpu
