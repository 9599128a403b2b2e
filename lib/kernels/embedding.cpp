#include "kernels/embedding.h"

#include "kernels/dispatch.h"

namespace vcc::kernels {

Tensor embedding(const Tensor& table, const Tensor& ids) {
  VCC_CHECK(table.dim() == 2, "embedding: table ", table.describe(), " is not [V, D]");
  VCC_CHECK(ids.dtype() == DType::I64 || ids.dtype() == DType::I32, "embedding: ids ", ids.describe(),
            " (int32/int64 expected)");
  check_same_device("embedding", table, ids);
  Shape shape = ids.shape();
  shape.push_back(table.size(1));
  Tensor out = Tensor::empty(shape, table.dtype(), table.device());
  VCC_DISPATCH_DEVICE_INDEXED(table.device(), embedding, table.contiguous(), ids.contiguous().flatten(), out);
  return out;
}

Tensor embedding_backward(const Tensor& g, const Tensor& ids, int64_t vocab_size) {
  VCC_CHECK(g.dim() == ids.dim() + 1 && g.numel() == ids.numel() * g.size(-1), "embedding_backward: gradient ",
            g.describe(), " for ids ", ids.describe());
  check_same_device("embedding_backward", g, ids);
  Tensor out = Tensor::empty({vocab_size, g.size(-1)}, g.dtype(), g.device());
  VCC_DISPATCH_DEVICE_INDEXED(g.device(), embedding_backward, g.contiguous(), ids.contiguous().flatten(), out);
  return out;
}

}  // namespace vcc::kernels
