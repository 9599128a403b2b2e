// CPU launchers for LayerNorm / RMSNorm with the functors of kernels/norm_ops.h. Forward
// and the input gradient are parallel over rows, a few passes over a row in cache. The
// weight and bias gradients are summed per fixed chunk of rows (chunk boundaries depend
// only on the row count), then over chunks in order: bitwise the same for any thread count.
#include <algorithm>
#include <vector>

#include "core/parallel.h"
#include "kernels/cpu/axis_loop.h"
#include "kernels/cpu/lanes.h"
#include "kernels/norm.h"
#include "kernels/norm_ops.h"
#include "kernels/reduce_ops.h"

namespace vcc::kernels::cpu {
namespace {

constexpr int64_t kMaxChunks = 64;     // bounds the [chunks, D] partial sums
constexpr int64_t kMinChunkRows = 16;  // below this, splitting rows does not pay

}  // namespace

void norm(const Tensor& x, const Tensor& weight, const Tensor& bias, double eps, const Tensor& y, const Tensor& mean,
          const Tensor& rstd) {
  dispatch_float(x.dtype(), "norm", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using Acc = acc_t<T>;
    const int64_t d = x.size(-1), rows = rstd.numel();
    const bool centred = mean.defined();
    const T* xp = x.data<T>();
    const T* w = weight.data<T>();
    const T* b = bias.data<T>();
    T* yp = y.data<T>();
    T* mp = centred ? mean.data<T>() : nullptr;
    T* rp = rstd.data<T>();
    parallel_for(0, rows, rows_per_task(d), [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        const T* xr = xp + r * d;
        T* yr = yp + r * d;
        const Acc mu = centred ? lane_sum<Acc>(d, [&](int64_t i) { return xr[i]; }) / d : Acc(0);
        const Acc var = lane_sum<Acc>(d, [&](int64_t i) {
                          const Acc c = static_cast<Acc>(xr[i]) - mu;
                          return c * c;
                        }) / d;
        const T m = static_cast<T>(mu), s = static_cast<T>(Norm::rstd(var, eps));
        if (mp) mp[r] = m;
        rp[r] = s;
#pragma omp simd
        for (int64_t i = 0; i < d; ++i) yr[i] = Norm::forward(xr[i], m, s, w[i], b[i]);
      }
    });
  });
}

void norm_backward(const Tensor& g, const Tensor& x, const Tensor& mean, const Tensor& rstd, const Tensor& weight,
                   const Tensor& dx, const Tensor& dweight, const Tensor& dbias) {
  dispatch_float(x.dtype(), "norm_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using Acc = acc_t<T>;
    const int64_t d = x.size(-1), rows = rstd.numel();
    const T* gp = g.data<T>();
    const T* xp = x.data<T>();
    const T* mp = mean.defined() ? mean.data<T>() : nullptr;
    const T* rp = rstd.data<T>();
    const T* w = weight.data<T>();
    T* dxp = dx.defined() ? dx.data<T>() : nullptr;
    const bool need_w = dweight.defined(), need_b = dbias.defined();

    const int64_t chunks = std::max<int64_t>(1, std::min(kMaxChunks, rows / kMinChunkRows));
    const int64_t chunk_rows = (rows + chunks - 1) / chunks;
    std::vector<Acc> part_w(need_w ? chunks * d : 0), part_b(need_b ? chunks * d : 0);
    parallel_for_each(0, chunks, [&](int64_t c) {
      Acc* pw = need_w ? part_w.data() + c * d : nullptr;
      Acc* pb = need_b ? part_b.data() + c * d : nullptr;
      for (int64_t r = c * chunk_rows; r < std::min(rows, (c + 1) * chunk_rows); ++r) {
        const T* gr = gp + r * d;
        const T* xr = xp + r * d;
        const T m = mp ? mp[r] : T(0), s = rp[r];
        if (dxp) {
          const T c1 = mp ? static_cast<T>(lane_sum<Acc>(d, [&](int64_t i) { return gr[i] * w[i]; }) / d) : T(0);
          const T c2 = static_cast<T>(
              lane_sum<Acc>(d, [&](int64_t i) { return gr[i] * w[i] * Norm::normalised(xr[i], m, s); }) / d);
          T* dr = dxp + r * d;
#pragma omp simd
          for (int64_t i = 0; i < d; ++i) dr[i] = Norm::backward(gr[i] * w[i], Norm::normalised(xr[i], m, s), s, c1, c2);
        }
        if (pw) {
#pragma omp simd
          for (int64_t i = 0; i < d; ++i) pw[i] += static_cast<Acc>(gr[i] * Norm::normalised(xr[i], m, s));
        }
        if (pb) {
#pragma omp simd
          for (int64_t i = 0; i < d; ++i) pb[i] += static_cast<Acc>(gr[i]);
        }
      }
    });
    auto fold_chunks = [&](const std::vector<Acc>& part, const Tensor& out) {
      T* o = out.data<T>();
      parallel_for(0, d, std::max<int64_t>(1, kAxisGrain / chunks), [&](int64_t j0, int64_t j1) {
        for (int64_t j = j0; j < j1; ++j) {
          Acc s = 0;
          for (int64_t c = 0; c < chunks; ++c) s += part[c * d + j];
          o[j] = static_cast<T>(s);
        }
      });
    };
    if (need_w) fold_chunks(part_w, dweight);
    if (need_b) fold_chunks(part_b, dbias);
  });
}

}  // namespace vcc::kernels::cpu
