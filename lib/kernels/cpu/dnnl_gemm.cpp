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
// Operand types of a product: float32, bfloat16, or bfloat16 operands into a float32 C.
enum class Types { F32, Bf16, Bf16IntoF32 };
using Key = std::tuple<Types, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, float, float>;

struct Primitive {
  dnnl::matmul::primitive_desc pd;
  dnnl::matmul matmul;
};

const Primitive& primitive(const Key& key) {
  thread_local std::map<Key, Primitive> cache;
  auto it = cache.find(key);
  if (it != cache.end()) return it->second;
  const auto [types, m, n, k, a_row, a_col, b_row, b_col, ldc, alpha, beta] = key;
  const memory::data_type in = types == Types::F32 ? memory::data_type::f32 : memory::data_type::bf16;
  const memory::data_type out = types == Types::Bf16 ? memory::data_type::bf16 : memory::data_type::f32;
  const memory::desc a({m, k}, in, memory::dims{a_row, a_col});
  const memory::desc b({k, n}, in, memory::dims{b_row, b_col});
  const memory::desc c({m, n}, out, memory::dims{ldc, 1});
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
    VCC_FAIL(types == Types::F32 ? "float32" : types == Types::Bf16 ? "bfloat16" : "bfloat16 -> float32", " GEMM [", m, " x ", k, "] x [", k, " x ", n, "]: oneDNN refused the layout (", e.what(), ")");
  }
}

void run(const Key& key, const void* a, const void* b, void* c) {
  const Primitive& p = primitive(key);
  thread_local dnnl::stream stream(engine());
  const memory am(p.pd.src_desc(), engine(), const_cast<void*>(a));
  const memory bm(p.pd.weights_desc(), engine(), const_cast<void*>(b));
  const memory cm(p.pd.dst_desc(), engine(), c);
  p.matmul.execute(stream, {{DNNL_ARG_SRC, am}, {DNNL_ARG_WEIGHTS, bm}, {DNNL_ARG_DST, cm}});
  stream.wait();
}

}  // namespace

void dnnl_gemm(int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t a_row, int64_t a_col,
               const float* b, int64_t b_row, int64_t b_col, float beta, float* c, int64_t ldc) {
  run({Types::F32, m, n, k, a_row, a_col, b_row, b_col, ldc, alpha, beta}, a, b, c);
}

void dnnl_gemm_bf16(int64_t m, int64_t n, int64_t k, float alpha, const uint16_t* a, int64_t a_row, int64_t a_col,
                    const uint16_t* b, int64_t b_row, int64_t b_col, float beta, uint16_t* c, int64_t ldc) {
  run({Types::Bf16, m, n, k, a_row, a_col, b_row, b_col, ldc, alpha, beta}, a, b, c);
}

void dnnl_gemm_bf16_f32(int64_t m, int64_t n, int64_t k, float alpha, const uint16_t* a, int64_t a_row, int64_t a_col,
                        const uint16_t* b, int64_t b_row, int64_t b_col, float beta, float* c, int64_t ldc) {
  run({Types::Bf16IntoF32, m, n, k, a_row, a_col, b_row, b_col, ldc, alpha, beta}, a, b, c);
}

const char* dnnl_gemm_kernel_name(bool bf16, int64_t m, int64_t n, int64_t k) {
  return primitive({bf16 ? Types::Bf16 : Types::F32, m, n, k, k, 1, n, 1, n, 1.0f, 0.0f}).pd.impl_info_str();
}

}  // namespace vcc::kernels::cpu
