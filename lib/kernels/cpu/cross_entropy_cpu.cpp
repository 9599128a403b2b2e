// CPU launchers for cross-entropy with the functors of kernels/cross_entropy_ops.h,
// parallel over rows. Forward reads each row of logits twice while it is in cache (max;
// sum of exponentials, plus the row sum when smoothing) and writes two numbers per row;
// backward writes each gradient row in one pass.
#include <algorithm>

#include "core/parallel.h"
#include "kernels/cpu/axis_loop.h"
#include "kernels/cpu/lanes.h"
#include "kernels/cross_entropy.h"
#include "kernels/cross_entropy_ops.h"
#include "kernels/reduce_ops.h"
#include "kernels/softmax_ops.h"

namespace vcc::kernels::cpu {
namespace {

// Non-ignored rows; every target is checked first (an error cannot leave an OpenMP region).
template <class I>
int64_t count_targets(const I* t, int64_t n, int64_t classes, int64_t ignore_index) {
  int64_t count = 0;
  for (int64_t r = 0; r < n; ++r) {
    const int64_t v = t[r];
    if (v == ignore_index) continue;
    VCC_USER_CHECK(v >= 0 && v < classes, "cross_entropy: target ", v, " in row ", r, " is out of range for ",
                   classes, " classes (ignore_index ", ignore_index, ")");
    ++count;
  }
  return count;
}

}  // namespace

void cross_entropy(const Tensor& logits, const Tensor& targets, int64_t ignore_index, double smoothing,
                   const Tensor& loss, const Tensor& lse, int64_t* count) {
  const int64_t n = logits.size(0), c = logits.size(1), ld = logits.stride(0);
  dispatch_index(targets.dtype(), "cross_entropy", [&](auto itag) {
    const auto* tp = targets.data<typename decltype(itag)::type>();
    *count = count_targets(tp, n, c, ignore_index);
    dispatch_float(logits.dtype(), "cross_entropy", [&](auto tag) {
      using T = typename decltype(tag)::type;
      using Acc = acc_t<T>;
      const T* xp = logits.data<T>();
      T* lp = loss.data<T>();
      T* sp = lse.data<T>();
      parallel_for(0, n, rows_per_task(c), [&](int64_t r0, int64_t r1) {
        for (int64_t r = r0; r < r1; ++r) {
          const int64_t t = tp[r];
          if (t == ignore_index) {
            lp[r] = T(0);
            sp[r] = T(0);
            continue;
          }
          const T* x = xp + r * ld;
          const T m = lane_max(x, c);
          const Acc row_lse = static_cast<Acc>(m) +
                              math::log(lane_sum<Acc>(c, [&](int64_t i) { return shifted_exp(x[i], m); }));
          const Acc mean_x = smoothing > 0 ? lane_sum<Acc>(c, [&](int64_t i) { return x[i]; }) / c : Acc(0);
          lp[r] = static_cast<T>(CrossEntropy::loss<Acc>(row_lse, x[t], mean_x, smoothing));
          sp[r] = static_cast<T>(row_lse);
        }
      });
    });
  });
}

void cross_entropy_backward(const Tensor& logits, const Tensor& targets, const Tensor& lse, const Tensor& grad_rows,
                            double scale, int64_t ignore_index, double smoothing, const Tensor& out) {
  const int64_t n = logits.size(0), c = logits.size(1), ld = logits.stride(0), gs = grad_rows.stride(0);
  dispatch_index(targets.dtype(), "cross_entropy_backward", [&](auto itag) {
    const auto* tp = targets.data<typename decltype(itag)::type>();
    dispatch_float(logits.dtype(), "cross_entropy_backward", [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T* xp = logits.data<T>();
      const T* sp = lse.data<T>();
      const T* gp = grad_rows.data<T>();
      T* op = out.data<T>();
      const T e = static_cast<T>(smoothing), uniform_mass = static_cast<T>(smoothing / static_cast<double>(c));
      parallel_for(0, n, rows_per_task(c), [&](int64_t r0, int64_t r1) {
        for (int64_t r = r0; r < r1; ++r) {
          T* o = op + r * c;
          const int64_t t = tp[r];
          if (t == ignore_index) {
            std::fill(o, o + c, T(0));
            continue;
          }
          const T* x = xp + r * ld;
          const T l = sp[r], s = static_cast<T>(static_cast<double>(gp[r * gs]) * scale);
#pragma omp simd
          for (int64_t i = 0; i < c; ++i) o[i] = CrossEntropy::grad(x[i], l, uniform_mass, s);
          o[t] += CrossEntropy::target_correction(e, s);
        }
      });
    });
  });
}

}  // namespace vcc::kernels::cpu
