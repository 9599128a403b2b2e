#pragma once
// Per-element math of VCC's two-level block tree (spec §3.2, §3.6): a block j of b tokens
// is stored as its masked mean mu_j and per-token offsets D_ji = mu_j - m_ji c_ji, so that
// token = mu_j - D_ji. Shared by the CPU loops and the CUDA kernels.
#include "core/hostdevice.h"

namespace vcc::kernels {

// 1 / (count + eps), with an exact-mean empty block (count 0, eps 0) giving 0: such a
// block has only padded tokens, whose mask zeroes every use of the mean.
template <class T>
VCC_HOST_DEVICE T inverse_block_count(T count, T eps) {
  T denom = count + eps;
  return denom > T(0) ? T(1) / denom : T(0);
}

// Gradient of the coarsening c -> (mu, D) for one token:
//   d c_ji = m_ji * inv_count * (g_mu_j + sum_k g_D_jk) - m_ji * g_D_ji
template <class T>
VCC_HOST_DEVICE T coarsen_token_grad(T mask, T inv_count, T g_mean_plus_offset_sum, T g_offset) {
  return mask * (inv_count * g_mean_plus_offset_sum - g_offset);
}

}  // namespace vcc::kernels
