#include "core/parallel.h"

#include <cblas.h>

#include <atomic>

#include "core/error.h"

namespace vcc {

namespace {

// 0 until first asked: then the OpenMP default at that moment (OMP_NUM_THREADS or the
// cores), read before anything lowers the calling thread's default to 1.
std::atomic<int> library_threads{0};

}  // namespace

void set_num_threads(int n) {
  VCC_CHECK(n >= 1, "thread count ", n);
  library_threads.store(n);
  keep_blas_single_threaded();
}

int num_threads() {
  int n = library_threads.load();
  if (n == 0) {
    int expected = 0;
    library_threads.compare_exchange_strong(expected, std::max(1, omp_get_max_threads()));
    n = library_threads.load();
  }
  return n;
}

void keep_blas_single_threaded() {
  if (omp_in_parallel()) return;  // inside a team OpenBLAS runs single-threaded anyway
  (void)num_threads();            // fix the library's count before the default changes
  if (omp_get_max_threads() != 1) {
    openblas_set_num_threads(1);
    omp_set_num_threads(1);
  }
}

}  // namespace vcc
