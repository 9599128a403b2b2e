// CUDA fused attention with every feature of the CPU kernel (key mask, causal, per-key
// bias, T5 relative bias from the bucket table with its gradient, Philox dropout), using
// the per-element math of kernels/attention_ops.h. cuDNN's fused attention is not used:
// its dropout draws its own random numbers (masks would differ from the CPU's for the same
// seed) and it has no gradient for a bucketed relative-bias table.
//
// Layout of the work: a block is one warp. In the forward and the dQ pass a block owns 16
// queries of one (batch, head) and walks key tiles of 32 keys (lane j computes the logit
// of key j; lane d accumulates output column d). In the dK/dV pass a block owns 32 keys and
// walks the queries. Every gradient element has exactly one owner, and the shared-parameter
// gradients (key bias, bias table) are written as per-block partials and summed in a fixed
// order afterwards: no atomics, deterministic results. Logits, softmax and accumulators are
// in the input precision (float32 or float64), never lower. With bf16_products the operands
// of the products (q, k, v and dO as they are loaded, the probabilities and dS as they are
// multiplied) are rounded to bfloat16, as on the CPU; the products still run in float32
// here, so this gives the CPU's numbers to float32 rounding, not its speed-up.
#include <cuda_bf16.h>

#include <algorithm>
#include <vector>

#include "core/cuda/launch.cuh"
#include "kernels/attention.h"
#include "kernels/attention_ops.h"

namespace vcc::kernels::cuda {
namespace {

using namespace vcc::kernels::attention;

constexpr int kKeys = 32;     // keys per tile: one per lane
constexpr int kQueries = 16;  // queries per block in the forward and dQ passes
constexpr unsigned kMask = 0xffffffffu;

__device__ __forceinline__ float round_to_bf16(float x) { return __bfloat162float(__float2bfloat16_rn(x)); }
__device__ __forceinline__ double round_to_bf16(double x) { return x; }  // bf16 products take float32 only

// One of q, k, v, grad_out: [B, N, H, D] with unit stride in D.
template <class T>
struct HeadView {
  const T* base;
  int64_t sb, sn, sh;
  __device__ const T* row(int64_t b, int64_t n, int64_t h) const { return base + b * sb + n * sn + h * sh; }
};

template <class T>
HeadView<T> head_view(const Tensor& t) {
  return {t.data<T>(), t.stride(0), t.stride(1), t.stride(2)};
}

// Everything about one call besides q, k, v, resolved on the host.
template <class T>
struct Problem {
  int64_t B, Nq, Nk, H, D;
  T scale;
  bool causal;
  const uint8_t* key_mask;       // [B, Nk] or null
  const T* key_bias;             // [B, Nk] or null
  const T* table;                // [num_buckets, H] or null
  const int* bucket_by_distance; // [2 * max_distance + 1]: bucket of each clamped distance
  const int64_t* query_positions;
  const int64_t* key_positions;
  int max_distance, num_buckets;
  bool dropout;
  float drop_p;
  T keep_scale;
  uint64_t seed, offset;
  bool bf16_products;

  // A value entering one of the products.
  __device__ T operand(T x) const { return bf16_products ? round_to_bf16(x) : x; }

  // Key j of batch b as seen by query i: visible, and the additive terms of its logit.
  __device__ bool visible(int64_t b, int64_t i, int64_t j) const {
    if (j >= Nk) return false;
    if (key_mask && !key_mask[b * Nk + j]) return false;
    return !causal || causal_visible(i, j, Nq, Nk);
  }
  __device__ int bucket(int64_t b, int64_t i, int64_t j) const {
    const int64_t r = clamp_relative_position(key_positions[b * Nk + j] - query_positions[b * Nq + i], max_distance);
    return bucket_by_distance[r + max_distance];
  }
  __device__ T logit(T dot, int64_t b, int64_t h, int64_t i, int64_t j) const {
    T s = scale * dot;
    if (key_bias) s += key_bias[b * Nk + j];
    if (table) s += table[bucket(b, i, j) * H + h];
    return s;
  }
  __device__ T dropout_factor(int64_t b, int64_t h, int64_t i, int64_t j) const {
    if (!dropout) return T(1);
    return dropout_keep(seed, offset, dropout_index(b, h, i, j, H, Nq, Nk), drop_p) ? keep_scale : T(0);
  }
  // One past the last key any of queries [i0, i0 + rows) may see.
  __device__ int64_t key_end(int64_t i0, int64_t rows) const {
    if (!causal) return Nk;
    const int64_t e = i0 + rows + (Nk - Nq);
    return e < 0 ? 0 : (e > Nk ? Nk : e);
  }
};

template <class T>
__device__ __forceinline__ T warp_max(T v) {
  for (int o = 16; o > 0; o /= 2) {
    const T other = __shfl_down_sync(kMask, v, o);
    v = other > v ? other : v;
  }
  return __shfl_sync(kMask, v, 0);
}

// Sum over the warp in a fixed tree, the same value in every lane (lane 0's, broadcast).
template <class T>
__device__ __forceinline__ T warp_total(T v) {
  for (int o = 16; o > 0; o /= 2) v += __shfl_down_sync(kMask, v, o);
  return __shfl_sync(kMask, v, 0);
}

template <class T>
__device__ __forceinline__ T dot(const T* a, const T* b, int64_t n) {
  T s = T(0);
  for (int64_t d = 0; d < n; ++d) s += a[d] * b[d];
  return s;
}

template <class T>
__device__ __forceinline__ T neg_inf() {
  return -static_cast<T>(__builtin_huge_val());
}

// Loads keys [j0, j0 + 32) of (b, h) from `src` into a [32][pitch] tile as product operands;
// rows past the end are 0.
template <class T>
__device__ void load_key_tile(const Problem<T>& p, const HeadView<T>& src, int64_t b, int64_t h, int64_t j0,
                              int64_t pitch, T* tile) {
  for (int64_t idx = threadIdx.x; idx < kKeys * p.D; idx += kKeys) {
    const int64_t j = idx / p.D, d = idx % p.D;
    tile[j * pitch + d] = j0 + j < p.Nk ? p.operand(src.row(b, j0 + j, h)[d]) : T(0);
  }
}

// ---------------------------------------------------------------- forward

template <class T>
__global__ void forward_kernel(Problem<T> p, HeadView<T> q, HeadView<T> k, HeadView<T> v, T* out, T* lse) {
  extern __shared__ __align__(16) unsigned char smem[];
  const int64_t D = p.D, lane = threadIdx.x;
  T* k_sh = reinterpret_cast<T*>(smem);  // [32][D + 1]: lanes read different rows
  T* v_sh = k_sh + kKeys * (D + 1);      // [32][D]
  T* q_sh = v_sh + kKeys * D;            // [16][D]
  T* o_sh = q_sh + kQueries * D;         // [16][D]: unnormalised output rows
  const int64_t b = blockIdx.y / p.H, h = blockIdx.y % p.H;
  const int64_t i0 = static_cast<int64_t>(blockIdx.x) * kQueries;
  const int64_t rows = p.Nq - i0 < kQueries ? p.Nq - i0 : kQueries;
  for (int64_t idx = lane; idx < kQueries * D; idx += kKeys) {
    const int64_t r = idx / D, d = idx % D;
    q_sh[idx] = r < rows ? p.operand(q.row(b, i0 + r, h)[d]) : T(0);
    o_sh[idx] = T(0);
  }
  T row_max[kQueries], row_sum[kQueries];
#pragma unroll
  for (int r = 0; r < kQueries; ++r) {
    row_max[r] = neg_inf<T>();
    row_sum[r] = T(0);
  }
  const int64_t j_end = p.key_end(i0, rows);
  for (int64_t j0 = 0; j0 < j_end; j0 += kKeys) {
    __syncwarp();
    load_key_tile(p, k, b, h, j0, D + 1, k_sh);
    load_key_tile(p, v, b, h, j0, D, v_sh);
    __syncwarp();
    const int64_t j = j0 + lane;
#pragma unroll
    for (int r = 0; r < kQueries; ++r) {
      if (r >= rows) break;
      const int64_t i = i0 + r;
      const bool vis = p.visible(b, i, j);
      const T s = vis ? p.logit(dot(q_sh + r * D, k_sh + lane * (D + 1), D), b, h, i, j) : neg_inf<T>();
      const T new_max = max(row_max[r], warp_max(s));
      if (new_max == neg_inf<T>()) continue;  // nothing visible to this row yet (uniform)
      T e = softmax_exp(s - new_max);         // -inf logits give exactly 0
      const T rescale = online_softmax_rescale(row_max[r], new_max);
      row_sum[r] = row_sum[r] * rescale + warp_total(e);
      row_max[r] = new_max;
      // Dropout acts on the normalised probabilities, so the row sum above excludes it.
      if (vis) e *= p.dropout_factor(b, h, i, j);
      T* o = o_sh + r * D;
      for (int64_t d = lane; d < D; d += kKeys) o[d] *= rescale;
      for (int jj = 0; jj < kKeys; ++jj) {
        const T c = p.operand(__shfl_sync(kMask, e, jj));
        if (c == T(0)) continue;  // same value in every lane: uniform branch
        const T* vr = v_sh + jj * D;
        for (int64_t d = lane; d < D; d += kKeys) o[d] += c * vr[d];
      }
    }
  }
  __syncwarp();
#pragma unroll
  for (int r = 0; r < kQueries; ++r) {
    if (r >= rows) break;
    const int64_t i = i0 + r;
    const T inv = row_sum[r] > T(0) ? T(1) / row_sum[r] : T(0);  // rows without keys give 0
    T* dst = out + ((b * p.Nq + i) * p.H + h) * D;
    for (int64_t d = lane; d < D; d += kKeys) dst[d] = o_sh[r * D + d] * inv;
    if (lane == 0) lse[(b * p.H + h) * p.Nq + i] = row_log_sum_exp(row_max[r], row_sum[r]);
  }
}

// ---------------------------------------------------------------- backward

// delta[b, h, i] = dO_i . O_i (the softmax backward's row term), a warp per row.
template <class T>
__global__ void delta_kernel(Problem<T> p, const T* out, HeadView<T> grad_out, T* delta) {
  const int64_t rows = p.B * p.H * p.Nq;
  const int lane = threadIdx.x % kKeys;
  for (int64_t row = (static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x) / kKeys; row < rows;
       row += static_cast<int64_t>(gridDim.x) * blockDim.x / kKeys) {
    const int64_t i = row % p.Nq, h = (row / p.Nq) % p.H, b = row / (p.Nq * p.H);
    const T* o = out + ((b * p.Nq + i) * p.H + h) * p.D;
    const T* g = grad_out.row(b, i, h);
    T s = T(0);
    for (int64_t d = lane; d < p.D; d += kKeys) s += o[d] * g[d];
    s = warp_total(s);
    if (lane == 0) delta[row] = s;
  }
}

// What the backward passes recompute for one (query, key) pair.
template <class T>
struct PairGrad {
  T ds;  // d loss / d logit
  T pf;  // probability times its dropout factor (the weight of V's row in the output)
};

template <class T>
__device__ PairGrad<T> pair_grad(const Problem<T>& p, int64_t b, int64_t h, int64_t i, int64_t j, const T* q_row,
                                 const T* do_row, const T* k_row, const T* v_row, T row_lse, T row_delta) {
  const T s = p.logit(dot(q_row, k_row, p.D), b, h, i, j);
  // A row without any visible key has lse = -inf and all probabilities 0.
  const T prob = row_lse == neg_inf<T>() ? T(0) : softmax_exp(s - row_lse);
  const T f = p.dropout_factor(b, h, i, j);
  const T dp = dot(do_row, v_row, p.D);
  return {prob * (dp * f - row_delta), prob * f};
}

// dK, dV of 32 keys of one (b, h), plus that block's partial sums for the key-bias and
// bias-table gradients.
template <class T>
__global__ void key_grad_kernel(Problem<T> p, HeadView<T> q, HeadView<T> k, HeadView<T> v, HeadView<T> grad_out,
                                const T* lse, const T* delta, T* dk, T* dv, double* key_bias_part,
                                double* table_part) {
  extern __shared__ __align__(16) unsigned char smem[];
  const int64_t D = p.D, lane = threadIdx.x;
  const int nb = p.num_buckets;
  // Private per-lane bucket sums first (doubles, so they lead the buffer for alignment).
  double* bucket_sh = reinterpret_cast<double*>(smem);  // [32][num_buckets] when needed
  T* k_sh = reinterpret_cast<T*>(bucket_sh + (table_part ? kKeys * nb : 0));  // [32][D + 1]
  T* v_sh = k_sh + kKeys * (D + 1);   // [32][D + 1]
  T* dk_sh = v_sh + kKeys * (D + 1);  // [32][D]
  T* dv_sh = dk_sh + kKeys * D;       // [32][D]
  T* q_sh = dv_sh + kKeys * D;        // [D]
  T* do_sh = q_sh + D;                // [D]
  const int64_t b = blockIdx.y / p.H, h = blockIdx.y % p.H, tile = blockIdx.x, j0 = tile * kKeys;
  const int64_t j = j0 + lane;
  load_key_tile(p, k, b, h, j0, D + 1, k_sh);
  load_key_tile(p, v, b, h, j0, D + 1, v_sh);
  for (int64_t idx = lane; idx < kKeys * D; idx += kKeys) {
    dk_sh[idx] = T(0);
    dv_sh[idx] = T(0);
  }
  if (table_part)
    for (int c = 0; c < nb; ++c) bucket_sh[lane * nb + c] = 0.0;
  T colsum = T(0);
  // Under causal masking the first query that sees key j0 is j0 - (Nk - Nq).
  int64_t i_begin = p.causal ? j0 - (p.Nk - p.Nq) : 0;
  i_begin = i_begin < 0 ? 0 : i_begin;
  for (int64_t i = i_begin; i < p.Nq; ++i) {
    __syncwarp();
    for (int64_t d = lane; d < D; d += kKeys) {
      q_sh[d] = p.operand(q.row(b, i, h)[d]);
      do_sh[d] = p.operand(grad_out.row(b, i, h)[d]);
    }
    __syncwarp();
    const T row_lse = lse[(b * p.H + h) * p.Nq + i], row_delta = delta[(b * p.H + h) * p.Nq + i];
    PairGrad<T> g{T(0), T(0)};
    if (p.visible(b, i, j)) {
      g = pair_grad(p, b, h, i, j, q_sh, do_sh, k_sh + lane * (D + 1), v_sh + lane * (D + 1), row_lse, row_delta);
      colsum += g.ds;
      if (table_part) bucket_sh[lane * nb + p.bucket(b, i, j)] += static_cast<double>(g.ds);
    }
    for (int jj = 0; jj < kKeys; ++jj) {
      const T cv = p.operand(__shfl_sync(kMask, g.pf, jj)), ck = p.operand(__shfl_sync(kMask, g.ds, jj));
      if (dv && cv != T(0))
        for (int64_t d = lane; d < D; d += kKeys) dv_sh[jj * D + d] += cv * do_sh[d];
      if (dk && ck != T(0))
        for (int64_t d = lane; d < D; d += kKeys) dk_sh[jj * D + d] += p.scale * ck * q_sh[d];
    }
  }
  __syncwarp();
  for (int64_t idx = lane; idx < kKeys * D; idx += kKeys) {
    const int64_t jr = idx / D, d = idx % D;
    if (j0 + jr >= p.Nk) continue;
    const int64_t at = ((b * p.Nk + j0 + jr) * p.H + h) * D + d;
    if (dk) dk[at] = dk_sh[idx];
    if (dv) dv[at] = dv_sh[idx];
  }
  if (key_bias_part && j < p.Nk) key_bias_part[(b * p.H + h) * p.Nk + j] = static_cast<double>(colsum);
  if (table_part) {
    const int64_t key_tiles = gridDim.x;
    double* dst = table_part + ((b * p.H + h) * key_tiles + tile) * nb;
    for (int c = lane; c < nb; c += kKeys) {
      double s = 0.0;
      for (int l = 0; l < kKeys; ++l) s += bucket_sh[l * nb + c];  // lanes in order
      dst[c] = s;
    }
  }
}

// dQ of 16 queries of one (b, h).
template <class T>
__global__ void query_grad_kernel(Problem<T> p, HeadView<T> q, HeadView<T> k, HeadView<T> v, HeadView<T> grad_out,
                                  const T* lse, const T* delta, T* dq) {
  extern __shared__ __align__(16) unsigned char smem[];
  const int64_t D = p.D, lane = threadIdx.x;
  T* k_sh = reinterpret_cast<T*>(smem);  // [32][D + 1]
  T* v_sh = k_sh + kKeys * (D + 1);      // [32][D + 1]
  T* q_sh = v_sh + kKeys * (D + 1);      // [16][D]
  T* do_sh = q_sh + kQueries * D;        // [16][D]
  T* dq_sh = do_sh + kQueries * D;       // [16][D]
  const int64_t b = blockIdx.y / p.H, h = blockIdx.y % p.H;
  const int64_t i0 = static_cast<int64_t>(blockIdx.x) * kQueries;
  const int64_t rows = p.Nq - i0 < kQueries ? p.Nq - i0 : kQueries;
  for (int64_t idx = lane; idx < kQueries * D; idx += kKeys) {
    const int64_t r = idx / D, d = idx % D;
    q_sh[idx] = r < rows ? p.operand(q.row(b, i0 + r, h)[d]) : T(0);
    do_sh[idx] = r < rows ? p.operand(grad_out.row(b, i0 + r, h)[d]) : T(0);
    dq_sh[idx] = T(0);
  }
  T row_lse[kQueries], row_delta[kQueries];
#pragma unroll
  for (int r = 0; r < kQueries; ++r) {
    row_lse[r] = r < rows ? lse[(b * p.H + h) * p.Nq + i0 + r] : T(0);
    row_delta[r] = r < rows ? delta[(b * p.H + h) * p.Nq + i0 + r] : T(0);
  }
  const int64_t j_end = p.key_end(i0, rows);
  for (int64_t j0 = 0; j0 < j_end; j0 += kKeys) {
    __syncwarp();
    load_key_tile(p, k, b, h, j0, D + 1, k_sh);
    load_key_tile(p, v, b, h, j0, D + 1, v_sh);
    __syncwarp();
    const int64_t j = j0 + lane;
#pragma unroll
    for (int r = 0; r < kQueries; ++r) {
      if (r >= rows) break;
      const int64_t i = i0 + r;
      T ds = T(0);
      if (p.visible(b, i, j))
        ds = pair_grad(p, b, h, i, j, q_sh + r * D, do_sh + r * D, k_sh + lane * (D + 1), v_sh + lane * (D + 1),
                       row_lse[r], row_delta[r])
                 .ds;
      T* g = dq_sh + r * D;
      for (int jj = 0; jj < kKeys; ++jj) {
        const T c = p.operand(__shfl_sync(kMask, ds, jj));
        if (c == T(0)) continue;
        const T* kr = k_sh + jj * (D + 1);
        for (int64_t d = lane; d < D; d += kKeys) g[d] += p.scale * c * kr[d];
      }
    }
  }
  __syncwarp();
  for (int64_t idx = lane; idx < rows * D; idx += kKeys) {
    const int64_t r = idx / D, d = idx % D;
    dq[((b * p.Nq + i0 + r) * p.H + h) * D + d] = dq_sh[idx];
  }
}

// Sums of the per-(b, h) and per-block partials in a fixed order.
template <class T>
struct KeyBiasGrad {
  const double* part;  // [B, H, Nk]
  T* out;              // [B, Nk]
  int64_t H, Nk;
  __device__ void operator()(int64_t e) const {
    const int64_t b = e / Nk, j = e % Nk;
    double s = 0.0;
    for (int64_t h = 0; h < H; ++h) s += part[(b * H + h) * Nk + j];
    out[e] = static_cast<T>(s);
  }
};

template <class T>
struct TableGrad {
  const double* part;  // [B, H, key_tiles, num_buckets]
  T* out;              // [num_buckets, H]
  int64_t B, H, key_tiles, num_buckets;
  __device__ void operator()(int64_t e) const {
    const int64_t c = e / H, h = e % H;
    double s = 0.0;
    for (int64_t b = 0; b < B; ++b)
      for (int64_t t = 0; t < key_tiles; ++t) s += part[((b * H + h) * key_tiles + t) * num_buckets + c];
    out[e] = static_cast<T>(s);
  }
};

// Host-side setup shared by forward and backward.
template <class T>
struct Launch {
  Problem<T> p{};
  Tensor buckets;  // keeps the device bucket table alive for the call
  int device = 0;

  Launch(const Tensor& q, const Tensor& k, const AttentionArgs& a) {
    vcc::cuda::require_current(q.device(), "attention");
    device = q.device().index;
    p.B = q.size(0);
    p.Nq = q.size(1);
    p.Nk = k.size(1);
    p.H = q.size(2);
    p.D = q.size(3);
    p.scale = static_cast<T>(a.scale);
    p.causal = a.causal;
    p.key_mask = a.key_mask.defined() ? a.key_mask.data<uint8_t>() : nullptr;
    p.key_bias = a.key_bias.defined() ? a.key_bias.data<T>() : nullptr;
    p.table = nullptr;
    p.bucket_by_distance = nullptr;
    p.query_positions = p.key_positions = nullptr;
    p.max_distance = a.max_distance;
    p.num_buckets = a.num_buckets;
    if (a.relative_bias_table.defined()) {
      // Buckets by clamped distance, computed once on the host with the shared function:
      // the kernels then do one clamp and one load per logit instead of a logarithm.
      std::vector<int32_t> by_distance(2 * static_cast<size_t>(a.max_distance) + 1);
      for (int64_t r = -a.max_distance; r <= a.max_distance; ++r)
        by_distance[r + a.max_distance] = relative_position_bucket(r, a.bidirectional, a.num_buckets, a.max_distance);
      buckets = Tensor::from_vector<int32_t>(by_distance, {static_cast<int64_t>(by_distance.size())}).to(q.device());
      p.table = a.relative_bias_table.data<T>();
      p.bucket_by_distance = buckets.data<int32_t>();
      p.query_positions = a.query_positions.data<int64_t>();
      p.key_positions = a.key_positions.data<int64_t>();
    }
    p.dropout = a.dropout > 0.0;
    p.drop_p = static_cast<float>(a.dropout);
    p.keep_scale = static_cast<T>(a.dropout > 0.0 ? 1.0 / (1.0 - a.dropout) : 1.0);
    p.seed = a.seed;
    p.offset = a.offset;
    p.bf16_products = a.bf16_products;
  }

  // Dynamic shared memory above the default 48 KiB must be requested per kernel.
  template <class Kernel>
  void allow_shared(Kernel kernel, size_t bytes, const char* what) const {
    int limit = 0;
    VCC_CUDA_CHECK(cudaDeviceGetAttribute(&limit, cudaDevAttrMaxSharedMemoryPerBlockOptin, device));
    VCC_CHECK(bytes <= static_cast<size_t>(limit), "attention ", what, ": head size D = ", p.D, " needs ", bytes,
              " bytes of shared memory per block, the device allows ", limit);
    if (bytes > 48 * 1024)
      VCC_CUDA_CHECK(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(bytes)));
  }

  dim3 query_grid() const {
    return dim3(static_cast<unsigned>((p.Nq + kQueries - 1) / kQueries), static_cast<unsigned>(p.B * p.H));
  }
  int64_t key_tiles() const { return (p.Nk + kKeys - 1) / kKeys; }
};

void check_grid(int64_t B, int64_t H) {
  VCC_CHECK(B * H <= 65535, "attention on CUDA: B * H = ", B * H, " exceeds the grid's 65535 (batch, head) pairs");
}

}  // namespace

void attention_forward(const Tensor& q, const Tensor& k, const Tensor& v, const AttentionArgs& args, const Tensor& out,
                       const Tensor& lse) {
  dispatch_float(q.dtype(), "attention", [&](auto tag) {
    using T = typename decltype(tag)::type;
    Launch<T> l(q, k, args);
    check_grid(l.p.B, l.p.H);
    if (l.p.Nq == 0) return;
    const int64_t D = l.p.D;
    const size_t bytes = sizeof(T) * (kKeys * (D + 1) + kKeys * D + 2 * kQueries * D);
    l.allow_shared(forward_kernel<T>, bytes, "forward");
    forward_kernel<T><<<l.query_grid(), kKeys, bytes, vcc::cuda::stream(l.device)>>>(
        l.p, head_view<T>(q), head_view<T>(k), head_view<T>(v), out.data<T>(), lse.data<T>());
    VCC_CUDA_CHECK_LAUNCH();
  });
}

void attention_backward(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& out, const Tensor& lse,
                        const Tensor& grad_out, const AttentionArgs& args, const AttentionGrads& grads) {
  dispatch_float(q.dtype(), "attention backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    Launch<T> l(q, k, args);
    check_grid(l.p.B, l.p.H);
    const Problem<T>& p = l.p;
    if (p.Nq == 0 || p.Nk == 0) return;  // gradients stay the zeros the front end allocated
    const int64_t D = p.D, key_tiles = l.key_tiles();
    cudaStream_t st = vcc::cuda::stream(l.device);
    const HeadView<T> qv = head_view<T>(q), kv = head_view<T>(k), vv = head_view<T>(v), gv = head_view<T>(grad_out);

    Tensor delta = Tensor::empty(Shape{p.B, p.H, p.Nq}, q.dtype(), q.device());
    delta_kernel<T><<<vcc::cuda::grid_for(p.B * p.H * p.Nq * kKeys, l.device), vcc::cuda::kBlockThreads, 0, st>>>(
        p, out.data<T>(), gv, delta.data<T>());
    VCC_CUDA_CHECK_LAUNCH();

    const bool need_keys = grads.k.defined() || grads.v.defined() || grads.key_bias.defined() ||
                           grads.relative_bias_table.defined();
    if (need_keys) {
      Tensor kb_part = grads.key_bias.defined() ? Tensor::empty(Shape{p.B, p.H, p.Nk}, DType::F64, q.device()) : Tensor();
      Tensor table_part = grads.relative_bias_table.defined()
                              ? Tensor::empty(Shape{p.B, p.H, key_tiles, int64_t{p.num_buckets}}, DType::F64, q.device())
                              : Tensor();
      const size_t bytes = (table_part.defined() ? sizeof(double) * kKeys * p.num_buckets : 0) +
                           sizeof(T) * (2 * kKeys * (D + 1) + 2 * kKeys * D + 2 * D);
      l.allow_shared(key_grad_kernel<T>, bytes, "backward (keys)");
      const dim3 grid(static_cast<unsigned>(key_tiles), static_cast<unsigned>(p.B * p.H));
      key_grad_kernel<T><<<grid, kKeys, bytes, st>>>(
          p, qv, kv, vv, gv, lse.data<T>(), delta.data<T>(), grads.k.defined() ? grads.k.data<T>() : nullptr,
          grads.v.defined() ? grads.v.data<T>() : nullptr, kb_part.defined() ? kb_part.data<double>() : nullptr,
          table_part.defined() ? table_part.data<double>() : nullptr);
      VCC_CUDA_CHECK_LAUNCH();
      if (kb_part.defined())
        vcc::cuda::launch_for_each(p.B * p.Nk, l.device,
                                   KeyBiasGrad<T>{kb_part.data<double>(), grads.key_bias.data<T>(), p.H, p.Nk});
      if (table_part.defined())
        vcc::cuda::launch_for_each(int64_t{p.num_buckets} * p.H, l.device,
                                   TableGrad<T>{table_part.data<double>(), grads.relative_bias_table.data<T>(), p.B,
                                                p.H, key_tiles, p.num_buckets});
    }
    if (grads.q.defined()) {
      const size_t bytes = sizeof(T) * (2 * kKeys * (D + 1) + 3 * kQueries * D);
      l.allow_shared(query_grad_kernel<T>, bytes, "backward (queries)");
      query_grad_kernel<T><<<l.query_grid(), kKeys, bytes, st>>>(p, qv, kv, vv, gv, lse.data<T>(), delta.data<T>(),
                                                                  grads.q.data<T>());
      VCC_CUDA_CHECK_LAUNCH();
    }
  });
}

}  // namespace vcc::kernels::cuda
