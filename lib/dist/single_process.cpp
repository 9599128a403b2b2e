#include "dist/single_process.h"

#include <cstdlib>

#include "core/error.h"

namespace vcc::dist {

void SingleProcessCommunicator::all_reduce_sum(Tensor& x) {
  VCC_CHECK(x.defined(), "all_reduce_sum of an undefined tensor");
}

void SingleProcessCommunicator::broadcast(Tensor& x, int root) {
  VCC_CHECK(x.defined(), "broadcast of an undefined tensor");
  VCC_CHECK(root == 0, "broadcast from rank ", root, " in a one-process job");
}

void SingleProcessCommunicator::abort(int code) { std::exit(code); }

}  // namespace vcc::dist
