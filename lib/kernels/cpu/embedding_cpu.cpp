// CPU launchers for the embedding lookup and its deterministic backward: ids are sorted
// (stably, by id), and each distinct id's table row is summed by one task over its
// positions in increasing order. No atomics, no dependence on the thread count.
#include <algorithm>
#include <cstring>
#include <numeric>
#include <vector>

#include "core/parallel.h"
#include "kernels/cpu/axis_loop.h"
#include "kernels/embedding.h"
#include "kernels/reduce_ops.h"

namespace vcc::kernels::cpu {

void embedding(const Tensor& table, const Tensor& ids, const Tensor& out) {
  const int64_t vocab = table.size(0), d = table.size(1), n = ids.numel();
  const size_t row_bytes = static_cast<size_t>(d) * table.element_size();
  const char* src = static_cast<const char*>(table.raw_data());
  char* dst = static_cast<char*>(out.raw_data());
  dispatch_index(ids.dtype(), "embedding", [&](auto tag) {
    using I = typename decltype(tag)::type;
    const I* ip = ids.data<I>();
    // Checked before the parallel copy: an error cannot leave an OpenMP region.
    for (int64_t k = 0; k < n; ++k)
      VCC_USER_CHECK(ip[k] >= 0 && ip[k] < vocab, "embedding: id ", static_cast<int64_t>(ip[k]), " at position ", k,
                     " is out of range for a vocabulary of ", vocab, " rows");
    parallel_for(0, n, rows_per_task(d), [&](int64_t k0, int64_t k1) {
      for (int64_t k = k0; k < k1; ++k) std::memcpy(dst + k * row_bytes, src + ip[k] * row_bytes, row_bytes);
    });
  });
}

void embedding_backward(const Tensor& g, const Tensor& ids, const Tensor& out) {
  const int64_t d = out.size(1), n = ids.numel();
  std::vector<int64_t> id(n);
  dispatch_index(ids.dtype(), "embedding_backward", [&](auto tag) {
    const auto* ip = ids.data<typename decltype(tag)::type>();
    for (int64_t k = 0; k < n; ++k) id[k] = ip[k];
  });
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return id[a] < id[b]; });
  // Runs of equal ids in `order`: run r covers order[start[r] .. start[r + 1]).
  std::vector<int64_t> start;
  for (int64_t k = 0; k < n; ++k)
    if (k == 0 || id[order[k]] != id[order[k - 1]]) start.push_back(k);
  start.push_back(n);
  const int64_t runs = static_cast<int64_t>(start.size()) - 1;

  dispatch_float(g.dtype(), "embedding_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using Acc = acc_t<T>;
    const T* gp = g.data<T>();
    T* op = out.data<T>();
    parallel_for(0, out.numel(), kAxisGrain, [&](int64_t b, int64_t e) { std::fill(op + b, op + e, T(0)); });
    parallel_for(0, runs, rows_per_task(d * std::max<int64_t>(1, n / std::max<int64_t>(runs, 1))),
                 [&](int64_t r0, int64_t r1) {
                   std::vector<Acc> acc(d);
                   for (int64_t r = r0; r < r1; ++r) {
                     std::fill(acc.begin(), acc.end(), Acc(0));
                     for (int64_t k = start[r]; k < start[r + 1]; ++k) {
                       const T* gr = gp + order[k] * d;
#pragma omp simd
                       for (int64_t j = 0; j < d; ++j) acc[j] += static_cast<Acc>(gr[j]);
                     }
                     T* row = op + id[order[start[r]]] * d;
                     for (int64_t j = 0; j < d; ++j) row[j] = static_cast<T>(acc[j]);
                   }
                 });
  });
}

}  // namespace vcc::kernels::cpu
