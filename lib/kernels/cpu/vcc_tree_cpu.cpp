// CPU loops of the VCC block tree: every task owns whole blocks (or whole output rows), so
// results are independent of the thread count.
#include <cstring>

#include "core/parallel.h"
#include "kernels/vcc_tree.h"
#include "kernels/vcc_tree_ops.h"

namespace vcc::kernels::cpu {
namespace {

void check_index(int64_t value, int64_t limit, const char* op) {
  VCC_CHECK(value >= 0 && value < limit, op, ": index ", value, " out of range [0, ", limit, ")");
}

}  // namespace

void vcc_coarsen(const Tensor& tokens, const Tensor& blocks, const Tensor& token_mask, const Tensor& counts,
                 double eps, const Tensor& offsets, const Tensor& means) {
  const int64_t B = offsets.size(0), N = offsets.size(1), b = offsets.size(2), d = offsets.size(3);
  const int64_t k = blocks.size(1);
  const int64_t* idx = blocks.data<int64_t>();
  dispatch_float(offsets.dtype(), "vcc_coarsen", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* tok = tokens.data<T>();
    const T* mask = token_mask.data<T>();
    const T* cnt = counts.data<T>();
    T* off = offsets.data<T>();
    T* mean = means.data<T>();
    parallel_for(0, B * k, 1, [&](int64_t t0, int64_t t1) {
      for (int64_t t = t0; t < t1; ++t) {
        const int64_t batch = t / k, j = idx[t];
        check_index(j, N, "vcc_coarsen");
        const T* m = mask + (batch * N + j) * b;
        const T inv = inverse_block_count(cnt[batch * N + j], static_cast<T>(eps));
        const T* c = tok + t * b * d;
        T* mu = mean + t * d;
        // Sum in token order (fixed), then scale: the mean the paper's tree stores.
        for (int64_t e = 0; e < d; ++e) mu[e] = 0;
        for (int64_t i = 0; i < b; ++i) {
          const T mi = m[i];
#pragma omp simd
          for (int64_t e = 0; e < d; ++e) mu[e] += mi * c[i * d + e];
        }
#pragma omp simd
        for (int64_t e = 0; e < d; ++e) mu[e] *= inv;
        T* D = off + (batch * N + j) * b * d;
        for (int64_t i = 0; i < b; ++i) {
          const T mi = m[i];
#pragma omp simd
          for (int64_t e = 0; e < d; ++e) D[i * d + e] = mu[e] - mi * c[i * d + e];
        }
      }
    });
  });
}

void vcc_coarsen_backward(const Tensor& grad_means, const Tensor& blocks, const Tensor& token_mask,
                          const Tensor& counts, double eps, const Tensor& grad_offsets, const Tensor& grad_tokens) {
  const int64_t B = grad_offsets.size(0), N = grad_offsets.size(1), b = grad_offsets.size(2), d = grad_offsets.size(3);
  const int64_t k = blocks.size(1);
  const int64_t* idx = blocks.data<int64_t>();
  dispatch_float(grad_offsets.dtype(), "vcc_coarsen_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* gmean = grad_means.data<T>();
    const T* mask = token_mask.data<T>();
    const T* cnt = counts.data<T>();
    T* gD = grad_offsets.data<T>();
    T* gtok = grad_tokens.data<T>();
    parallel_for(0, B * k, 1, [&](int64_t t0, int64_t t1) {
      std::vector<T> total(d);
      for (int64_t t = t0; t < t1; ++t) {
        const int64_t batch = t / k, j = idx[t];
        check_index(j, N, "vcc_coarsen_backward");
        const T* m = mask + (batch * N + j) * b;
        const T inv = inverse_block_count(cnt[batch * N + j], static_cast<T>(eps));
        T* G = gD + (batch * N + j) * b * d;
        const T* gm = gmean + t * d;
        // total = g_mu + sum_i g_D_i: the mean feeds every offset of its block.
        for (int64_t e = 0; e < d; ++e) total[e] = gm[e];
        for (int64_t i = 0; i < b; ++i)
          for (int64_t e = 0; e < d; ++e) total[e] += G[i * d + e];
        T* out = gtok + t * b * d;
        for (int64_t i = 0; i < b; ++i) {
          const T mi = m[i];
#pragma omp simd
          for (int64_t e = 0; e < d; ++e) out[i * d + e] = coarsen_token_grad(mi, inv, total[e], G[i * d + e]);
        }
        // These offsets were overwritten in forward: nothing earlier depends on them through here.
        std::memset(G, 0, sizeof(T) * b * d);
      }
    });
  });
}

void vcc_refine(const Tensor& means, const Tensor& offsets, const Tensor& blocks, const Tensor& tokens) {
  const int64_t B = offsets.size(0), N = offsets.size(1), b = offsets.size(2), d = offsets.size(3);
  const int64_t k = blocks.size(1);
  const int64_t* idx = blocks.data<int64_t>();
  dispatch_float(offsets.dtype(), "vcc_refine", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* mean = means.data<T>();
    const T* off = offsets.data<T>();
    T* tok = tokens.data<T>();
    parallel_for(0, B * k, 1, [&](int64_t t0, int64_t t1) {
      for (int64_t t = t0; t < t1; ++t) {
        const int64_t batch = t / k, j = idx[t];
        check_index(j, N, "vcc_refine");
        const T* mu = mean + (batch * N + j) * d;
        const T* D = off + (batch * N + j) * b * d;
        T* out = tok + t * b * d;
        for (int64_t i = 0; i < b; ++i) {
#pragma omp simd
          for (int64_t e = 0; e < d; ++e) out[i * d + e] = mu[e] - D[i * d + e];
        }
      }
    });
  });
}

void vcc_refine_backward(const Tensor& grad_tokens, const Tensor& blocks, const Tensor& grad_offsets,
                         const Tensor& grad_means) {
  const int64_t B = grad_offsets.size(0), N = grad_offsets.size(1), b = grad_offsets.size(2), d = grad_offsets.size(3);
  const int64_t k = blocks.size(1);
  const int64_t* idx = blocks.data<int64_t>();
  dispatch_float(grad_offsets.dtype(), "vcc_refine_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* g = grad_tokens.data<T>();
    T* gD = grad_offsets.data<T>();
    T* gm = grad_means.data<T>();
    // Block indices are unique per example, so tasks never share an output row.
    parallel_for(0, B * k, 1, [&](int64_t t0, int64_t t1) {
      for (int64_t t = t0; t < t1; ++t) {
        const int64_t batch = t / k, j = idx[t];
        check_index(j, N, "vcc_refine_backward");
        T* mu = gm + (batch * N + j) * d;
        T* G = gD + (batch * N + j) * b * d;
        const T* gt = g + t * b * d;
        for (int64_t i = 0; i < b; ++i) {
#pragma omp simd
          for (int64_t e = 0; e < d; ++e) {
            mu[e] += gt[i * d + e];
            G[i * d + e] -= gt[i * d + e];
          }
        }
      }
    });
  });
}

void gather_rows(const Tensor& x, const Tensor& index, const Tensor& out) {
  const int64_t B = x.size(0), N = x.size(1), d = x.size(2), m = index.size(1);
  const int64_t* idx = index.data<int64_t>();
  const size_t row_bytes = static_cast<size_t>(d) * x.element_size();
  const char* src = static_cast<const char*>(x.raw_data());
  char* dst = static_cast<char*>(out.raw_data());
  parallel_for(0, B * m, std::max<int64_t>(1, 4096 / std::max<int64_t>(d, 1)), [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t batch = t / m, r = idx[t];
      check_index(r, N, "gather_rows");
      std::memcpy(dst + t * row_bytes, src + (batch * N + r) * row_bytes, row_bytes);
    }
  });
}

void scatter_add_rows(const Tensor& src, const Tensor& index, const Tensor& out) {
  const int64_t B = src.size(0), m = src.size(1), d = src.size(2), N = out.size(1);
  const int64_t* idx = index.data<int64_t>();
  dispatch_float(src.dtype(), "scatter_add_rows", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* s = src.data<T>();
    T* o = out.data<T>();
    // A task owns one example's slice of columns: duplicates accumulate in index order.
    const int64_t chunk = 64, chunks = (d + chunk - 1) / chunk;
    parallel_for(0, B * chunks, 1, [&](int64_t t0, int64_t t1) {
      for (int64_t t = t0; t < t1; ++t) {
        const int64_t batch = t / chunks, e0 = (t % chunks) * chunk, e1 = std::min(d, e0 + chunk);
        for (int64_t i = 0; i < m; ++i) {
          const int64_t r = idx[batch * m + i];
          check_index(r, N, "scatter_add_rows");
          T* row = o + (batch * N + r) * d;
          const T* in = s + (batch * m + i) * d;
#pragma omp simd
          for (int64_t e = e0; e < e1; ++e) row[e] += in[e];
        }
      }
    });
  });
}

}  // namespace vcc::kernels::cpu
