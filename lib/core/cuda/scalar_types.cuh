#pragma once
// Element types of CUDA kernels: the dtype dispatchers that add bfloat16 to core's
// (dtype.h), and the arithmetic type ("opmath") each storage type computes in: bfloat16
// values are loaded as float, computed on with the shared functors, and rounded on store.
#include <type_traits>

#include "core/cuda/bf16.cuh"
#include "core/dtype.h"

namespace vcc::cuda {

template <class T>
struct OpMath {
  using type = T;
  VCC_HOST_DEVICE static T load(T v) { return v; }
  VCC_HOST_DEVICE static T store(T v) { return v; }
};
template <>
struct OpMath<BF16> {
  using type = float;
  VCC_HOST_DEVICE static float load(BF16 v) { return to_float(v); }
  VCC_HOST_DEVICE static BF16 store(float v) { return to_bf16(v); }
};
template <class T>
using opmath_t = typename OpMath<T>::type;

// Value conversion with core's semantics (Tensor::to): static_cast, through float for bf16.
template <class Dst, class Src>
VCC_HOST_DEVICE Dst convert(Src v) {
  if constexpr (std::is_same_v<Dst, Src>) {
    return v;
  } else if constexpr (std::is_same_v<Dst, BF16>) {
    return to_bf16(static_cast<float>(v));
  } else if constexpr (std::is_same_v<Src, BF16>) {
    return static_cast<Dst>(to_float(v));
  } else {
    return static_cast<Dst>(v);
  }
}

// float32 / float64 / bfloat16.
template <class Fn>
decltype(auto) dispatch_float_bf16(DType dt, const char* op, Fn&& fn) {
  switch (dt) {
    case DType::F32: return fn(TypeTag<float>{});
    case DType::F64: return fn(TypeTag<double>{});
    case DType::BF16: return fn(TypeTag<BF16>{});
    default: VCC_FAIL(op, ": unsupported dtype ", dtype_name(dt), " on CUDA (float32/float64/bfloat16 expected)");
  }
}

// Every dtype core can copy: float32/64, int32/64, uint8, bfloat16.
template <class Fn>
decltype(auto) dispatch_all_bf16(DType dt, const char* op, Fn&& fn) {
  switch (dt) {
    case DType::F32: return fn(TypeTag<float>{});
    case DType::F64: return fn(TypeTag<double>{});
    case DType::I32: return fn(TypeTag<int32_t>{});
    case DType::I64: return fn(TypeTag<int64_t>{});
    case DType::U8: return fn(TypeTag<uint8_t>{});
    case DType::BF16: return fn(TypeTag<BF16>{});
    default: VCC_FAIL(op, ": unsupported dtype ", dtype_name(dt), " on CUDA");
  }
}

}  // namespace vcc::cuda
