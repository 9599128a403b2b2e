// argmax, declared with the indexing ops (ops_index.h), served by the reduction kernel.
#include "autograd/ops_index.h"
#include "kernels/reduce.h"

namespace vcc {

Tensor argmax(const Tensor& x, int dim) { return kernels::argmax(x, dim); }

}  // namespace vcc
