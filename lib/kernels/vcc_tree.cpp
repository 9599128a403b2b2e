#include "kernels/vcc_tree.h"

#include "kernels/dispatch.h"

namespace vcc::kernels {
namespace {

void check_blocks(const char* op, const Tensor& blocks, int64_t batch, int64_t num_blocks) {
  VCC_CHECK(blocks.dtype() == DType::I64 && blocks.dim() == 2 && blocks.size(0) == batch, op,
            ": block index list must be int64 [", batch, ", k], got ", blocks.describe());
  VCC_CHECK(blocks.is_contiguous(), op, ": block index list must be contiguous");
  (void)num_blocks;
}

void check_tree(const char* op, const Tensor& offsets, const Tensor& token_mask, const Tensor& counts) {
  VCC_CHECK(offsets.dim() == 4 && offsets.is_contiguous(), op, ": offsets must be contiguous [B, N, b, d], got ",
            offsets.describe());
  VCC_CHECK(token_mask.shape() == Shape({offsets.size(0), offsets.size(1), offsets.size(2)}) &&
                token_mask.dtype() == offsets.dtype() && token_mask.is_contiguous(),
            op, ": token mask ", token_mask.describe(), " for offsets ", offsets.describe());
  VCC_CHECK(counts.shape() == Shape({offsets.size(0), offsets.size(1)}) && counts.dtype() == offsets.dtype() &&
                counts.is_contiguous(),
            op, ": counts ", counts.describe(), " for offsets ", offsets.describe());
}

}  // namespace

Tensor vcc_coarsen(const Tensor& tokens, const Tensor& blocks, const Tensor& token_mask, const Tensor& counts,
                   double eps, const Tensor& offsets) {
  check_tree("vcc_coarsen", offsets, token_mask, counts);
  check_blocks("vcc_coarsen", blocks, offsets.size(0), offsets.size(1));
  const int64_t B = offsets.size(0), k = blocks.size(1), b = offsets.size(2), d = offsets.size(3);
  VCC_CHECK(tokens.shape() == Shape({B, k, b, d}) && tokens.dtype() == offsets.dtype(), "vcc_coarsen: tokens ",
            tokens.describe(), " for ", k, " blocks of offsets ", offsets.describe());
  Tensor means = Tensor::empty({B, k, d}, offsets.dtype(), offsets.device());
  VCC_DISPATCH_DEVICE_INDEXED(offsets.device(), vcc_coarsen, tokens.contiguous(), blocks, token_mask, counts, eps, offsets,
                      means);
  return means;
}

Tensor vcc_coarsen_backward(const Tensor& grad_means, const Tensor& blocks, const Tensor& token_mask,
                            const Tensor& counts, double eps, const Tensor& grad_offsets) {
  check_tree("vcc_coarsen_backward", grad_offsets, token_mask, counts);
  check_blocks("vcc_coarsen_backward", blocks, grad_offsets.size(0), grad_offsets.size(1));
  const int64_t B = grad_offsets.size(0), k = blocks.size(1), b = grad_offsets.size(2), d = grad_offsets.size(3);
  Tensor grad_tokens = Tensor::empty({B, k, b, d}, grad_offsets.dtype(), grad_offsets.device());
  Tensor gm = grad_means.defined() ? grad_means.contiguous() : Tensor::zeros({B, k, d}, grad_offsets.dtype(),
                                                                             grad_offsets.device());
  VCC_DISPATCH_DEVICE_INDEXED(grad_offsets.device(), vcc_coarsen_backward, gm, blocks, token_mask, counts, eps, grad_offsets,
                      grad_tokens);
  return grad_tokens;
}

Tensor vcc_refine(const Tensor& means, const Tensor& offsets, const Tensor& blocks) {
  VCC_CHECK(offsets.dim() == 4 && offsets.is_contiguous(), "vcc_refine: offsets ", offsets.describe());
  check_blocks("vcc_refine", blocks, offsets.size(0), offsets.size(1));
  const int64_t B = offsets.size(0), N = offsets.size(1), k = blocks.size(1), b = offsets.size(2),
                d = offsets.size(3);
  VCC_CHECK(means.shape() == Shape({B, N, d}) && means.dtype() == offsets.dtype(), "vcc_refine: means ",
            means.describe(), " for offsets ", offsets.describe());
  Tensor tokens = Tensor::empty({B, k, b, d}, offsets.dtype(), offsets.device());
  VCC_DISPATCH_DEVICE_INDEXED(offsets.device(), vcc_refine, means.contiguous(), offsets, blocks, tokens);
  return tokens;
}

Tensor vcc_refine_backward(const Tensor& grad_tokens, const Tensor& blocks, int64_t num_blocks,
                           const Tensor& grad_offsets) {
  VCC_CHECK(grad_offsets.dim() == 4 && grad_offsets.is_contiguous(), "vcc_refine_backward: grad offsets ",
            grad_offsets.describe());
  check_blocks("vcc_refine_backward", blocks, grad_offsets.size(0), num_blocks);
  const int64_t B = grad_offsets.size(0), d = grad_offsets.size(3);
  Tensor grad_means = Tensor::zeros({B, num_blocks, d}, grad_offsets.dtype(), grad_offsets.device());
  VCC_DISPATCH_DEVICE_INDEXED(grad_offsets.device(), vcc_refine_backward, grad_tokens.contiguous(), blocks, grad_offsets,
                      grad_means);
  return grad_means;
}

Tensor gather_rows(const Tensor& x, const Tensor& index) {
  VCC_CHECK(x.dim() == 3, "gather_rows: x must be [B, N, d], got ", x.describe());
  VCC_CHECK(index.dtype() == DType::I64 && index.dim() == 2 && index.size(0) == x.size(0),
            "gather_rows: index must be int64 [B, m], got ", index.describe(), " for ", x.describe());
  check_same_device("gather_rows", x, index);
  Tensor out = Tensor::empty({x.size(0), index.size(1), x.size(2)}, x.dtype(), x.device());
  VCC_DISPATCH_DEVICE_INDEXED(x.device(), gather_rows, x.contiguous(), index.contiguous(), out);
  return out;
}

Tensor scatter_add_rows(const Tensor& src, const Tensor& index, int64_t num_rows) {
  VCC_CHECK(src.dim() == 3 && index.dim() == 2 && index.dtype() == DType::I64 && index.size(0) == src.size(0) &&
                index.size(1) == src.size(1),
            "scatter_add_rows: src ", src.describe(), " with index ", index.describe());
  Tensor out = Tensor::zeros({src.size(0), num_rows, src.size(2)}, src.dtype(), src.device());
  VCC_DISPATCH_DEVICE_INDEXED(src.device(), scatter_add_rows, src.contiguous(), index.contiguous(), out);
  return out;
}

}  // namespace vcc::kernels
