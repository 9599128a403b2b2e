#pragma once
// Fused-attention per-element math shared by the CPU and CUDA kernels: T5 relative-position
// buckets, masking and dropout rules, and the online-softmax update (over core/math.h's
// vectorisable exp_fast).
#include <cstdint>

#include "core/hostdevice.h"
#include "core/math.h"
#include "core/rng.h"

namespace vcc::kernels::attention {

// ---- T5 relative-position buckets ----

// Hugging Face T5Attention._relative_position_bucket for one relative position
// (key_position - query_position), reproduced operation by operation, including the float32
// arithmetic of the logarithmic part, so that every bucket matches a PyTorch-computed one.
VCC_HOST_DEVICE int relative_position_bucket(int64_t relative_position, bool bidirectional, int num_buckets,
                                             int max_distance) {
  int bucket = 0;
  int64_t n = relative_position;
  if (bidirectional) {
    num_buckets /= 2;
    if (n > 0) bucket += num_buckets;
    n = n < 0 ? -n : n;
  } else {
    n = n < 0 ? -n : 0;  // decoder: only keys before the query are distinguished
  }
  const int max_exact = num_buckets / 2;
  if (n < max_exact) return bucket + static_cast<int>(n);
  // torch: log(float(n) / max_exact) / math.log(max_distance / max_exact) * (num_buckets - max_exact),
  // every step in float32 (the Python double divisor is rounded to float32 first), truncated.
  const float log_ratio = math::log(static_cast<float>(n) / static_cast<float>(max_exact));
  const float log_range = static_cast<float>(math::log(static_cast<double>(max_distance) / max_exact));
  const float scaled = log_ratio / log_range * static_cast<float>(num_buckets - max_exact);
  int large = max_exact + static_cast<int>(scaled);
  if (large > num_buckets - 1) large = num_buckets - 1;
  return bucket + large;
}

// Relative positions beyond +-max_distance all land in the last bucket of their side, so a
// kernel clamps to this range and looks buckets up in a table of 2 * max_distance + 1 entries
// (positions are arbitrary int64 after VCC compression). Valid when max_distance exceeds the
// exact range (num_buckets / 2, halved again when bidirectional); the front end checks that.
VCC_HOST_DEVICE int64_t clamp_relative_position(int64_t relative_position, int max_distance) {
  return relative_position < -max_distance ? -max_distance
                                           : (relative_position > max_distance ? max_distance : relative_position);
}

// ---- masking ----

// Causal attention aligned bottom-right: with Nk keys and Nq queries, query i is the
// (Nk - Nq + i)-th token of the key sequence (KV-cache decoding appends Nq new queries).
VCC_HOST_DEVICE bool causal_visible(int64_t query, int64_t key, int64_t num_queries, int64_t num_keys) {
  return key <= query + (num_keys - num_queries);
}

// ---- dropout ----

// Flat index of the probability (b, h, i, j) in a [B, H, Nq, Nk] layout: the Philox element
// index of its dropout draw, so forward and backward (and any device) agree.
VCC_HOST_DEVICE uint64_t dropout_index(int64_t b, int64_t h, int64_t i, int64_t j, int64_t heads, int64_t num_queries,
                                       int64_t num_keys) {
  return ((static_cast<uint64_t>(b) * heads + h) * num_queries + i) * num_keys + j;
}

// A probability is kept when its uniform draw is at least p (kept ones are scaled by 1/(1-p)).
VCC_HOST_DEVICE bool dropout_keep(uint64_t seed, uint64_t offset, uint64_t index, float p) {
  return Philox::uniform(seed, offset, index) >= p;
}

// The same rule on the raw Philox word behind Philox::uniform (word (x & 3) of the block at
// counter x >> 2): u = (word >> 8) / 2^24 >= p exactly when (word >> 8) >= ceil(p * 2^24),
// since p * 2^24 is exact in float. Lets a kernel draw a block once for four elements and
// compare integers.
VCC_HOST_DEVICE uint32_t dropout_word_threshold(float p) { return static_cast<uint32_t>(ceilf(p * 16777216.0f)); }
VCC_HOST_DEVICE bool dropout_keep_word(uint32_t word, uint32_t threshold) { return (word >> 8) >= threshold; }

// ---- online softmax ----

// The exponential the softmax uses: exp_fast for float32, libm for float64 (the reference
// and gradient-check precision, where speed does not matter).
VCC_HOST_DEVICE float softmax_exp(float x) { return math::exp_fast(x); }
VCC_HOST_DEVICE double softmax_exp(double x) { return math::exp(x); }

// Factor that rescales a row's running sum and output when its running max grows from
// old_max to new_max (0 when nothing was accumulated under old_max = -inf).
template <class T>
VCC_HOST_DEVICE T online_softmax_rescale(T old_max, T new_max) {
  return old_max == -static_cast<T>(__builtin_huge_val()) ? T(0) : softmax_exp(old_max - new_max);
}

// log-sum-exp of a finished row from its running max and sum; -inf for a row without any
// visible key (its probabilities are then all zero in backward).
template <class T>
VCC_HOST_DEVICE T row_log_sum_exp(T row_max, T row_sum) {
  return row_sum > T(0) ? row_max + math::log(row_sum) : -static_cast<T>(__builtin_huge_val());
}

}  // namespace vcc::kernels::attention
