// CPU fused attention, FlashAttention-2 style: query tiles x key tiles, per-tile products
// by the register-blocked tile_gemm on rows packed per tile (faster here than OpenBLAS,
// whose per-call packing costs as much as the arithmetic at k = 64; docs/benchmarks.md),
// an online softmax in between, and a backward that recomputes the probabilities from
// the saved log-sum-exp.
// Extra memory is a few tiles per thread plus O(B * H * n) vectors.
//
// With bfloat16 products (AttentionArgs::bf16_products) the same loops run with the tiles'
// operands rounded to bfloat16 and packed as tile_gemm_bf16 reads them (rows, or pairs of
// rows side by side); its VDPBF16PS kernel does twice the float32 FMA's work per instruction.
// The softmax between the products is the float32 code, unchanged. The forward converts each
// head's K and V once per call (O(n) more memory), the backward each head's Q and dO once
// per head, instead of once per tile.
#include <omp.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <vector>

#include "core/dtype.h"
#include "core/parallel.h"
#include "kernels/attention.h"
#include "kernels/attention_ops.h"
#include "kernels/cpu/philox_lanes.h"
#include "kernels/cpu/tile_gemm.h"
#include "kernels/cpu/tile_gemm_bf16.h"

namespace vcc::kernels::cpu {
namespace {

using namespace vcc::kernels::attention;

// Tile sizes: a 64 x 256 logit tile (64 KiB in float32) and the K and V rows it touches
// (2 x 64 KiB at D = 64) stay in a 512 KiB (Zen 3) or larger L2 together, and 256 keys
// amortise each query tile's online-softmax rescaling.
constexpr int64_t kQueryTile = 64;
constexpr int64_t kKeyTile = 256;

template <class T>
constexpr T kNegInf = -std::numeric_limits<T>::infinity();

// Leading dimension (elements) of a packed tile whose rows hold n values: whole cache lines
// plus one, so that walking down a column does not keep hitting the same few L1 sets (a
// row stride of 1 KiB, say, would use 4 of the 64).
template <class T>
constexpr int64_t padded_ld(int64_t n) {
  return ((n * static_cast<int64_t>(sizeof(T)) + 63) / 64 * 64 + 64) / static_cast<int64_t>(sizeof(T));
}

// One (batch, head) slice of a [B, N, H, D] tensor: row i starts at base + i * ld.
template <class T>
struct HeadRows {
  T* base;
  int64_t ld;
  T* row(int64_t i) const { return base + i * ld; }
};
template <class T>
HeadRows<T> head_rows(const Tensor& t, int64_t b, int64_t h) {
  return {t.data<T>() + b * t.stride(0) + h * t.stride(2), t.stride(1)};
}

// Rows [first, first + count) of a head, D values each, into dst with row stride ld.
template <class T>
void pack_rows(const HeadRows<T>& src, int64_t first, int64_t count, int64_t D, T* dst, int64_t ld) {
  for (int64_t j = 0; j < count; ++j) std::memcpy(dst + j * ld, src.row(first + j), D * sizeof(T));
}
// The same rows transposed: dst[d * ld + j] = row j, element d.
template <class T>
void pack_transposed(const HeadRows<T>& src, int64_t first, int64_t count, int64_t D, T* dst, int64_t ld) {
  for (int64_t j = 0; j < count; ++j) {
    const T* row = src.row(first + j);
    for (int64_t d = 0; d < D; ++d) dst[d * ld + j] = row[d];
  }
}

// Everything the tile loops need about one call, resolved once.
template <class T>
struct Problem {
  int64_t B, Nq, Nk, H, D;
  int64_t key_tiles;
  T scale;
  bool causal;
  const uint8_t* key_mask = nullptr;  // [B, Nk]
  const T* key_bias = nullptr;        // [B, Nk]
  bool relative = false;
  const int64_t* query_positions = nullptr;  // [B, Nq]
  const int64_t* key_positions = nullptr;    // [B, Nk]
  int max_distance = 0;
  std::vector<int> bucket_by_distance;  // [2 * max_distance + 1], distance + max_distance -> bucket
  std::vector<T> bias_by_distance;      // [H, 2 * max_distance + 1], table[bucket, h] per distance
  bool dropout = false;
  uint32_t drop_threshold = 0;
  T keep_scale = 1;
  uint64_t seed = 0, offset = 0;
  std::vector<uint8_t> key_tile_visible;  // [B, key_tiles]: any unmasked key in the tile

  Problem(const Tensor& q, const Tensor& k, const AttentionArgs& a)
      : B(q.size(0)), Nq(q.size(1)), Nk(k.size(1)), H(q.size(2)), D(q.size(3)),
        key_tiles((Nk + kKeyTile - 1) / kKeyTile), scale(static_cast<T>(a.scale)), causal(a.causal) {
    if (a.key_mask.defined()) {
      key_mask = a.key_mask.data<uint8_t>();
      key_tile_visible.assign(B * key_tiles, 0);
      for (int64_t b = 0; b < B; ++b)
        for (int64_t j = 0; j < Nk; ++j)
          if (key_mask[b * Nk + j]) key_tile_visible[b * key_tiles + j / kKeyTile] = 1;
    }
    if (a.key_bias.defined()) key_bias = a.key_bias.data<T>();
    if (a.relative_bias_table.defined()) {
      relative = true;
      query_positions = a.query_positions.data<int64_t>();
      key_positions = a.key_positions.data<int64_t>();
      max_distance = a.max_distance;
      const int64_t width = 2 * int64_t{max_distance} + 1;
      const T* table = a.relative_bias_table.data<T>();
      bucket_by_distance.resize(width);
      bias_by_distance.resize(H * width);
      // The inner loops then do one clamp and one load per logit instead of a logarithm.
      for (int64_t r = -max_distance; r <= max_distance; ++r) {
        const int bucket = relative_position_bucket(r, a.bidirectional, a.num_buckets, max_distance);
        bucket_by_distance[r + max_distance] = bucket;
        for (int64_t h = 0; h < H; ++h) bias_by_distance[h * width + r + max_distance] = table[bucket * H + h];
      }
    }
    if (a.dropout > 0) {
      dropout = true;
      drop_threshold = dropout_word_threshold(static_cast<float>(a.dropout));
      keep_scale = static_cast<T>(1.0 / (1.0 - a.dropout));
      seed = a.seed;
      offset = a.offset;
    }
  }

  bool key_tile_skipped(int64_t b, int64_t j0) const {
    return key_mask != nullptr && !key_tile_visible[b * key_tiles + j0 / kKeyTile];
  }
  // Number of keys of the tile starting at j0 (width cols) that query i may see (a prefix).
  int64_t visible_prefix(int64_t i, int64_t j0, int64_t cols) const {
    if (!causal) return cols;
    return std::clamp<int64_t>(i + (Nk - Nq) - j0 + 1, 0, cols);
  }
  // One past the last key any query of [i0, i0 + rows) may see.
  int64_t key_end(int64_t i0, int64_t rows) const {
    return causal ? std::clamp<int64_t>(i0 + rows + (Nk - Nq), 0, Nk) : Nk;
  }

  // Per-key additive term of the tile: key bias, and -inf for masked keys. Returns false
  // when there is nothing to add.
  bool key_terms(int64_t b, int64_t j0, int64_t cols, T* add) const {
    if (!key_mask && !key_bias) return false;
    for (int64_t j = 0; j < cols; ++j) {
      const T bias = key_bias ? key_bias[b * Nk + j0 + j] : T(0);
      add[j] = key_mask && !key_mask[b * Nk + j0 + j] ? kNegInf<T> : bias;
    }
    return true;
  }

  // Turns row i of the tile (scale * q.k for keys j0..j0+cols) into final logits: adds
  // the key terms and the relative-position bias, and sets invisible keys to -inf.
  void finish_logit_row(int64_t b, int64_t h, int64_t i, int64_t j0, int64_t cols, const T* key_add, T* s) const {
    const int64_t limit = visible_prefix(i, j0, cols);
    if (key_add) {
#pragma omp simd
      for (int64_t j = 0; j < limit; ++j) s[j] += key_add[j];
    }
    if (relative) {
      const int64_t width = 2 * int64_t{max_distance} + 1;
      const T* bias = bias_by_distance.data() + h * width + max_distance;
      const int64_t qp = query_positions[b * Nq + i];
      const int64_t* kp = key_positions + b * Nk + j0;
      for (int64_t j = 0; j < limit; ++j) s[j] += bias[clamp_relative_position(kp[j] - qp, max_distance)];
    }
    for (int64_t j = limit; j < cols; ++j) s[j] = kNegInf<T>;
  }

  // The same for one key j of a transposed tile: column s[r] holds query i0 + r.
  void finish_logit_column(int64_t b, int64_t h, int64_t i0, int64_t rows, int64_t j, T key_term, T* s) const {
    // Causal: key j is visible from query j - (Nk - Nq) on, i.e. to a suffix of the rows.
    const int64_t first = causal ? std::clamp<int64_t>(j - (Nk - Nq) - i0, 0, rows) : 0;
    for (int64_t r = 0; r < first; ++r) s[r] = kNegInf<T>;
    if (key_term != T(0)) {
#pragma omp simd
      for (int64_t r = first; r < rows; ++r) s[r] += key_term;
    }
    if (relative) {
      const int64_t width = 2 * int64_t{max_distance} + 1;
      const T* bias = bias_by_distance.data() + h * width + max_distance;
      const int64_t kp = key_positions[b * Nk + j];
      const int64_t* qp = query_positions + b * Nq + i0;
      for (int64_t r = first; r < rows; ++r) s[r] += bias[clamp_relative_position(kp - qp[r], max_distance)];
    }
  }

  // Dropout multipliers of row i for keys j0..j0+cols: keep_scale or 0. Each Philox block
  // is drawn once for its four elements (into `words`, cols + 8 entries; the blocks side by
  // side in vector lanes), then the keep test runs vectorised on the integers.
  void dropout_row(int64_t b, int64_t h, int64_t i, int64_t j0, int64_t cols, T* factor, uint32_t* words) const {
    const uint64_t first = dropout_index(b, h, i, j0, H, Nq, Nk);
    const uint64_t block0 = first >> 2, blocks = ((first + cols + 3) >> 2) - block0;
    philox_consecutive(seed, block0, blocks, offset, words);
    const uint32_t* w = words + (first & 3);
#pragma omp simd
    for (int64_t j = 0; j < cols; ++j) factor[j] = dropout_keep_word(w[j], drop_threshold) ? keep_scale : T(0);
  }
};

// Per-thread scratch carved from one allocation (counted by the allocator's statistics).
class Workspace {
 public:
  Workspace(int slots, size_t bytes_per_slot)
      : slot_bytes_((bytes_per_slot + 63) / 64 * 64),
        storage_(Tensor::empty({static_cast<int64_t>(slot_bytes_ * std::max(slots, 1))}, DType::U8)) {}
  char* slot(int s) const { return static_cast<char*>(storage_.raw_data()) + s * slot_bytes_; }

 private:
  size_t slot_bytes_;
  Tensor storage_;
};

// Hands out 64-byte aligned arrays from a workspace slot.
class Carver {
 public:
  explicit Carver(char* p) : p_(p) {}
  template <class T>
  T* take(int64_t n) {
    T* r = reinterpret_cast<T*>(p_);
    p_ += (static_cast<size_t>(n) * sizeof(T) + 63) / 64 * 64;
    return r;
  }
  template <class T>
  static size_t bytes(int64_t n) { return (static_cast<size_t>(n) * sizeof(T) + 63) / 64 * 64; }

 private:
  char* p_;
};

// bfloat16 rows (as a product's A operand) of n values: n rounded up to even, padded.
constexpr int64_t bf16_row_ld(int64_t n) { return padded_ld<uint16_t>((n + 1) / 2 * 2); }
// Pair-interleaved rows (as a product's B operand) of n columns: 2n values.
constexpr int64_t bf16_pairs_ld(int64_t n) { return padded_ld<uint16_t>(2 * n); }
constexpr int64_t pairs(int64_t k) { return (k + 1) / 2; }

// Threads for a call: below about 4 MFLOP a call takes well under a millisecond on one core
// and waking a team costs more than it saves (on a loaded machine, much more).
int team_size(int64_t tasks, double flops) {
  if (omp_in_parallel() || flops < 4e6) return 1;
  return static_cast<int>(std::clamp<int64_t>(num_threads(), 1, std::max<int64_t>(tasks, 1)));
}

// fn(task, slot) for every task, dynamically scheduled; slot is the calling thread's
// workspace index. Tasks write disjoint outputs, so the order does not matter.
template <class Fn>
void for_each_task(int64_t tasks, int slots, Fn&& fn) {
  if (slots == 1) {
    for (int64_t t = 0; t < tasks; ++t) fn(t, 0);
    return;
  }
#pragma omp parallel num_threads(slots)
  {
    const int slot = omp_get_thread_num();
#pragma omp for schedule(dynamic, 1)
    for (int64_t t = 0; t < tasks; ++t) fn(t, slot);
  }
}

// ---------------------------------------------------------------- forward

// Forward tasks are (b, h, query tile). Logit tiles are kept transposed, keys x queries:
// then S^T = K Q^T needs only the query tile transposed (once per task, not once per key
// tile), and the per-query max and sum run down columns, vectorised across queries.
template <class T, bool kBf16>
void forward_impl(const Tensor& q, const Tensor& k, const Tensor& v, const AttentionArgs& args, const Tensor& out,
                  const Tensor& lse) {
  const Problem<T> p(q, k, args);
  const int64_t D = p.D, q_tiles = (p.Nq + kQueryTile - 1) / kQueryTile;
  const int64_t tasks = p.B * p.H * q_tiles;
  const int slots = team_size(tasks, 4.0 * p.B * p.H * p.Nq * p.Nk * D);
  const int64_t ld_q = padded_ld<T>(kQueryTile), ld_s = padded_ld<T>(kKeyTile);
  // bfloat16: K rows and V transposed (per head, for the whole call); per task the query tile
  // as pairs over D, the probabilities as pairs of keys, and the output accumulated
  // transposed, O^T += V^T P^T, so that P, kept [key][query], needs no transpose.
  const int64_t ld_k16 = bf16_row_ld(D), ld_v16 = bf16_row_ld(p.Nk), ld_q16 = bf16_pairs_ld(kQueryTile),
                ld_p16 = bf16_pairs_ld(kQueryTile), ld_acc = kBf16 ? padded_ld<T>(kQueryTile) : D;
  const int64_t k16_head = p.Nk * ld_k16, v16_head = D * ld_v16;
  const size_t slot_bytes = Carver::bytes<T>(kKeyTile * ld_q) +
                            (kBf16 ? Carver::bytes<uint16_t>(pairs(D) * ld_q16) + Carver::bytes<uint16_t>(pairs(kKeyTile) * ld_p16)
                                   : Carver::bytes<T>(D * ld_q)) +
                            Carver::bytes<T>(kBf16 ? D * ld_acc : kQueryTile * D) + 6 * Carver::bytes<T>(kQueryTile) +
                            Carver::bytes<T>(kKeyTile) +
                            (p.dropout ? Carver::bytes<T>(kQueryTile * ld_s) + Carver::bytes<uint32_t>(kKeyTile + 8) : 0);
  Workspace ws(slots, slot_bytes);
  T* out_data = out.data<T>();
  T* lse_data = lse.data<T>();
  Tensor kv16;
  uint16_t *k16 = nullptr, *v16 = nullptr;
  if constexpr (kBf16) {
    kv16 = Tensor::empty({p.B * p.H * (k16_head + v16_head) * 2}, DType::U8);
    k16 = static_cast<uint16_t*>(kv16.raw_data());
    v16 = k16 + p.B * p.H * k16_head;
    for_each_task(p.B * p.H, slots, [&](int64_t bh, int) {
      const HeadRows<T> K = head_rows<T>(k, bh / p.H, bh % p.H), V = head_rows<T>(v, bh / p.H, bh % p.H);
      pack_bf16_rows(K.base, K.ld, p.Nk, D, k16 + bh * k16_head, ld_k16);
      pack_bf16_columns(V.base, V.ld, p.Nk, D, v16 + bh * v16_head, ld_v16);
    });
  }

  for_each_task(tasks, slots, [&](int64_t task, int slot) {
    const int64_t qt = task % q_tiles, bh = task / q_tiles, h = bh % p.H, b = bh / p.H;
    const int64_t i0 = qt * kQueryTile, rows = std::min(kQueryTile, p.Nq - i0);
    Carver c(ws.slot(slot));
    T* s = c.take<T>(kKeyTile * ld_q);       // logits, then probabilities, [key][query]
    T* q_t = kBf16 ? nullptr : c.take<T>(D * ld_q);                         // Q tile transposed
    uint16_t* q16 = kBf16 ? c.take<uint16_t>(pairs(D) * ld_q16) : nullptr;  // Q tile as pairs over D
    uint16_t* p16 = kBf16 ? c.take<uint16_t>(pairs(kKeyTile) * ld_p16) : nullptr;  // P, pairs of keys
    // Unnormalised output: rows [query][d], or with bfloat16 columns [d][query].
    T* acc = c.take<T>(kBf16 ? D * ld_acc : kQueryTile * D);
    T* row_max = c.take<T>(kQueryTile);
    T* row_sum = c.take<T>(kQueryTile);
    T* tile_max = c.take<T>(kQueryTile);
    T* shift = c.take<T>(kQueryTile);
    T* tile_sum = c.take<T>(kQueryTile);
    T* rescale = c.take<T>(kQueryTile);
    T* key_add = c.take<T>(kKeyTile);
    T* factor = p.dropout ? c.take<T>(kQueryTile * ld_s) : nullptr;  // dropout multipliers [query][key]
    uint32_t* words = p.dropout ? c.take<uint32_t>(kKeyTile + 8) : nullptr;
    const HeadRows<T> Q = head_rows<T>(q, b, h), K = head_rows<T>(k, b, h), V = head_rows<T>(v, b, h);
    if constexpr (kBf16) {
      pack_bf16_column_pairs(Q.row(i0), Q.ld, rows, D, q16, ld_q16);
    } else {
      pack_transposed(Q, i0, rows, D, q_t, ld_q);
    }
    std::fill(row_max, row_max + rows, kNegInf<T>);
    std::fill(row_sum, row_sum + rows, T(0));
    std::fill(acc, acc + (kBf16 ? D * ld_acc : rows * D), T(0));

    const int64_t j_end = p.key_end(i0, rows);
    for (int64_t j0 = 0; j0 < j_end; j0 += kKeyTile) {
      if (p.key_tile_skipped(b, j0)) continue;
      const int64_t cols = std::min(kKeyTile, j_end - j0);
      if constexpr (kBf16) {
        tile_gemm_bf16(cols, rows, pairs(D), p.scale, k16 + bh * k16_head + j0 * ld_k16, ld_k16, q16, ld_q16, s, ld_q,
                       false);
      } else {
        tile_gemm(cols, rows, D, p.scale, K.row(j0), K.ld, 1, q_t, ld_q, s, ld_q, false);
      }
      const bool has_key_terms = p.key_terms(b, j0, cols, key_add);
      std::fill(tile_max, tile_max + rows, kNegInf<T>);
      for (int64_t j = 0; j < cols; ++j) {
        T* sj = s + j * ld_q;
        p.finish_logit_column(b, h, i0, rows, j0 + j, has_key_terms ? key_add[j] : T(0), sj);
#pragma omp simd
        for (int64_t r = 0; r < rows; ++r) tile_max[r] = sj[r] > tile_max[r] ? sj[r] : tile_max[r];
      }
      for (int64_t r = 0; r < rows; ++r) {
        const T new_max = std::max(row_max[r], tile_max[r]);
        // A query that has seen no visible key keeps max -inf; shifting by 0 then gives
        // exp(-inf) = 0 for its entries instead of exp(-inf + inf) = NaN.
        shift[r] = new_max == kNegInf<T> ? T(0) : new_max;
        rescale[r] = online_softmax_rescale(row_max[r], new_max);
        row_max[r] = new_max;
        tile_sum[r] = 0;
      }
      for (int64_t j = 0; j < cols; ++j) {
        T* sj = s + j * ld_q;
#pragma omp simd
        for (int64_t r = 0; r < rows; ++r) {
          const T e = softmax_exp(sj[r] - shift[r]);  // -inf logits give exactly 0
          sj[r] = e;
          tile_sum[r] += e;
        }
      }
      bool any_rescale = false;
      for (int64_t r = 0; r < rows; ++r) {
        row_sum[r] = row_sum[r] * rescale[r] + tile_sum[r];
        any_rescale |= rescale[r] != T(1);
        if (!kBf16 && rescale[r] != T(1)) {
          T* ar = acc + r * D;
#pragma omp simd
          for (int64_t d = 0; d < D; ++d) ar[d] *= rescale[r];
        }
      }
      if (kBf16 && any_rescale)
        for (int64_t d = 0; d < D; ++d) {
          T* ad = acc + d * ld_acc;
#pragma omp simd
          for (int64_t r = 0; r < rows; ++r) ad[r] *= rescale[r];
        }
      // Dropout acts on the normalised probabilities, so the sums above exclude it.
      if (p.dropout) {
        for (int64_t r = 0; r < rows; ++r) p.dropout_row(b, h, i0 + r, j0, cols, factor + r * ld_s, words);
        for (int64_t j = 0; j < cols; ++j)
          for (int64_t r = 0; r < rows; ++r) s[j * ld_q + r] *= factor[r * ld_s + j];
      }
      // acc += P V with P(r, j) = s[j * ld_q + r].
      if constexpr (kBf16) {
        pack_bf16_row_pairs(s, ld_q, cols, rows, p16, ld_p16);
        tile_gemm_bf16(D, rows, pairs(cols), 1.0f, v16 + bh * v16_head + j0, ld_v16, p16, ld_p16, acc, ld_acc, true);
      } else {
        tile_gemm(rows, D, cols, T(1), s, 1, ld_q, V.row(j0), V.ld, acc, D, true);
      }
    }

    for (int64_t r = 0; r < rows; ++r) {
      const int64_t i = i0 + r;
      T* o = out_data + ((b * p.Nq + i) * p.H + h) * D;
      const T inv = row_sum[r] > T(0) ? T(1) / row_sum[r] : T(0);  // rows without keys give 0
      if constexpr (kBf16) {
        for (int64_t d = 0; d < D; ++d) o[d] = acc[d * ld_acc + r] * inv;
      } else {
#pragma omp simd
        for (int64_t d = 0; d < D; ++d) o[d] = acc[r * D + d] * inv;
      }
      lse_data[(b * p.H + h) * p.Nq + i] = row_log_sum_exp(row_max[r], row_sum[r]);
    }
  });
}

// ---------------------------------------------------------------- backward

template <class T, bool kBf16>
void backward_impl(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& out, const Tensor& lse,
                   const Tensor& grad_out, const AttentionArgs& args, const AttentionGrads& grads) {
  const Problem<T> p(q, k, args);
  const int64_t D = p.D, B = p.B, H = p.H, Nq = p.Nq, Nk = p.Nk;
  const bool need_dq = grads.q.defined(), need_dk = grads.k.defined(), need_dv = grads.v.defined();
  const bool need_dkb = grads.key_bias.defined(), need_dtable = grads.relative_bias_table.defined();
  const bool need_ds = need_dq || need_dk || need_dkb || need_dtable;
  const int num_buckets = args.num_buckets;
  const int64_t tasks = B * H;
  const int slots = team_size(tasks, 10.0 * B * H * Nq * Nk * D);
  const int64_t ld_s = padded_ld<T>(kKeyTile), ld_d = padded_ld<T>(D);
  const int64_t tile = kQueryTile * ld_s;
  // bfloat16: the head's Q and dO as rows and transposed; the key tile's K and V as pairs
  // over D and K as pairs of keys; P or dS as pairs of queries, dS as rows. dK and dV of a
  // key tile are accumulated transposed, dV^T += dO^T P and dK^T += Q^T dS, so that P and dS,
  // kept [query][key], need no transpose.
  const int64_t ld_r16 = bf16_row_ld(D), ld_tq16 = bf16_row_ld(Nq), ld_d16 = bf16_pairs_ld(D),
                ld_kt16 = bf16_pairs_ld(kKeyTile), ld_s16 = bf16_row_ld(kKeyTile), ld_dt = padded_ld<T>(kKeyTile);
  const size_t tile_bytes = kBf16 ? 2 * Carver::bytes<uint16_t>(Nq * ld_r16) +
                                        2 * Carver::bytes<uint16_t>(D * ld_tq16) +
                                        2 * Carver::bytes<uint16_t>(pairs(D) * ld_kt16) +
                                        Carver::bytes<uint16_t>(pairs(kKeyTile) * ld_d16) +
                                        Carver::bytes<uint16_t>(pairs(kQueryTile) * ld_kt16) +
                                        Carver::bytes<uint16_t>(kQueryTile * ld_s16) + 2 * Carver::bytes<T>(D * ld_dt)
                                  : 2 * Carver::bytes<T>(D * ld_s) + Carver::bytes<T>(kKeyTile * ld_d) +
                                        2 * Carver::bytes<T>(kQueryTile * ld_d);
  const size_t slot_bytes = Carver::bytes<T>(tile) * (p.dropout ? 4 : 2) +
                            (p.dropout ? Carver::bytes<uint32_t>(kKeyTile + 8) : 0) + tile_bytes +
                            Carver::bytes<T>(Nq) + 2 * Carver::bytes<T>(kKeyTile) + Carver::bytes<T>(kQueryTile);
  Workspace ws(slots, slot_bytes);
  // Per-(b, h) partial gradients of the shared parameters, summed in a fixed order below so
  // that the result does not depend on which thread ran which (b, h).
  Tensor key_bias_parts = need_dkb ? Tensor::zeros({B, H, Nk}, DType::F64) : Tensor();
  Tensor table_parts = need_dtable ? Tensor::zeros({B, H, num_buckets}, DType::F64) : Tensor();
  const T* out_data = out.data<T>();
  const T* lse_data = lse.data<T>();

  for_each_task(tasks, slots, [&](int64_t bh, int slot) {
    const int64_t h = bh % H, b = bh / H;
    Carver c(ws.slot(slot));
    T* prob = c.take<T>(tile);   // P
    T* dprob = c.take<T>(tile);  // dP, then dS
    T* factor = p.dropout ? c.take<T>(tile) : nullptr;      // dropout multipliers
    T* dropped = p.dropout ? c.take<T>(tile) : nullptr;     // P * multipliers
    uint32_t* words = p.dropout ? c.take<uint32_t>(kKeyTile + 8) : nullptr;  // Philox output
    T* k_t = kBf16 ? nullptr : c.take<T>(D * ld_s);                 // K tile transposed
    T* v_t = kBf16 ? nullptr : c.take<T>(D * ld_s);                 // V tile transposed
    T* k_tile = kBf16 ? nullptr : c.take<T>(kKeyTile * ld_d);       // K tile
    T* q_tile = kBf16 ? nullptr : c.take<T>(kQueryTile * ld_d);     // Q tile
    T* do_tile = kBf16 ? nullptr : c.take<T>(kQueryTile * ld_d);    // dO tile
    uint16_t* q16 = kBf16 ? c.take<uint16_t>(Nq * ld_r16) : nullptr;              // Q rows
    uint16_t* do16 = kBf16 ? c.take<uint16_t>(Nq * ld_r16) : nullptr;             // dO rows
    uint16_t* q_t16 = kBf16 ? c.take<uint16_t>(D * ld_tq16) : nullptr;            // Q^T
    uint16_t* do_t16 = kBf16 ? c.take<uint16_t>(D * ld_tq16) : nullptr;           // dO^T
    uint16_t* kt16 = kBf16 ? c.take<uint16_t>(pairs(D) * ld_kt16) : nullptr;      // K tile, pairs over D
    uint16_t* vt16 = kBf16 ? c.take<uint16_t>(pairs(D) * ld_kt16) : nullptr;      // V tile, pairs over D
    uint16_t* k_pairs = kBf16 ? c.take<uint16_t>(pairs(kKeyTile) * ld_d16) : nullptr;  // K tile, pairs of keys
    uint16_t* pairs16 = kBf16 ? c.take<uint16_t>(pairs(kQueryTile) * ld_kt16) : nullptr;  // P or dS, query pairs
    uint16_t* s16 = kBf16 ? c.take<uint16_t>(kQueryTile * ld_s16) : nullptr;       // dS [query][key]
    T* dv_t = kBf16 ? c.take<T>(D * ld_dt) : nullptr;                               // the key tile's dV^T
    T* dk_t = kBf16 ? c.take<T>(D * ld_dt) : nullptr;                               // the key tile's dK^T
    T* delta = c.take<T>(Nq);                               // rowsum(dO * O)
    T* key_add = c.take<T>(kKeyTile);
    T* colsum = c.take<T>(kKeyTile);
    T* row_lse = c.take<T>(kQueryTile);
    const HeadRows<T> Q = head_rows<T>(q, b, h), K = head_rows<T>(k, b, h), V = head_rows<T>(v, b, h);
    const HeadRows<T> dO = head_rows<T>(grad_out, b, h);
    const int64_t ld_out = H * D;  // outputs and gradients are contiguous [B, N, H, D]
    T* dQ = need_dq ? grads.q.data<T>() + (b * Nq * H + h) * D : nullptr;
    T* dK = need_dk ? grads.k.data<T>() + (b * Nk * H + h) * D : nullptr;
    T* dV = need_dv ? grads.v.data<T>() + (b * Nk * H + h) * D : nullptr;
    double* kb_part = need_dkb ? key_bias_parts.data<double>() + bh * Nk : nullptr;
    double* table_part = need_dtable ? table_parts.data<double>() + bh * num_buckets : nullptr;
    const T* lse_bh = lse_data + bh * Nq;

    for (int64_t i = 0; i < Nq; ++i) {
      const T* o = out_data + ((b * Nq + i) * H + h) * D;
      const T* g = dO.row(i);
      T sum = 0;
#pragma omp simd reduction(+ : sum)
      for (int64_t d = 0; d < D; ++d) sum += o[d] * g[d];
      delta[i] = sum;
    }
    if constexpr (kBf16) {
      pack_bf16_rows(Q.base, Q.ld, Nq, D, q16, ld_r16);
      pack_bf16_rows(dO.base, dO.ld, Nq, D, do16, ld_r16);
      pack_bf16_columns(Q.base, Q.ld, Nq, D, q_t16, ld_tq16);
      pack_bf16_columns(dO.base, dO.ld, Nq, D, do_t16, ld_tq16);
    }

    for (int64_t j0 = 0; j0 < Nk; j0 += kKeyTile) {
      if (p.key_tile_skipped(b, j0)) continue;
      const int64_t cols = std::min(kKeyTile, Nk - j0);
      const bool has_key_terms = p.key_terms(b, j0, cols, key_add);
      if (need_dkb) std::fill(colsum, colsum + cols, T(0));
      if constexpr (kBf16) {
        pack_bf16_column_pairs(K.row(j0), K.ld, cols, D, kt16, ld_kt16);
        if (need_ds) pack_bf16_column_pairs(V.row(j0), V.ld, cols, D, vt16, ld_kt16);
        if (need_dq) pack_bf16_row_pairs(K.row(j0), K.ld, cols, D, k_pairs, ld_d16);
        if (need_dv) std::fill(dv_t, dv_t + D * ld_dt, T(0));
        if (need_dk) std::fill(dk_t, dk_t + D * ld_dt, T(0));
      } else {
        pack_transposed(K, j0, cols, D, k_t, ld_s);
        if (need_ds) pack_transposed(V, j0, cols, D, v_t, ld_s);
        if (need_dq) pack_rows(K, j0, cols, D, k_tile, ld_d);
      }
      for (int64_t i0 = 0; i0 < Nq; i0 += kQueryTile) {
        const int64_t rows = std::min(kQueryTile, Nq - i0);
        if (p.key_end(i0, rows) <= j0) continue;  // causal: this query tile sees none of these keys
        std::copy(lse_bh + i0, lse_bh + i0 + rows, row_lse);
        if constexpr (kBf16) {
          tile_gemm_bf16(rows, cols, pairs(D), p.scale, q16 + i0 * ld_r16, ld_r16, kt16, ld_kt16, prob, ld_s, false);
        } else {
          pack_rows(Q, i0, rows, D, q_tile, ld_d);
          pack_rows(dO, i0, rows, D, do_tile, ld_d);
          tile_gemm(rows, cols, D, p.scale, q_tile, ld_d, 1, k_t, ld_s, prob, ld_s, false);
        }
        for (int64_t r = 0; r < rows; ++r) {
          T* pr = prob + r * ld_s;
          p.finish_logit_row(b, h, i0 + r, j0, cols, has_key_terms ? key_add : nullptr, pr);
          const T row = row_lse[r];
          if (row == kNegInf<T>) {  // a row without any visible key: all probabilities 0
            std::fill(pr, pr + cols, T(0));
          } else {
#pragma omp simd
            for (int64_t j = 0; j < cols; ++j) pr[j] = softmax_exp(pr[j] - row);
          }
          if (p.dropout) {
            p.dropout_row(b, h, i0 + r, j0, cols, factor + r * ld_s, words);
#pragma omp simd
            for (int64_t j = 0; j < cols; ++j) dropped[r * ld_s + j] = pr[j] * factor[r * ld_s + j];
          }
        }
        // dV += (P * multipliers)^T dO
        const T* pv = p.dropout ? dropped : prob;
        if (need_dv) {
          if constexpr (kBf16) {
            pack_bf16_row_pairs(pv, ld_s, rows, cols, pairs16, ld_kt16);
            tile_gemm_bf16(D, cols, pairs(rows), 1.0f, do_t16 + i0, ld_tq16, pairs16, ld_kt16, dv_t, ld_dt, true);
          } else {
            tile_gemm(cols, D, rows, T(1), pv, 1, ld_s, do_tile, ld_d, dV + j0 * ld_out, ld_out, true);
          }
        }
        if (!need_ds) continue;
        // dP = (dO V^T) * multipliers;  dS = P * (dP - delta)
        if constexpr (kBf16) {
          tile_gemm_bf16(rows, cols, pairs(D), 1.0f, do16 + i0 * ld_r16, ld_r16, vt16, ld_kt16, dprob, ld_s, false);
        } else {
          tile_gemm(rows, cols, D, T(1), do_tile, ld_d, 1, v_t, ld_s, dprob, ld_s, false);
        }
        for (int64_t r = 0; r < rows; ++r) {
          T* dr = dprob + r * ld_s;
          const T* pr = prob + r * ld_s;
          const T dl = delta[i0 + r];
          if (p.dropout) {
            const T* fr = factor + r * ld_s;
#pragma omp simd
            for (int64_t j = 0; j < cols; ++j) dr[j] = pr[j] * (dr[j] * fr[j] - dl);
          } else {
#pragma omp simd
            for (int64_t j = 0; j < cols; ++j) dr[j] = pr[j] * (dr[j] - dl);
          }
          if (need_dkb) {
#pragma omp simd
            for (int64_t j = 0; j < cols; ++j) colsum[j] += dr[j];
          }
          if (need_dtable) {
            const int64_t i = i0 + r;
            const int* bucket = p.bucket_by_distance.data() + p.max_distance;
            const int64_t qp = p.query_positions[b * Nq + i];
            const int64_t* kp = p.key_positions + b * Nk + j0;
            const int64_t limit = p.visible_prefix(i, j0, cols);
            for (int64_t j = 0; j < limit; ++j) table_part[bucket[clamp_relative_position(kp[j] - qp, p.max_distance)]] += dr[j];
          }
        }
        // dQ += scale dS K;  dK += scale dS^T Q
        if constexpr (kBf16) {
          if (need_dq) {
            pack_bf16_rows(dprob, ld_s, rows, cols, s16, ld_s16);
            tile_gemm_bf16(rows, D, pairs(cols), p.scale, s16, ld_s16, k_pairs, ld_d16, dQ + i0 * ld_out, ld_out, true);
          }
          if (need_dk) {
            pack_bf16_row_pairs(dprob, ld_s, rows, cols, pairs16, ld_kt16);
            tile_gemm_bf16(D, cols, pairs(rows), p.scale, q_t16 + i0, ld_tq16, pairs16, ld_kt16, dk_t, ld_dt, true);
          }
        } else {
          if (need_dq) tile_gemm(rows, D, cols, p.scale, dprob, ld_s, 1, k_tile, ld_d, dQ + i0 * ld_out, ld_out, true);
          if (need_dk) tile_gemm(cols, D, rows, p.scale, dprob, 1, ld_s, q_tile, ld_d, dK + j0 * ld_out, ld_out, true);
        }
      }
      if constexpr (kBf16) {  // this task alone writes these rows of dK and dV
        for (int64_t j = 0; j < cols; ++j)
          for (int64_t d = 0; d < D; ++d) {
            if (need_dv) dV[(j0 + j) * ld_out + d] = dv_t[d * ld_dt + j];
            if (need_dk) dK[(j0 + j) * ld_out + d] = dk_t[d * ld_dt + j];
          }
      }
      if (need_dkb)
        for (int64_t j = 0; j < cols; ++j) kb_part[j0 + j] += colsum[j];
    }
  });

  if (need_dkb) {
    const double* parts = key_bias_parts.data<double>();
    T* g = grads.key_bias.data<T>();
    for (int64_t b = 0; b < B; ++b)
      for (int64_t j = 0; j < Nk; ++j) {
        double sum = 0;
        for (int64_t h = 0; h < H; ++h) sum += parts[(b * H + h) * Nk + j];
        g[b * Nk + j] = static_cast<T>(sum);
      }
  }
  if (need_dtable) {
    const double* parts = table_parts.data<double>();
    T* g = grads.relative_bias_table.data<T>();
    for (int bucket = 0; bucket < num_buckets; ++bucket)
      for (int64_t h = 0; h < H; ++h) {
        double sum = 0;
        for (int64_t b = 0; b < B; ++b) sum += parts[(b * H + h) * num_buckets + bucket];
        g[bucket * H + h] = static_cast<T>(sum);
      }
  }
}

}  // namespace

void attention_forward(const Tensor& q, const Tensor& k, const Tensor& v, const AttentionArgs& args, const Tensor& out,
                       const Tensor& lse) {
  if (args.bf16_products) return forward_impl<float, true>(q, k, v, args, out, lse);  // float32 checked by the caller
  dispatch_float(q.dtype(), "attention", [&](auto tag) {
    using scalar_t = typename decltype(tag)::type;
    forward_impl<scalar_t, false>(q, k, v, args, out, lse);
  });
}

void attention_backward(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& out, const Tensor& lse,
                        const Tensor& grad_out, const AttentionArgs& args, const AttentionGrads& grads) {
  if (args.bf16_products) return backward_impl<float, true>(q, k, v, out, lse, grad_out, args, grads);
  dispatch_float(q.dtype(), "attention backward", [&](auto tag) {
    using scalar_t = typename decltype(tag)::type;
    backward_impl<scalar_t, false>(q, k, v, out, lse, grad_out, args, grads);
  });
}

}  // namespace vcc::kernels::cpu
