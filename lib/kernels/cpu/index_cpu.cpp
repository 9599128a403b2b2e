// CPU launchers for gather and scatter-add (index_select and index_add arrive here with a
// broadcast index). Two paths each: when the index is constant over the dims after `dim`
// and the data's inner block is one contiguous run (VCC's [B, N, D] row gathers), whole
// rows are copied or added; otherwise an element loop over strided operands.
#include <algorithm>
#include <atomic>
#include <cstring>

#include "core/parallel.h"
#include "kernels/cpu/odometer.h"
#include "kernels/cpu/strided_loop.h"
#include "kernels/index.h"

namespace vcc::kernels::cpu {
namespace {

constexpr int64_t kGrain = 1 << 15;         // elements per task below which threading does not pay
// Inner elements per scatter-add task on the row path: whole rows up to kScatterChunk,
// halved (not below kMinScatterChunk) only while there are too few tasks for the threads,
// e.g. for index_add along dim 0. Long rows keep the random row accesses TLB-friendly.
constexpr int64_t kScatterChunk = 1 << 12;
constexpr int64_t kMinScatterChunk = 64;

// True when index holds one value per inner block (every dim after `dim` has stride 0 or
// size 1) and data's inner block, of the same sizes, is one contiguous run; `inner` is
// then the block's element count. Single-element blocks go to the element loop instead.
bool row_layout(const Tensor& data, int dim, const Tensor& index, int64_t& inner) {
  inner = 1;
  bool ok = true;
  for (int k = data.dim() - 1; k > dim; --k) {
    const int64_t n = index.size(k);
    ok = ok && n == data.size(k) && (n == 1 || (index.stride(k) == 0 && data.stride(k) == inner));
    inner *= n;
  }
  return ok && inner > 1;
}

// dims [0, n) of a shape.
Shape prefix(const Shape& shape, int n) { return Shape(shape.begin(), shape.begin() + n); }

// Kernels only flag a bad index (throwing inside a parallel region would terminate); this
// then names the first one in index order, so the message never depends on threading.
[[noreturn]] void fail_bad_index(const char* op, const Tensor& index, int dim, const Tensor& data) {
  // Stride-0 dims repeat the same values: drop them so a broadcast index is not materialised.
  Shape distinct = index.shape();
  for (int d = 0; d < index.dim(); ++d)
    if (index.stride(d) == 0) distinct[d] = 1;
  Tensor values = Tensor::from_storage(index.storage(), distinct, index.strides(), index.offset(), index.dtype());
  const int64_t size = data.size(dim);
  for (int64_t v : values.to_vector<int64_t>())
    if (!index_in_range(v, size))
      VCC_FAIL(op, ": index ", v, " is out of range for dimension ", dim, " of size ", size, " (", data.describe(), ")");
  VCC_FAIL(op, ": an index was flagged out of range for dimension ", dim, " of size ", size, " but none is");
}

template <class T, class I>
void gather_rows(const Tensor& x, int dim, const Tensor& index, const Tensor& out, int64_t inner,
                 std::atomic<bool>& bad) {
  const T* xp = x.data<T>();
  const I* ip = index.data<I>();
  T* op = out.data<T>();
  const int64_t size = x.size(dim), xsd = x.stride(dim);
  // Walk (outer..., j); x's offset excludes dim, which the index value supplies.
  Strides xs = x.strides();
  xs[dim] = 0;
  const Shape rows_shape = prefix(index.shape(), dim + 1);
  const Strides* st[2] = {&xs, &index.strides()};
  parallel_for(0, rows_shape.numel(), kGrain / inner + 1, [&](int64_t r0, int64_t r1) {
    Odometer<2> pos(rows_shape, st, r0);
    for (int64_t r = r0; r < r1; ++r, pos.next()) {
      const I v = ip[pos.offset(1)];
      if (!index_in_range(v, size)) {
        bad.store(true, std::memory_order_relaxed);
        continue;
      }
      std::memcpy(op + r * inner, xp + pos.offset(0) + static_cast<int64_t>(v) * xsd, inner * sizeof(T));
    }
  });
}

template <class T, class I>
void gather_elements(const Tensor& x, int dim, const Tensor& index, const Tensor& out, std::atomic<bool>& bad) {
  const T* xp = x.data<T>();
  const I* ip = index.data<I>();
  T* op = out.data<T>();
  const int64_t size = x.size(dim), xsd = x.stride(dim);
  Strides xs = x.strides();
  xs[dim] = 0;
  const Strides* st[3] = {&out.strides(), &index.strides(), &xs};
  StridedLoop<3> loop(index.shape(), st);
  const int64_t so = loop.inner_stride(0), si = loop.inner_stride(1), sx = loop.inner_stride(2);
  loop.run(kGrain, [&](int64_t n, const int64_t* off) {
    T* po = op + off[0];
    const I* pi = ip + off[1];
    const T* px = xp + off[2];
    for (int64_t i = 0; i < n; ++i) {
      const I v = pi[i * si];
      if (!index_in_range(v, size)) {
        bad.store(true, std::memory_order_relaxed);
        continue;
      }
      po[i * so] = px[i * sx + static_cast<int64_t>(v) * xsd];
    }
  });
}

// Row path: tasks own (outer position, chunk of the inner block) pairs, disjoint in the
// output; each adds its source rows in increasing j, so repeated indices sum in index order.
template <class T, class I>
void scatter_rows(const Tensor& out, int dim, const Tensor& index, const Tensor& src, int64_t inner,
                  std::atomic<bool>& bad) {
  T* op = out.data<T>();
  const I* ip = index.data<I>();
  const T* sp = src.data<T>();
  const int64_t J = index.size(dim), size = out.size(dim);
  const int64_t osd = out.stride(dim), isd = index.stride(dim), ssd = src.stride(dim);
  const Shape outer = prefix(index.shape(), dim);
  // The chunking never changes which additions happen or their order, only who does them,
  // so it may depend on the thread count.
  const int64_t tasks = 2 * static_cast<int64_t>(num_threads());
  int64_t chunk = kScatterChunk;
  while (chunk > kMinScatterChunk && outer.numel() * ((inner + chunk - 1) / chunk) < tasks) chunk /= 2;
  // Units: outer dims plus a trailing chunk dim (stride `chunk` in out and src).
  Shape units = outer;
  units.push_back((inner + chunk - 1) / chunk);
  Strides os = prefix(out.strides(), dim), is = prefix(index.strides(), dim), ss = prefix(src.strides(), dim);
  os.push_back(chunk);
  is.push_back(0);
  ss.push_back(chunk);
  const Strides* st[3] = {&os, &is, &ss};
  const int64_t unit_work = J * std::min(inner, chunk);
  parallel_for(0, units.numel(), kGrain / unit_work + 1, [&](int64_t u0, int64_t u1) {
    Odometer<3> pos(units, st, u0);
    for (int64_t u = u0; u < u1; ++u, pos.next()) {
      const int64_t p0 = pos.index(dim) * chunk, n = std::min(chunk, inner - p0);
      T* orow = op + pos.offset(0);
      const I* irow = ip + pos.offset(1);
      const T* srow = sp + pos.offset(2);
      for (int64_t j = 0; j < J; ++j) {
        const I v = irow[j * isd];
        if (!index_in_range(v, size)) {
          bad.store(true, std::memory_order_relaxed);
          continue;
        }
        T* dst = orow + static_cast<int64_t>(v) * osd;
        const T* s = srow + j * ssd;
#pragma omp simd
        for (int64_t p = 0; p < n; ++p) dst[p] += s[p];
      }
    }
  });
}

// Element path: a fiber is one position outside dim; tasks own whole fibers (their output
// elements differ outside dim, so they are disjoint) and walk each in increasing j.
template <class T, class I>
void scatter_elements(const Tensor& out, int dim, const Tensor& index, const Tensor& src, std::atomic<bool>& bad) {
  T* op = out.data<T>();
  const I* ip = index.data<I>();
  const T* sp = src.data<T>();
  const int64_t J = index.size(dim), size = out.size(dim);
  const int64_t osd = out.stride(dim), isd = index.stride(dim), ssd = src.stride(dim);
  Shape fibers = index.shape();
  fibers[dim] = 1;
  const Strides* st[3] = {&out.strides(), &index.strides(), &src.strides()};
  parallel_for(0, fibers.numel(), kGrain / J + 1, [&](int64_t f0, int64_t f1) {
    Odometer<3> pos(fibers, st, f0);
    for (int64_t f = f0; f < f1; ++f, pos.next()) {
      T* o = op + pos.offset(0);
      const I* i = ip + pos.offset(1);
      const T* s = sp + pos.offset(2);
      for (int64_t j = 0; j < J; ++j) {
        const I v = i[j * isd];
        if (!index_in_range(v, size)) {
          bad.store(true, std::memory_order_relaxed);
          continue;
        }
        o[static_cast<int64_t>(v) * osd] += s[j * ssd];
      }
    }
  });
}

}  // namespace

void gather(const char* op, const Tensor& x, int dim, const Tensor& index, const Tensor& out) {
  std::atomic<bool> bad{false};
  dispatch_all(x.dtype(), op, [&](auto tag) {
    using scalar_t = typename decltype(tag)::type;
    dispatch_index(index.dtype(), op, [&](auto itag) {
      using index_t = typename decltype(itag)::type;
      int64_t inner = 1;
      if (row_layout(x, dim, index, inner))
        gather_rows<scalar_t, index_t>(x, dim, index, out, inner, bad);
      else
        gather_elements<scalar_t, index_t>(x, dim, index, out, bad);
    });
  });
  if (bad.load()) fail_bad_index(op, index, dim, x);
}

void scatter_add(const char* op, const Tensor& out, int dim, const Tensor& index, const Tensor& src) {
  std::atomic<bool> bad{false};
  dispatch_all(out.dtype(), op, [&](auto tag) {
    using scalar_t = typename decltype(tag)::type;
    dispatch_index(index.dtype(), op, [&](auto itag) {
      using index_t = typename decltype(itag)::type;
      int64_t inner = 1;
      if (row_layout(out, dim, index, inner) && row_layout(src, dim, index, inner))
        scatter_rows<scalar_t, index_t>(out, dim, index, src, inner, bad);
      else
        scatter_elements<scalar_t, index_t>(out, dim, index, src, bad);
    });
  });
  if (bad.load()) fail_bad_index(op, index, dim, out);
}

}  // namespace vcc::kernels::cpu
