// CPU launcher for where (and masked_fill, which the front end maps onto it with a 0-d
// fill value): one strided loop over the broadcast operands, with unit-stride fast paths.
#include <algorithm>

#include "core/parallel.h"
#include "kernels/cpu/strided_loop.h"
#include "kernels/index.h"

namespace vcc::kernels::cpu {
namespace {

constexpr int64_t kGrain = 1 << 15;  // elements per task below which threading does not pay

template <class Fn>
decltype(auto) dispatch_condition(DType dt, Fn&& fn) {
  switch (dt) {
    case DType::U8: return fn(TypeTag<uint8_t>{});
    case DType::I32: return fn(TypeTag<int32_t>{});
    case DType::I64: return fn(TypeTag<int64_t>{});
    default: VCC_FAIL("where: unsupported condition dtype ", dtype_name(dt), " (uint8/int32/int64 expected)");
  }
}

}  // namespace

void where(const Tensor& cond, const Tensor& a, const Tensor& b, const Tensor& out) {
  dispatch_all(out.dtype(), "where", [&](auto tag) {
    using scalar_t = typename decltype(tag)::type;
    dispatch_condition(cond.dtype(), [&](auto ctag) {
      using cond_t = typename decltype(ctag)::type;
      const Strides* st[4] = {&out.strides(), &cond.strides(), &a.strides(), &b.strides()};
      StridedLoop<4> loop(out.shape(), st);
      scalar_t* o = out.data<scalar_t>();
      const cond_t* cp = cond.data<cond_t>();
      const scalar_t* ap = a.data<scalar_t>();
      const scalar_t* bp = b.data<scalar_t>();
      const int64_t sc = loop.inner_stride(1), sa = loop.inner_stride(2), sb = loop.inner_stride(3);
      loop.run(kGrain, [&](int64_t n, const int64_t* off) {
        scalar_t* po = o + off[0];
        const cond_t* pc = cp + off[1];
        const scalar_t* pa = ap + off[2];
        const scalar_t* pb = bp + off[3];
        if (sc == 1 && sa == 1 && sb == 1) {
#pragma omp simd
          for (int64_t i = 0; i < n; ++i) po[i] = WhereOp::apply(pc[i], pa[i], pb[i]);
        } else if (sc == 1 && sa == 0 && sb == 1) {  // masked_fill over a contiguous x
          const scalar_t av = *pa;
#pragma omp simd
          for (int64_t i = 0; i < n; ++i) po[i] = WhereOp::apply(pc[i], av, pb[i]);
        } else if (sc == 0) {  // one condition per row (e.g. a [B, N, 1] row mask): copy a or b
          const scalar_t* pv = WhereOp::apply(*pc, pa, pb);
          const int64_t sv = WhereOp::apply(*pc, sa, sb);
          if (sv == 0) {
            std::fill(po, po + n, *pv);
          } else if (sv == 1) {
            std::copy(pv, pv + n, po);
          } else {
            for (int64_t i = 0; i < n; ++i) po[i] = pv[i * sv];
          }
        } else {
          for (int64_t i = 0; i < n; ++i) po[i] = WhereOp::apply(pc[i * sc], pa[i * sa], pb[i * sb]);
        }
      });
    });
  });
}

}  // namespace vcc::kernels::cpu
