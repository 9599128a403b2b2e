#pragma once
// Embedding lookup (rows of a [V, D] table for integer ids) and its backward, a
// deterministic scatter-add into the table, on any device.
#include "core/tensor.h"

namespace vcc::kernels {

// table [V, D], ids int32/int64 of any shape -> [ids..., D]. An id outside [0, V) is an
// error naming the id and V.
Tensor embedding(const Tensor& table, const Tensor& ids);
// d(table) [V, D] for d(out) g [ids..., D]: each row sums the gradients of its ids in
// order of position, so repeated ids give the same bits for any thread count.
Tensor embedding_backward(const Tensor& g, const Tensor& ids, int64_t vocab_size);

// Backend launchers (called by the front end only): table, g contiguous, ids contiguous
// and flat, outputs allocated and contiguous.
namespace cpu {
void embedding(const Tensor& table, const Tensor& ids, const Tensor& out);
void embedding_backward(const Tensor& g, const Tensor& ids, const Tensor& out);
}  // namespace cpu
namespace cuda {
void embedding(const Tensor& table, const Tensor& ids, const Tensor& out);
void embedding_backward(const Tensor& g, const Tensor& ids, const Tensor& out);
}  // namespace cuda

}  // namespace vcc::kernels
