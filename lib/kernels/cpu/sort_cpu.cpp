// CPU launchers for argsort and top-k: each slice along the sorted dim is copied into
// (key, position) pairs and ordered by KeyOrder, a strict total order, so std::sort and
// nth_element give the stable result. Slices are independent tasks.
#include <algorithm>
#include <vector>

#include "core/parallel.h"
#include "kernels/cpu/odometer.h"
#include "kernels/index.h"

namespace vcc::kernels::cpu {
namespace {

constexpr int64_t kSortGrain = 1 << 13;  // keys per task below which threading does not pay

template <class T>
struct Entry {
  T key;
  int64_t pos;
};

// fn(entries, offsets) for every slice of x along dim, with the slice's keys loaded into
// `entries` and the element offsets of the slice start in x and each output.
template <class T, int K, class Fn>
void for_each_slice(const Tensor& x, int dim, const Strides* const (&out_strides)[K], Fn&& fn) {
  const int64_t n = x.size(dim), xsd = x.stride(dim);
  const T* xp = x.data<T>();
  Shape slices = x.shape();
  slices[dim] = 1;
  const Strides* st[K + 1];
  st[0] = &x.strides();
  for (int k = 0; k < K; ++k) st[k + 1] = out_strides[k];
  parallel_for(0, slices.numel(), kSortGrain / n + 1, [&](int64_t s0, int64_t s1) {
    std::vector<Entry<T>> entries(n);
    Odometer<K + 1> pos(slices, st, s0);
    for (int64_t s = s0; s < s1; ++s, pos.next()) {
      const T* keys = xp + pos.offset(0);
      for (int64_t j = 0; j < n; ++j) entries[j] = {keys[j * xsd], j};
      int64_t off[K];
      for (int k = 0; k < K; ++k) off[k] = pos.offset(k + 1);
      fn(entries, off);
    }
  });
}

}  // namespace

void argsort(const Tensor& x, int dim, bool descending, const Tensor& out) {
  dispatch_all(x.dtype(), "argsort", [&](auto tag) {
    using scalar_t = typename decltype(tag)::type;
    const KeyOrder<scalar_t> order{descending};
    auto before = [&](const Entry<scalar_t>& a, const Entry<scalar_t>& b) {
      return order.before(a.key, a.pos, b.key, b.pos);
    };
    int64_t* op = out.data<int64_t>();
    const int64_t osd = out.stride(dim);
    const Strides* st[1] = {&out.strides()};
    for_each_slice<scalar_t, 1>(x, dim, st, [&](std::vector<Entry<scalar_t>>& e, const int64_t* off) {
      std::sort(e.begin(), e.end(), before);
      int64_t* o = op + off[0];
      for (size_t j = 0; j < e.size(); ++j) o[static_cast<int64_t>(j) * osd] = e[j].pos;
    });
  });
}

void topk(const Tensor& x, int64_t k, int dim, bool largest, const Tensor& values, const Tensor& indices) {
  dispatch_all(x.dtype(), "topk", [&](auto tag) {
    using scalar_t = typename decltype(tag)::type;
    const KeyOrder<scalar_t> order{largest};
    auto before = [&](const Entry<scalar_t>& a, const Entry<scalar_t>& b) {
      return order.before(a.key, a.pos, b.key, b.pos);
    };
    scalar_t* vp = values.data<scalar_t>();
    int64_t* ip = indices.data<int64_t>();
    const int64_t vsd = values.stride(dim), isd = indices.stride(dim);
    const Strides* st[2] = {&values.strides(), &indices.strides()};
    for_each_slice<scalar_t, 2>(x, dim, st, [&](std::vector<Entry<scalar_t>>& e, const int64_t* off) {
      // Linear selection of the k best, then order only those: O(n + k log k).
      if (k < static_cast<int64_t>(e.size())) std::nth_element(e.begin(), e.begin() + k, e.end(), before);
      std::sort(e.begin(), e.begin() + k, before);
      scalar_t* v = vp + off[0];
      int64_t* i = ip + off[1];
      for (int64_t j = 0; j < k; ++j) {
        v[j * vsd] = e[j].key;
        i[j * isd] = e[j].pos;
      }
    });
  });
}

}  // namespace vcc::kernels::cpu
