#pragma once
// Host threading (OpenMP). Work is split so that results never depend on the thread
// count: each output is written by exactly one task, and reductions combine per-chunk
// partials whose boundaries depend only on the problem size, in a fixed order.
#include <algorithm>
#include <cstdint>
#include <vector>

#include <omp.h>

namespace vcc {

// Threads of the library's parallel regions (default: OMP_NUM_THREADS, else all cores).
// Every region names its team size from this count; the OpenMP default of the calling
// thread is kept at 1 instead (see keep_blas_single_threaded).
void set_num_threads(int n);
int num_threads();

// OpenBLAS runs single-threaded: the library splits products itself, with boundaries that
// depend only on the shape, so results do not depend on the thread count. OpenBLAS's
// OpenMP build takes its thread count from the calling thread's OpenMP default (and
// openblas_set_num_threads sets that default), so this sets the calling thread's default
// to 1. Called by the GEMM launcher before every BLAS call made outside a parallel region.
void keep_blas_single_threaded();

// Calls fn(begin, end) on sub-ranges of [begin, end), in parallel when the range has at
// least `grain` items per thread. Sub-ranges are disjoint; no ordering is implied.
template <class Fn>
void parallel_for(int64_t begin, int64_t end, int64_t grain, Fn&& fn) {
  const int64_t n = end - begin;
  if (n <= 0) return;
  const int threads = omp_in_parallel() ? 1 : num_threads();
  if (threads <= 1 || n < 2 * std::max<int64_t>(grain, 1)) {
    fn(begin, end);
    return;
  }
  const int64_t tasks = std::min<int64_t>(threads, (n + grain - 1) / std::max<int64_t>(grain, 1));
#pragma omp parallel for num_threads(static_cast<int>(tasks)) schedule(static, 1)
  for (int64_t t = 0; t < tasks; ++t) {
    int64_t b = begin + n * t / tasks, e = begin + n * (t + 1) / tasks;
    if (b < e) fn(b, e);
  }
}

// Like parallel_for, but hands out items one by one (dynamic schedule) for uneven work.
template <class Fn>
void parallel_for_each(int64_t begin, int64_t end, Fn&& fn) {
  const int threads = omp_in_parallel() ? 1 : static_cast<int>(std::min<int64_t>(num_threads(), end - begin));
  if (end - begin <= 1 || threads <= 1) {
    for (int64_t i = begin; i < end; ++i) fn(i);
    return;
  }
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
  for (int64_t i = begin; i < end; ++i) fn(i);
}

// Deterministic sum-like reduction: partial(b, e) over fixed chunks of `chunk` items,
// combined left to right with combine(acc, x). Thread count never changes the result.
template <class T, class Partial, class Combine>
T parallel_reduce(int64_t begin, int64_t end, int64_t chunk, T init, Partial&& partial, Combine&& combine) {
  const int64_t n = end - begin;
  if (n <= 0) return init;
  const int64_t chunks = (n + chunk - 1) / chunk;
  std::vector<T> parts(chunks, init);
  parallel_for_each(0, chunks, [&](int64_t c) {
    int64_t b = begin + c * chunk, e = std::min(end, b + chunk);
    parts[c] = partial(b, e);
  });
  T acc = init;
  for (const T& p : parts) acc = combine(acc, p);
  return acc;
}

}  // namespace vcc
