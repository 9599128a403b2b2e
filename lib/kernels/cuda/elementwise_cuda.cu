// CUDA launchers for element-wise ops: grid-stride kernels over the functors of
// kernels/elementwise_ops.h (the same ones the CPU loops use). bfloat16 tensors compute in
// float and round on store.
#include <type_traits>

#include "core/cuda/launch.cuh"
#include "core/cuda/scalar_types.cuh"
#include "core/cuda/strided_offsets.cuh"
#include "kernels/elementwise.h"

namespace vcc::kernels::cuda {
namespace {

using vcc::cuda::launch_for_each;
using vcc::cuda::OpMath;
using vcc::cuda::opmath_t;
using vcc::cuda::StridedOffsets;

template <class Fn>
void with_unary(UnaryOp op, Fn&& fn) {
  switch (op) {
#define CASE(OP) case UnaryOp::OP: fn(std::integral_constant<UnaryOp, UnaryOp::OP>{}); return;
    CASE(Neg) CASE(Exp) CASE(Log) CASE(Sqrt) CASE(Rsqrt) CASE(Tanh) CASE(Relu) CASE(GeluErf)
    CASE(GeluTanh) CASE(Sigmoid) CASE(Abs) CASE(Square) CASE(Scale) CASE(AddScalar) CASE(Pow)
    CASE(Reciprocal)
#undef CASE
  }
}

template <class Fn>
void with_binary(BinaryOp op, Fn&& fn) {
  switch (op) {
#define CASE(OP) case BinaryOp::OP: fn(std::integral_constant<BinaryOp, BinaryOp::OP>{}); return;
    CASE(Add) CASE(Sub) CASE(Mul) CASE(Div) CASE(Max) CASE(Min)
#undef CASE
  }
}

// The launch device of an op, checked to be current (see cuda::require_current).
int device_of(const Tensor& t, const char* op) {
  vcc::cuda::require_current(t.device(), op);
  return t.device().index;
}

template <class T, UnaryOp op>
struct UnaryForward {
  using M = opmath_t<T>;
  const T* x;
  T* out;
  M a;
  __device__ void operator()(int64_t i) const {
    out[i] = OpMath<T>::store(Unary<op>::forward(OpMath<T>::load(x[i]), a));
  }
};

// y may be null: the derivative is then taken at the recomputed forward value.
template <class T, UnaryOp op>
struct UnaryBackward {
  using M = opmath_t<T>;
  const T* x;
  const T* y;
  const T* g;
  T* out;
  M a;
  __device__ void operator()(int64_t i) const {
    const M xv = OpMath<T>::load(x[i]);
    const M yv = y ? OpMath<T>::load(y[i]) : Unary<op>::forward(xv, a);
    out[i] = OpMath<T>::store(Unary<op>::backward(xv, yv, OpMath<T>::load(g[i]), a));
  }
};

template <class T, BinaryOp op>
struct BinaryForward {
  StridedOffsets<3> at;  // out, a, b
  T* out;
  const T* a;
  const T* b;
  __device__ void operator()(int64_t i) const {
    int64_t off[3];
    at.get(i, off);
    out[off[0]] = OpMath<T>::store(Binary<op>::forward(OpMath<T>::load(a[off[1]]), OpMath<T>::load(b[off[2]])));
  }
};

template <class T, BinaryOp op>
struct BinaryGrad {
  StridedOffsets<4> at;  // out, a, b, g
  bool wrt_a;
  T* out;
  const T* a;
  const T* b;
  const T* g;
  __device__ void operator()(int64_t i) const {
    int64_t off[4];
    at.get(i, off);
    const auto av = OpMath<T>::load(a[off[1]]), bv = OpMath<T>::load(b[off[2]]), gv = OpMath<T>::load(g[off[3]]);
    out[off[0]] = OpMath<T>::store(wrt_a ? Binary<op>::grad_a(av, bv, gv) : Binary<op>::grad_b(av, bv, gv));
  }
};

// Partial sums of x over a range of reduced positions, for each kept position k:
// partial[c * kn + k] = sum over r in chunk c (in increasing r) of x[kept(k) + reduced(r)].
template <class T>
struct SumChunk {
  using M = opmath_t<T>;
  StridedOffsets<1> kept, reduced;
  const T* x;
  M* partial;
  int64_t kn, rn, chunk;
  __device__ void operator()(int64_t t) const {
    const int64_t c = t / kn, k = t % kn;
    int64_t base[1], off[1];
    kept.get(k, base);
    M s = M(0);
    const int64_t r1 = rn < (c + 1) * chunk ? rn : (c + 1) * chunk;
    for (int64_t r = c * chunk; r < r1; ++r) {
      reduced.get(r, off);
      s += OpMath<T>::load(x[base[0] + off[0]]);
    }
    partial[t] = s;
  }
};

// out[k] = sum of the chunk partials in chunk order (a fixed order: deterministic).
template <class T>
struct SumPartials {
  using M = opmath_t<T>;
  const M* partial;
  T* out;
  int64_t kn, chunks;
  __device__ void operator()(int64_t k) const {
    M s = M(0);
    for (int64_t c = 0; c < chunks; ++c) s += partial[c * kn + k];
    out[k] = OpMath<T>::store(s);
  }
};

template <class T>
struct AddScaled {
  using M = opmath_t<T>;
  StridedOffsets<2> at;  // dst, src
  T* dst;
  const T* src;
  M alpha;
  __device__ void operator()(int64_t i) const {
    int64_t off[2];
    at.get(i, off);
    dst[off[0]] = OpMath<T>::store(OpMath<T>::load(dst[off[0]]) + alpha * OpMath<T>::load(src[off[1]]));
  }
};

template <class T>
struct ScaleBy {
  using M = opmath_t<T>;
  T* dst;
  M alpha;
  __device__ void operator()(int64_t i) const { dst[i] = OpMath<T>::store(OpMath<T>::load(dst[i]) * alpha); }
};

}  // namespace

void unary(UnaryOp op, const Tensor& x, const Tensor& out, double a) {
  const int device = device_of(out, "unary");
  vcc::cuda::dispatch_float_bf16(x.dtype(), "unary", [&](auto tag) {
    using T = typename decltype(tag)::type;
    with_unary(op, [&](auto op_tag) {
      constexpr UnaryOp O = decltype(op_tag)::value;
      launch_for_each(x.numel(), device,
                      UnaryForward<T, O>{static_cast<const T*>(x.raw_data()), static_cast<T*>(out.raw_data()),
                                         static_cast<opmath_t<T>>(a)});
    });
  });
}

void unary_backward(UnaryOp op, const Tensor& x, const Tensor& y, const Tensor& g, const Tensor& out, double a) {
  const int device = device_of(out, "unary_backward");
  vcc::cuda::dispatch_float_bf16(x.dtype(), "unary_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* yp = y.defined() ? static_cast<const T*>(y.raw_data()) : nullptr;
    with_unary(op, [&](auto op_tag) {
      constexpr UnaryOp O = decltype(op_tag)::value;
      launch_for_each(x.numel(), device,
                      UnaryBackward<T, O>{static_cast<const T*>(x.raw_data()), yp, static_cast<const T*>(g.raw_data()),
                                          static_cast<T*>(out.raw_data()), static_cast<opmath_t<T>>(a)});
    });
  });
}

void binary(BinaryOp op, const Tensor& a, const Tensor& b, const Tensor& out) {
  const int device = device_of(out, "binary");
  const Strides* st[3] = {&out.strides(), &a.strides(), &b.strides()};
  const StridedOffsets<3> at(out.shape(), st);
  vcc::cuda::dispatch_all_bf16(a.dtype(), "binary", [&](auto tag) {
    using T = typename decltype(tag)::type;
    with_binary(op, [&](auto op_tag) {
      constexpr BinaryOp O = decltype(op_tag)::value;
      launch_for_each(out.numel(), device,
                      BinaryForward<T, O>{at, static_cast<T*>(out.raw_data()), static_cast<const T*>(a.raw_data()),
                                          static_cast<const T*>(b.raw_data())});
    });
  });
}

void binary_grad(BinaryOp op, bool wrt_a, const Tensor& a, const Tensor& b, const Tensor& g, const Tensor& out) {
  const int device = device_of(out, "binary_grad");
  const Strides* st[4] = {&out.strides(), &a.strides(), &b.strides(), &g.strides()};
  const StridedOffsets<4> at(out.shape(), st);
  vcc::cuda::dispatch_float_bf16(a.dtype(), "binary_grad", [&](auto tag) {
    using T = typename decltype(tag)::type;
    with_binary(op, [&](auto op_tag) {
      constexpr BinaryOp O = decltype(op_tag)::value;
      launch_for_each(out.numel(), device,
                      BinaryGrad<T, O>{at, wrt_a, static_cast<T*>(out.raw_data()), static_cast<const T*>(a.raw_data()),
                                       static_cast<const T*>(b.raw_data()), static_cast<const T*>(g.raw_data())});
    });
  });
}

void sum_to_shape(const Tensor& x, const Tensor& out) {
  const int device = device_of(out, "sum_to_shape");
  // Split x's dims into kept ones (out's non-broadcast dims) and reduced ones, as the CPU
  // launcher does; each kept position sums its reduced positions in row-major order.
  const int rank = x.dim(), lead = rank - out.dim();
  Shape kept_shape, reduced_shape;
  Strides kept_strides, reduced_strides;
  for (int d = 0; d < rank; ++d) {
    const bool is_reduced = d < lead || (out.shape()[d - lead] == 1 && x.shape()[d] != 1);
    (is_reduced ? reduced_shape : kept_shape).push_back(x.shape()[d]);
    (is_reduced ? reduced_strides : kept_strides).push_back(x.strides()[d]);
  }
  const int64_t kn = out.numel();
  if (kn == 0) return;
  const int64_t rn = x.numel() / kn;
  const Strides* ks[1] = {&kept_strides};
  const Strides* rs[1] = {&reduced_strides};
  const StridedOffsets<1> kept(kept_shape, ks), reduced(reduced_shape, rs);
  // Few outputs with long sums: split each sum into chunks so the device has enough
  // threads, then add the chunk partials in order (the result stays deterministic).
  const int64_t want_threads = int64_t{vcc::cuda::multiprocessor_count(device)} * 2048;
  int64_t chunks = std::min<int64_t>(std::max<int64_t>(1, want_threads / kn), std::max<int64_t>(1, rn / 256));
  const int64_t chunk = std::max<int64_t>(1, (rn + chunks - 1) / chunks);
  chunks = std::max<int64_t>(1, (rn + chunk - 1) / chunk);
  vcc::cuda::dispatch_float_bf16(x.dtype(), "sum_to_shape", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using M = opmath_t<T>;
    const DType partial_dtype = std::is_same_v<M, double> ? DType::F64 : DType::F32;
    Tensor partial = Tensor::empty({chunks, kn}, partial_dtype, out.device());
    M* pp = static_cast<M*>(partial.raw_data());
    launch_for_each(chunks * kn, device,
                    SumChunk<T>{kept, reduced, static_cast<const T*>(x.raw_data()), pp, kn, rn, chunk});
    launch_for_each(kn, device, SumPartials<T>{pp, static_cast<T*>(out.raw_data()), kn, chunks});
  });
}

void add_inplace(const Tensor& dst, const Tensor& src, double alpha) {
  const int device = device_of(dst, "add_inplace");
  const Strides* st[2] = {&dst.strides(), &src.strides()};
  const StridedOffsets<2> at(dst.shape(), st);
  vcc::cuda::dispatch_float_bf16(dst.dtype(), "add_inplace", [&](auto tag) {
    using T = typename decltype(tag)::type;
    launch_for_each(dst.numel(), device,
                    AddScaled<T>{at, static_cast<T*>(dst.raw_data()), static_cast<const T*>(src.raw_data()),
                                 static_cast<opmath_t<T>>(alpha)});
  });
}

void scale_inplace(const Tensor& dst, double alpha) {
  const int device = device_of(dst, "scale_inplace");
  vcc::cuda::dispatch_float_bf16(dst.dtype(), "scale_inplace", [&](auto tag) {
    using T = typename decltype(tag)::type;
    launch_for_each(dst.numel(), device, ScaleBy<T>{static_cast<T*>(dst.raw_data()), static_cast<opmath_t<T>>(alpha)});
  });
}

}  // namespace vcc::kernels::cuda
