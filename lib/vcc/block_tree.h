#pragma once
// VCC's two-level block tree (spec §3.2, §3.6, §3.9): block means as Vars, per-token
// offsets in one preallocated buffer that forward updates in place for the k refined
// blocks only — no O(n d) copy per layer. Backward is hand-written: reconstruction and
// re-averaging are linear, so the offsets' gradient lives in a second buffer that the ops'
// backward closures update in place, in exact reverse order of the forward updates.
#include <memory>

#include "autograd/variable.h"

namespace vcc {

class BlockTree {
 public:
  // token_mask [B, N, b] (states' dtype, 1 = real token); mean = sum / (count + eps).
  BlockTree(const Tensor& token_mask, double mean_epsilon);

  // Initial coarsening of all tokens [B, N, b, d]: fills every block's offsets, returns
  // the block means [B, N, d].
  Var coarsen_all(const Var& tokens);
  // Write-back of refined blocks: new tokens [B, k, b, d] of `blocks` [B, k] (int64) ->
  // their new means [B, k, d]; their offsets are replaced in place.
  Var coarsen(const Var& tokens, const Tensor& blocks);
  // Tokens [B, k, b, d] of `blocks` rebuilt as mean - offset from means [B, N, d].
  Var refine(const Var& means, const Tensor& blocks);
  // Every token [B, N, b, d] rebuilt from the means, padded ones zeroed (the exit).
  Var reconstruct(const Var& means);

  const Tensor& token_mask() const { return state_->token_mask; }
  const Tensor& counts() const { return state_->counts; }  // [B, N] real tokens per block
  Tensor block_mask() const;                                // [B, N] uint8, count > 0
  int64_t num_blocks() const { return state_->token_mask.size(1); }
  int64_t block_size() const { return state_->token_mask.size(2); }

 private:
  struct State {
    Tensor token_mask, counts, offsets, grad_offsets;
    double eps = 0;
    Tensor& grad_buffer();  // allocated (zeros) by the first backward that needs it
  };
  Tensor all_blocks() const;
  std::shared_ptr<State> state_;
};

// out[b, i] = x[b, index[b, i]] for x [B, N, d] and index [B, m] (int64); backward
// scatter-adds rows (deterministic).
Var gather_rows(const Var& x, const Tensor& index);

}  // namespace vcc
