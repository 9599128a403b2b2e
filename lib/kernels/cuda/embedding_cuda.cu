// CUDA launchers for the embedding lookup and its deterministic backward. Backward sorts
// (id, position) pairs with CUB's stable radix sort, so each id's positions come out in
// increasing order, exactly the CPU launcher's order; then one thread per (run of equal
// ids, column) sums its run. No atomics: the same bits for any launch configuration.
#include <cub/device/device_radix_sort.cuh>

#include "core/cuda/launch.cuh"
#include "core/cuda/scalar_types.cuh"
#include "kernels/cuda/bad_index_flag.h"
#include "kernels/embedding.h"
#include "kernels/reduce_ops.h"

namespace vcc::kernels::cuda {
namespace {

using vcc::cuda::OpMath;
using vcc::cuda::opmath_t;

template <class W, class I>
struct LookupRows {
  const W* table;
  const I* ids;
  W* out;
  int64_t vocab, d;
  int32_t* bad;
  __device__ void operator()(int64_t e) const {
    const int64_t k = e / d, j = e % d;
    const int64_t id = ids[k];
    if (id < 0 || id >= vocab) {
      *bad = 1;
      return;
    }
    out[e] = table[id * d + j];
  }
};

template <class I>
struct KeysAndPositions {
  const I* ids;
  int64_t* keys;
  int64_t* positions;
  __device__ void operator()(int64_t k) const {
    keys[k] = ids[k];
    positions[k] = k;
  }
};

// Thread (k, j): if sorted entry k starts a run of equal ids, writes that id's row
// element j as the sum over the run (positions ascending).
template <class T>
struct SumRuns {
  using M = opmath_t<T>;
  using Acc = acc_t<M>;
  const T* g;
  const int64_t* keys;
  const int64_t* positions;
  T* out;
  int64_t n, d, vocab;
  int32_t* bad;
  __device__ void operator()(int64_t e) const {
    const int64_t k = e / d, j = e % d;
    const int64_t id = keys[k];
    if (k > 0 && keys[k - 1] == id) return;  // not the start of a run
    if (id < 0 || id >= vocab) {
      *bad = 1;
      return;
    }
    Acc s = Acc(0);
    for (int64_t q = k; q < n && keys[q] == id; ++q) s += static_cast<Acc>(OpMath<T>::load(g[positions[q] * d + j]));
    out[id * d + j] = OpMath<T>::store(static_cast<M>(s));
  }
};

// The CPU launcher's message for the first id out of range.
[[noreturn]] void fail_id(const Tensor& ids, int64_t vocab) {
  const std::vector<int64_t> v = ids.to_vector<int64_t>();
  for (size_t k = 0; k < v.size(); ++k)
    VCC_USER_CHECK(v[k] >= 0 && v[k] < vocab, "embedding: id ", v[k], " at position ", k,
                   " is out of range for a vocabulary of ", vocab, " rows");
  VCC_FAIL("embedding: an id was flagged out of range for a vocabulary of ", vocab, " rows but none is");
}

template <class Fn>
void dispatch_word(size_t bytes, Fn&& fn) {
  switch (bytes) {
    case 1: fn(TypeTag<uint8_t>{}); return;
    case 2: fn(TypeTag<uint16_t>{}); return;
    case 4: fn(TypeTag<uint32_t>{}); return;
    case 8: fn(TypeTag<uint64_t>{}); return;
    default: VCC_FAIL("embedding: unsupported element size ", bytes);
  }
}

}  // namespace

void embedding(const Tensor& table, const Tensor& ids, const Tensor& out) {
  vcc::cuda::require_current(out.device(), "embedding");
  const int device = out.device().index;
  const int64_t vocab = table.size(0), d = table.size(1);
  BadIndexFlag bad(out.device());
  dispatch_word(table.element_size(), [&](auto wtag) {
    using W = typename decltype(wtag)::type;
    dispatch_index(ids.dtype(), "embedding", [&](auto itag) {
      using I = typename decltype(itag)::type;
      vcc::cuda::launch_for_each(out.numel(), device,
                                 LookupRows<W, I>{static_cast<const W*>(table.raw_data()), ids.data<I>(),
                                                  static_cast<W*>(out.raw_data()), vocab, d, bad.device_ptr()});
    });
  });
  bad.check_after_launch([ids, vocab] { fail_id(ids, vocab); });
}

void embedding_backward(const Tensor& g, const Tensor& ids, const Tensor& out) {
  vcc::cuda::require_current(out.device(), "embedding_backward");
  const int device = out.device().index;
  const int64_t n = ids.numel(), d = out.size(1), vocab = out.size(0);
  Tensor(out).zero_();  // rows of ids that do not occur (a copy of the handle shares the storage)
  if (n == 0 || d == 0) return;
  cudaStream_t st = vcc::cuda::stream(device);
  const Device dev = out.device();
  Tensor keys_in = Tensor::empty(Shape{n}, DType::I64, dev), keys = Tensor::empty(Shape{n}, DType::I64, dev);
  Tensor pos_in = Tensor::empty(Shape{n}, DType::I64, dev), pos = Tensor::empty(Shape{n}, DType::I64, dev);
  dispatch_index(ids.dtype(), "embedding_backward", [&](auto itag) {
    using I = typename decltype(itag)::type;
    vcc::cuda::launch_for_each(n, device, KeysAndPositions<I>{ids.data<I>(), keys_in.data<int64_t>(), pos_in.data<int64_t>()});
  });
  VCC_CHECK(n <= int64_t{0x7fffffff}, "embedding_backward: ", n, " ids exceed CUB's 32-bit item count");
  const int items = static_cast<int>(n);
  size_t temp_bytes = 0;
  VCC_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(nullptr, temp_bytes, keys_in.data<int64_t>(), keys.data<int64_t>(),
                                                 pos_in.data<int64_t>(), pos.data<int64_t>(), items, 0, 64, st));
  Tensor temp = Tensor::empty(Shape{static_cast<int64_t>(std::max<size_t>(temp_bytes, 1))}, DType::U8, dev);
  VCC_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(temp.raw_data(), temp_bytes, keys_in.data<int64_t>(),
                                                 keys.data<int64_t>(), pos_in.data<int64_t>(), pos.data<int64_t>(),
                                                 items, 0, 64, st));
  BadIndexFlag bad(dev);
  vcc::cuda::dispatch_float_bf16(g.dtype(), "embedding_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    vcc::cuda::launch_for_each(n * d, device,
                               SumRuns<T>{static_cast<const T*>(g.raw_data()), keys.data<int64_t>(),
                                          pos.data<int64_t>(), static_cast<T*>(out.raw_data()), n, d, vocab,
                                          bad.device_ptr()});
  });
  bad.check_after_launch([ids, vocab] { fail_id(ids, vocab); });
}

}  // namespace vcc::kernels::cuda
