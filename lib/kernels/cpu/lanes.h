#pragma once
// Row sums and maxima for the CPU loops, over a fixed number of independent lanes (element
// i goes to lane i % kLanes, lanes fold pairwise in a fixed order). The compiler vectorises
// across lanes without reassociating anything, so a row's result depends only on its data:
// never on the thread count or on which task the row landed in.
#include <cstdint>

namespace vcc::kernels::cpu {

constexpr int kLanes = 8;

template <class Acc>
inline Acc fold_lanes(const Acc (&acc)[kLanes]) {
  return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

// Sum over i in [0, n) of term(i), accumulated in Acc.
template <class Acc, class Term>
inline Acc lane_sum(int64_t n, Term&& term) {
  Acc acc[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int k = 0; k < kLanes; ++k) acc[k] += static_cast<Acc>(term(i + k));
  for (int k = 0; i + k < n; ++k) acc[k] += static_cast<Acc>(term(i + k));
  return fold_lanes(acc);
}

// Largest of p[0..n) (n >= 1); NaN is not propagated here (callers' later sums are).
template <class T>
inline T lane_max(const T* p, int64_t n) {
  T acc[kLanes];
  for (int k = 0; k < kLanes; ++k) acc[k] = p[0];
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int k = 0; k < kLanes; ++k) acc[k] = p[i + k] > acc[k] ? p[i + k] : acc[k];
  for (int k = 0; i + k < n; ++k) acc[k] = p[i + k] > acc[k] ? p[i + k] : acc[k];
  T m = acc[0];
  for (int k = 1; k < kLanes; ++k) m = acc[k] > m ? acc[k] : m;
  return m;
}

}  // namespace vcc::kernels::cpu
