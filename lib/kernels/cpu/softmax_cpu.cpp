// CPU launchers for softmax and log-softmax with the functors of kernels/softmax_ops.h.
// A row takes three passes while it sits in cache (max; sum of exponentials; write),
// parallel over rows; a strided axis is walked a block of columns at a time.
#include <type_traits>

#include "kernels/cpu/axis_loop.h"
#include "kernels/cpu/lanes.h"
#include "kernels/reduce_ops.h"
#include "kernels/softmax.h"
#include "kernels/softmax_ops.h"

namespace vcc::kernels::cpu {
namespace {

template <bool Log, class T>
void forward_rows(const T* xp, T* yp, int64_t rows, int64_t n) {
  using F = Softmax<Log>;
  using Acc = acc_t<T>;
  parallel_for(0, rows, rows_per_task(n), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const T* x = xp + r * n;
      T* y = yp + r * n;
      const T m = lane_max(x, n);
      const Acc s = lane_sum<Acc>(n, [&](int64_t i) {
        const T e = shifted_exp(x[i], m);
        if constexpr (!Log) y[i] = e;
        return e;
      });
      const T norm = static_cast<T>(F::normaliser(s));
#pragma omp simd
      for (int64_t i = 0; i < n; ++i) y[i] = F::forward(Log ? T(0) : y[i], x[i], m, norm);
    }
  });
}

template <bool Log, class T>
void forward_columns(const T* xp, T* yp, int64_t outer, int64_t n, int64_t inner) {
  using F = Softmax<Log>;
  using Acc = acc_t<T>;
  for_column_blocks(outer, n, inner, [&](int64_t o, int64_t i0, int64_t i1) {
    const int64_t w = i1 - i0;
    const T* x0 = xp + o * n * inner + i0;
    T* y0 = yp + o * n * inner + i0;
    T m[kColumnBlock], norm[kColumnBlock];
    Acc s[kColumnBlock] = {};
    for (int64_t j = 0; j < w; ++j) m[j] = x0[j];
    for (int64_t r = 1; r < n; ++r)
      for (int64_t j = 0; j < w; ++j) m[j] = x0[r * inner + j] > m[j] ? x0[r * inner + j] : m[j];
    for (int64_t r = 0; r < n; ++r)
      for (int64_t j = 0; j < w; ++j) {
        const T e = shifted_exp(x0[r * inner + j], m[j]);
        if constexpr (!Log) y0[r * inner + j] = e;
        s[j] += e;
      }
    for (int64_t j = 0; j < w; ++j) norm[j] = static_cast<T>(F::normaliser(s[j]));
    for (int64_t r = 0; r < n; ++r)
      for (int64_t j = 0; j < w; ++j) {
        const int64_t k = r * inner + j;
        y0[k] = F::forward(Log ? T(0) : y0[k], x0[k], m[j], norm[j]);
      }
  });
}

template <bool Log, class T>
void backward_rows(const T* yp, const T* gp, T* dxp, int64_t rows, int64_t n) {
  using F = Softmax<Log>;
  using Acc = acc_t<T>;
  parallel_for(0, rows, rows_per_task(n), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const T* y = yp + r * n;
      const T* g = gp + r * n;
      T* dx = dxp + r * n;
      const T dot = static_cast<T>(lane_sum<Acc>(n, [&](int64_t i) { return F::backward_term(y[i], g[i]); }));
#pragma omp simd
      for (int64_t i = 0; i < n; ++i) dx[i] = F::backward(y[i], g[i], dot);
    }
  });
}

template <bool Log, class T>
void backward_columns(const T* yp, const T* gp, T* dxp, int64_t outer, int64_t n, int64_t inner) {
  using F = Softmax<Log>;
  using Acc = acc_t<T>;
  for_column_blocks(outer, n, inner, [&](int64_t o, int64_t i0, int64_t i1) {
    const int64_t w = i1 - i0, base = o * n * inner + i0;
    Acc acc[kColumnBlock] = {};
    T dot[kColumnBlock];
    for (int64_t r = 0; r < n; ++r)
      for (int64_t j = 0; j < w; ++j) acc[j] += F::backward_term(yp[base + r * inner + j], gp[base + r * inner + j]);
    for (int64_t j = 0; j < w; ++j) dot[j] = static_cast<T>(acc[j]);
    for (int64_t r = 0; r < n; ++r)
      for (int64_t j = 0; j < w; ++j) {
        const int64_t k = base + r * inner + j;
        dxp[k] = F::backward(yp[k], gp[k], dot[j]);
      }
  });
}

template <class Fn>
void with_log(bool log, Fn&& fn) {
  if (log)
    fn(std::true_type{});
  else
    fn(std::false_type{});
}

}  // namespace

void softmax(const Tensor& x, int64_t outer, int64_t n, int64_t inner, bool log, const Tensor& out) {
  if (x.numel() == 0) return;
  dispatch_float(x.dtype(), "softmax", [&](auto tag) {
    using T = typename decltype(tag)::type;
    with_log(log, [&](auto is_log) {
      if (inner == 1)
        forward_rows<decltype(is_log)::value>(x.data<T>(), out.data<T>(), outer, n);
      else
        forward_columns<decltype(is_log)::value>(x.data<T>(), out.data<T>(), outer, n, inner);
    });
  });
}

void softmax_backward(const Tensor& y, const Tensor& g, int64_t outer, int64_t n, int64_t inner, bool log,
                      const Tensor& out) {
  if (y.numel() == 0) return;
  dispatch_float(y.dtype(), "softmax_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    with_log(log, [&](auto is_log) {
      if (inner == 1)
        backward_rows<decltype(is_log)::value>(y.data<T>(), g.data<T>(), out.data<T>(), outer, n);
      else
        backward_columns<decltype(is_log)::value>(y.data<T>(), g.data<T>(), out.data<T>(), outer, n, inner);
    });
  });
}

}  // namespace vcc::kernels::cpu
