#include "kernels/cpu/dnnl_gemm.h"

#include <oneapi/dnnl/dnnl.hpp>

#include <map>
#include <tuple>

#include "core/error.h"

namespace vcc::kernels::cpu {
namespace {

using dnnl::memory;

const dnnl::engine& engine() {
  static const dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}

// One primitive per layout, per thread: creating a primitive descriptor costs tens of
// microseconds, and a training step repeats the same few shapes.
using Key = std::tuple<int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, float, float>;

struct Primitive {
  dnnl::matmul::primitive_desc pd;
  dnnl::matmul matmul;
};

const Primitive& primitive(const Key& key) {
  thread_local std::map<Key, Primitive> cache;
  auto it = cache.find(key);
  if (it != cache.end()) return it->second;
  const auto [m, n, k, a_row, a_col, b_row, b_col, ldc, alpha, beta] = key;
  const memory::desc a({m, k}, memory::data_type::bf16, memory::dims{a_row, a_col});
  const memory::desc b({k, n}, memory::data_type::bf16, memory::dims{b_row, b_col});
  const memory::desc c({m, n}, memory::data_type::bf16, memory::dims{ldc, 1});
  dnnl::primitive_attr attr;
  if (alpha != 1.0f) attr.set_output_scales(0, {alpha});
  if (beta != 0.0f) {
    dnnl::post_ops ops;
    ops.append_sum(beta);
    attr.set_post_ops(ops);
  }
  try {
    dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(a, b, c), attr, engine());
    return cache.emplace(key, Primitive{pd, dnnl::matmul(pd)}).first->second;
  } catch (const dnnl::error& e) {
    VCC_FAIL("bfloat16 GEMM [", m, " x ", k, "] x [", k, " x ", n, "]: oneDNN refused the layout (", e.what(), ")");
  }
}

}  // namespace

void dnnl_gemm_bf16(int64_t m, int64_t n, int64_t k, float alpha, const uint16_t* a, int64_t a_row, int64_t a_col,
                    const uint16_t* b, int64_t b_row, int64_t b_col, float beta, uint16_t* c, int64_t ldc) {
  const Primitive& p = primitive({m, n, k, a_row, a_col, b_row, b_col, ldc, alpha, beta});
  thread_local dnnl::stream stream(engine());
  const memory am(p.pd.src_desc(), engine(), const_cast<uint16_t*>(a));
  const memory bm(p.pd.weights_desc(), engine(), const_cast<uint16_t*>(b));
  const memory cm(p.pd.dst_desc(), engine(), c);
  p.matmul.execute(stream, {{DNNL_ARG_SRC, am}, {DNNL_ARG_WEIGHTS, bm}, {DNNL_ARG_DST, cm}});
  stream.wait();
}

const char* dnnl_gemm_bf16_kernel_name(int64_t m, int64_t n, int64_t k) {
  return primitive({m, n, k, k, 1, n, 1, n, 1.0f, 0.0f}).pd.impl_info_str();
}

}  // namespace vcc::kernels::cpu
