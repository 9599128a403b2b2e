#include "vcc/block_tree.h"

#include "kernels/elementwise.h"
#include "kernels/index.h"
#include "kernels/vcc_tree.h"

namespace vcc {

Tensor& BlockTree::State::grad_buffer() {
  if (!grad_offsets.defined()) grad_offsets = Tensor::zeros(offsets.shape(), offsets.dtype(), offsets.device());
  return grad_offsets;
}

BlockTree::BlockTree(const Tensor& token_mask, double mean_epsilon) : state_(std::make_shared<State>()) {
  VCC_CHECK(token_mask.dim() == 3, "BlockTree: token mask must be [B, N, b], got ", token_mask.describe());
  state_->token_mask = token_mask.contiguous();
  state_->counts = kernels::sum_to_shape(state_->token_mask, {token_mask.size(0), token_mask.size(1), 1})
                       .view({token_mask.size(0), token_mask.size(1)})
                       .contiguous();
  state_->eps = mean_epsilon;
}

Tensor BlockTree::all_blocks() const {
  const int64_t B = state_->token_mask.size(0), N = num_blocks();
  return Tensor::arange(N, DType::I64, state_->token_mask.device()).unsqueeze(0).expand({B, N}).contiguous();
}

Tensor BlockTree::block_mask() const {
  // count >= 1 exactly when its truncation to an integer is nonzero; on the counts' device.
  const Device dev = state_->counts.device();
  return kernels::where(state_->counts.to(DType::I64), Tensor::ones({}, DType::U8, dev), Tensor::zeros({}, DType::U8, dev));
}

Var BlockTree::coarsen_all(const Var& tokens) {
  const Shape& s = tokens.shape();
  VCC_CHECK(s.size() == 4, "coarsen_all: tokens must be [B, N, b, d], got ", tokens.value().describe());
  state_->offsets = Tensor::empty(s, tokens.dtype(), tokens.device());
  return coarsen(tokens, all_blocks());
}

Var BlockTree::coarsen(const Var& tokens, const Tensor& blocks) {
  VCC_CHECK(state_->offsets.defined(), "BlockTree::coarsen before coarsen_all");
  std::shared_ptr<State> st = state_;
  Tensor means = kernels::vcc_coarsen(tokens.value(), blocks, st->token_mask, st->counts, st->eps, st->offsets);
  return make_result(
      means, {tokens},
      [st, blocks](const Tensor& g, const std::vector<bool>&) -> std::vector<Tensor> {
        return {kernels::vcc_coarsen_backward(g, blocks, st->token_mask, st->counts, st->eps, st->grad_buffer())};
      },
      "vcc_coarsen", /*always_record=*/false);
}

Var BlockTree::refine(const Var& means, const Tensor& blocks) {
  std::shared_ptr<State> st = state_;
  Tensor tokens = kernels::vcc_refine(means.value(), st->offsets, blocks);
  const int64_t N = num_blocks();
  return make_result(
      tokens, {means},
      [st, blocks, N](const Tensor& g, const std::vector<bool>&) -> std::vector<Tensor> {
        return {kernels::vcc_refine_backward(g, blocks, N, st->grad_buffer())};
      },
      "vcc_refine");
}

Var BlockTree::reconstruct(const Var& means) {
  Var tokens = refine(means, all_blocks());
  // Padded tokens are zero in the output, as the official exit leaves them.
  Tensor mask = state_->token_mask.unsqueeze(3);
  Var masked = make_result(
      kernels::binary(kernels::BinaryOp::Mul, tokens.value(), mask), {tokens},
      [mask](const Tensor& g, const std::vector<bool>&) -> std::vector<Tensor> {
        return {kernels::binary(kernels::BinaryOp::Mul, g, mask)};
      },
      "vcc_mask_tokens");
  return masked;
}

Var gather_rows(const Var& x, const Tensor& index) {
  const int64_t rows = x.size(1);
  return make_result(
      kernels::gather_rows(x.value(), index), {x},
      [index, rows](const Tensor& g, const std::vector<bool>&) -> std::vector<Tensor> {
        return {kernels::scatter_add_rows(g, index, rows)};
      },
      "gather_rows");
}

}  // namespace vcc
