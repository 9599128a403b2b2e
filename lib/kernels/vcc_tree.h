#pragma once
// Kernels of VCC's block tree and its batched row gathers (spec §3.2–§3.7).
// Shapes: tokens of selected blocks [B, k, b, d]; block index lists [B, k] (int64, unique
// per example); means [B, N, d]; offsets [B, N, b, d]; token mask [B, N, b]; counts [B, N].
#include "core/tensor.h"

namespace vcc::kernels {

// Masked means of the given blocks' tokens; also writes those blocks' offsets
// (mean - mask * token) into `offsets` in place. Returns [B, k, d].
Tensor vcc_coarsen(const Tensor& tokens, const Tensor& blocks, const Tensor& token_mask, const Tensor& counts,
                   double eps, const Tensor& offsets);
// Backward of vcc_coarsen: reads the offsets' gradient at the given blocks (then zeroes it
// there, since those offsets were overwritten in forward) and returns d tokens [B, k, b, d].
Tensor vcc_coarsen_backward(const Tensor& grad_means, const Tensor& blocks, const Tensor& token_mask,
                            const Tensor& counts, double eps, const Tensor& grad_offsets);
// Tokens of the given blocks rebuilt from the tree: means[blocks] - offsets[blocks].
Tensor vcc_refine(const Tensor& means, const Tensor& offsets, const Tensor& blocks);
// Backward of vcc_refine: d means (rows of `blocks` get sum over the block's tokens; other
// rows 0) and grad_offsets[blocks] -= grad_tokens (in place).
Tensor vcc_refine_backward(const Tensor& grad_tokens, const Tensor& blocks, int64_t num_blocks,
                           const Tensor& grad_offsets);
// out[b, i] = x[b, index[b, i]] for rows of x [B, N, d]; index [B, m] int64.
Tensor gather_rows(const Tensor& x, const Tensor& index);
// out [B, N, d] zero, then out[b, index[b, i]] += src[b, i] (in index order: deterministic).
Tensor scatter_add_rows(const Tensor& src, const Tensor& index, int64_t num_rows);

namespace cpu {
void vcc_coarsen(const Tensor& tokens, const Tensor& blocks, const Tensor& token_mask, const Tensor& counts,
                 double eps, const Tensor& offsets, const Tensor& means);
void vcc_coarsen_backward(const Tensor& grad_means, const Tensor& blocks, const Tensor& token_mask,
                          const Tensor& counts, double eps, const Tensor& grad_offsets, const Tensor& grad_tokens);
void vcc_refine(const Tensor& means, const Tensor& offsets, const Tensor& blocks, const Tensor& tokens);
void vcc_refine_backward(const Tensor& grad_tokens, const Tensor& blocks, const Tensor& grad_offsets,
                         const Tensor& grad_means);
void gather_rows(const Tensor& x, const Tensor& index, const Tensor& out);
void scatter_add_rows(const Tensor& src, const Tensor& index, const Tensor& out);
}  // namespace cpu
namespace cuda {
void vcc_coarsen(const Tensor& tokens, const Tensor& blocks, const Tensor& token_mask, const Tensor& counts,
                 double eps, const Tensor& offsets, const Tensor& means);
void vcc_coarsen_backward(const Tensor& grad_means, const Tensor& blocks, const Tensor& token_mask,
                          const Tensor& counts, double eps, const Tensor& grad_offsets, const Tensor& grad_tokens);
void vcc_refine(const Tensor& means, const Tensor& offsets, const Tensor& blocks, const Tensor& tokens);
void vcc_refine_backward(const Tensor& grad_tokens, const Tensor& blocks, const Tensor& grad_offsets,
                         const Tensor& grad_means);
void gather_rows(const Tensor& x, const Tensor& index, const Tensor& out);
void scatter_add_rows(const Tensor& src, const Tensor& index, const Tensor& out);
}  // namespace cuda

}  // namespace vcc::kernels
