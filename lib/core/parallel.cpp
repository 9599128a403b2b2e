#include "core/parallel.h"

#include <cblas.h>

#include "core/error.h"

namespace vcc {

void set_num_threads(int n) {
  VCC_CHECK(n >= 1, "thread count ", n);
  omp_set_num_threads(n);
  openblas_set_num_threads(n);
}

int num_threads() { return omp_get_max_threads(); }

}  // namespace vcc
