#include "core/parallel.h"

#include <cblas.h>

#include "core/error.h"

namespace vcc {

void set_num_threads(int n) {
  VCC_CHECK(n >= 1, "thread count ", n);
  omp_set_num_threads(n);
  // OpenBLAS stays single-threaded inside the library's own tasks (kernels/cpu/matmul_cpu.cpp):
  // its internal threading changes rounding with the thread count.
  openblas_set_num_threads(1);
}

int num_threads() { return omp_get_max_threads(); }

}  // namespace vcc
