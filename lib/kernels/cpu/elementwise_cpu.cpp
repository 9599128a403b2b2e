// CPU launchers for element-wise ops: loops over the functors of kernels/elementwise_ops.h.
#include <algorithm>
#include <type_traits>

#include "kernels/cpu/strided_loop.h"
#include "kernels/elementwise.h"

namespace vcc::kernels::cpu {
namespace {

constexpr int64_t kGrain = 1 << 15;  // elements per task below which threading does not pay

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

}  // namespace

void unary(UnaryOp op, const Tensor& x, const Tensor& out, double a) {
  dispatch_float(x.dtype(), "unary", [&](auto tag) {
    using scalar_t = typename decltype(tag)::type;
    const scalar_t* xp = x.data<scalar_t>();
    scalar_t* op_ = out.data<scalar_t>();
    const scalar_t av = static_cast<scalar_t>(a);
    with_unary(op, [&](auto tag) {
      using F = Unary<decltype(tag)::value>;
      parallel_for(0, x.numel(), kGrain, [&](int64_t b, int64_t e) {
#pragma omp simd
        for (int64_t i = b; i < e; ++i) op_[i] = F::forward(xp[i], av);
      });
    });
  });
}

void unary_backward(UnaryOp op, const Tensor& x, const Tensor& y, const Tensor& g, const Tensor& out, double a) {
  dispatch_float(x.dtype(), "unary_backward", [&](auto tag) {
    using scalar_t = typename decltype(tag)::type;
    const scalar_t* xp = x.data<scalar_t>();
    const scalar_t* yp = y.defined() ? y.data<scalar_t>() : nullptr;
    const scalar_t* gp = g.data<scalar_t>();
    scalar_t* o = out.data<scalar_t>();
    const scalar_t av = static_cast<scalar_t>(a);
    with_unary(op, [&](auto tag) {
      using F = Unary<decltype(tag)::value>;
      parallel_for(0, x.numel(), kGrain, [&](int64_t b, int64_t e) {
        if (yp) {
#pragma omp simd
          for (int64_t i = b; i < e; ++i) o[i] = F::backward(xp[i], yp[i], gp[i], av);
        } else {
          // The output is recomputed a chunk at a time into a buffer: a loop computing it inside
          // the backward's expression does not vectorise (GCC 12 gives up on GELU's selects).
          constexpr int64_t kChunk = 256;
          scalar_t yb[kChunk];
          for (int64_t c = b; c < e; c += kChunk) {
            const int64_t n = std::min(kChunk, e - c);
#pragma omp simd
            for (int64_t i = 0; i < n; ++i) yb[i] = F::forward(xp[c + i], av);
#pragma omp simd
            for (int64_t i = 0; i < n; ++i) o[c + i] = F::backward(xp[c + i], yb[i], gp[c + i], av);
          }
        }
      });
    });
  });
}

void binary(BinaryOp op, const Tensor& a, const Tensor& b, const Tensor& out) {
  dispatch_all(a.dtype(), "binary", [&](auto tag) {
    using scalar_t = typename decltype(tag)::type;
    const Strides* st[3] = {&out.strides(), &a.strides(), &b.strides()};
    StridedLoop<3> loop(out.shape(), st);
    scalar_t* o = out.data<scalar_t>();
    const scalar_t* ap = a.data<scalar_t>();
    const scalar_t* bp = b.data<scalar_t>();
    const int64_t sa = loop.inner_stride(1), sb = loop.inner_stride(2);
    with_binary(op, [&](auto tag) {
      using F = Binary<decltype(tag)::value>;
      loop.run(kGrain, [&](int64_t n, const int64_t* off) {
        scalar_t* po = o + off[0];
        const scalar_t* pa = ap + off[1];
        const scalar_t* pb = bp + off[2];
        if (sa == 1 && sb == 1) {
#pragma omp simd
          for (int64_t i = 0; i < n; ++i) po[i] = F::forward(pa[i], pb[i]);
        } else if (sa == 1 && sb == 0) {
          const scalar_t bv = *pb;
#pragma omp simd
          for (int64_t i = 0; i < n; ++i) po[i] = F::forward(pa[i], bv);
        } else if (sa == 0 && sb == 1) {
          const scalar_t av = *pa;
#pragma omp simd
          for (int64_t i = 0; i < n; ++i) po[i] = F::forward(av, pb[i]);
        } else {
          for (int64_t i = 0; i < n; ++i) po[i] = F::forward(pa[i * sa], pb[i * sb]);
        }
      });
    });
  });
}

void binary_grad(BinaryOp op, bool wrt_a, const Tensor& a, const Tensor& b, const Tensor& g, const Tensor& out) {
  dispatch_float(a.dtype(), "binary_grad", [&](auto tag) {
    using scalar_t = typename decltype(tag)::type;
    const Strides* st[4] = {&out.strides(), &a.strides(), &b.strides(), &g.strides()};
    StridedLoop<4> loop(out.shape(), st);
    scalar_t* o = out.data<scalar_t>();
    const scalar_t* ap = a.data<scalar_t>();
    const scalar_t* bp = b.data<scalar_t>();
    const scalar_t* gp = g.data<scalar_t>();
    const int64_t sa = loop.inner_stride(1), sb = loop.inner_stride(2), sg = loop.inner_stride(3);
    with_binary(op, [&](auto tag) {
      using F = Binary<decltype(tag)::value>;
      loop.run(kGrain, [&](int64_t n, const int64_t* off) {
        scalar_t* po = o + off[0];
        const scalar_t* pa = ap + off[1];
        const scalar_t* pb = bp + off[2];
        const scalar_t* pg = gp + off[3];
        if (wrt_a) {
          for (int64_t i = 0; i < n; ++i) po[i] = F::grad_a(pa[i * sa], pb[i * sb], pg[i * sg]);
        } else {
          for (int64_t i = 0; i < n; ++i) po[i] = F::grad_b(pa[i * sa], pb[i * sb], pg[i * sg]);
        }
      });
    });
  });
}

void sum_to_shape(const Tensor& x, const Tensor& out) {
  // out[k] = sum over the reduced indices r of x[k, r], always in row-major order of r.
  // Split x's dims into kept (K) and reduced (R); view x as [K..., R...] via permute.
  const int rank = x.dim(), lead = rank - out.dim();
  std::vector<int> kept, reduced;
  for (int d = 0; d < rank; ++d) {
    bool is_reduced = d < lead || (out.shape()[d - lead] == 1 && x.shape()[d] != 1);
    (is_reduced ? reduced : kept).push_back(d);
  }
  std::vector<int> order = kept;
  order.insert(order.end(), reduced.begin(), reduced.end());
  int64_t kn = out.numel(), rn = x.numel() / std::max<int64_t>(kn, 1);
  dispatch_float(x.dtype(), "sum_to_shape", [&](auto tag) {
    using scalar_t = typename decltype(tag)::type;
    scalar_t* o = out.data<scalar_t>();
    bool reduced_leading = true;  // x == [R..., K...] in memory: sum rows of an [rn, kn] matrix
    for (size_t i = 0; i < reduced.size(); ++i) reduced_leading = reduced_leading && reduced[i] == static_cast<int>(i);
    if (reduced_leading) {
      const scalar_t* xp = x.data<scalar_t>();
      parallel_for(0, kn, 256, [&](int64_t k0, int64_t k1) {
        for (int64_t k = k0; k < k1; ++k) o[k] = 0;
        for (int64_t r = 0; r < rn; ++r) {
          const scalar_t* row = xp + r * kn;
#pragma omp simd
          for (int64_t k = k0; k < k1; ++k) o[k] += row[k];
        }
      });
      return;
    }
    Tensor xk = x.permute(order).contiguous();  // [K..., R...]
    const scalar_t* xp = xk.data<scalar_t>();
    parallel_for(0, kn, std::max<int64_t>(1, kGrain / std::max<int64_t>(rn, 1)), [&](int64_t k0, int64_t k1) {
      for (int64_t k = k0; k < k1; ++k) {
        scalar_t s = 0;
        const scalar_t* p = xp + k * rn;
        for (int64_t r = 0; r < rn; ++r) s += p[r];
        o[k] = s;
      }
    });
  });
}

void add_inplace(const Tensor& dst, const Tensor& src, double alpha) {
  dispatch_float(dst.dtype(), "add_inplace", [&](auto tag) {
    using scalar_t = typename decltype(tag)::type;
    const Strides* st[2] = {&dst.strides(), &src.strides()};
    StridedLoop<2> loop(dst.shape(), st);
    scalar_t* d = dst.data<scalar_t>();
    const scalar_t* s = src.data<scalar_t>();
    const scalar_t al = static_cast<scalar_t>(alpha);
    const int64_t ss = loop.inner_stride(1);
    loop.run(kGrain, [&](int64_t n, const int64_t* off) {
      scalar_t* pd = d + off[0];
      const scalar_t* ps = s + off[1];
      if (ss == 1) {
        if (alpha == 1.0) {
#pragma omp simd
          for (int64_t i = 0; i < n; ++i) pd[i] += ps[i];
        } else {
#pragma omp simd
          for (int64_t i = 0; i < n; ++i) pd[i] += al * ps[i];
        }
      } else {
        for (int64_t i = 0; i < n; ++i) pd[i] += al * ps[i * ss];
      }
    });
  });
}

void scale_inplace(const Tensor& dst, double alpha) {
  dispatch_float(dst.dtype(), "scale_inplace", [&](auto tag) {
    using scalar_t = typename decltype(tag)::type;
    scalar_t* d = dst.data<scalar_t>();
    const scalar_t al = static_cast<scalar_t>(alpha);
    parallel_for(0, dst.numel(), kGrain, [&](int64_t b, int64_t e) {
#pragma omp simd
      for (int64_t i = b; i < e; ++i) d[i] *= al;
    });
  });
}

}  // namespace vcc::kernels::cpu
