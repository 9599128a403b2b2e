#pragma once
// Element types a Tensor can hold, their sizes and names, and compile-time mapping.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/error.h"

namespace vcc {

enum class DType : uint8_t { F32, F64, I32, I64, U8, BF16, F16 };

constexpr size_t dtype_size(DType t) {
  switch (t) {
    case DType::F32: return 4;
    case DType::F64: return 8;
    case DType::I32: return 4;
    case DType::I64: return 8;
    case DType::U8: return 1;
    case DType::BF16: return 2;
    case DType::F16: return 2;
  }
  return 0;
}

constexpr std::string_view dtype_name(DType t) {
  switch (t) {
    case DType::F32: return "float32";
    case DType::F64: return "float64";
    case DType::I32: return "int32";
    case DType::I64: return "int64";
    case DType::U8: return "uint8";
    case DType::BF16: return "bfloat16";
    case DType::F16: return "float16";
  }
  return "?";
}

constexpr bool is_floating(DType t) {
  return t == DType::F32 || t == DType::F64 || t == DType::BF16 || t == DType::F16;
}
constexpr bool is_integral(DType t) { return t == DType::I32 || t == DType::I64 || t == DType::U8; }

// C++ type -> DType.
template <class T> struct dtype_of;
template <> struct dtype_of<float> { static constexpr DType value = DType::F32; };
template <> struct dtype_of<double> { static constexpr DType value = DType::F64; };
template <> struct dtype_of<int32_t> { static constexpr DType value = DType::I32; };
template <> struct dtype_of<int64_t> { static constexpr DType value = DType::I64; };
template <> struct dtype_of<uint8_t> { static constexpr DType value = DType::U8; };
template <class T> constexpr DType dtype_v = dtype_of<T>::value;

// Calls fn(TypeTag<T>{}) with T the C++ type of a dtype; write the body as
//   dispatch_float(t.dtype(), "op", [&](auto tag) { using scalar_t = typename decltype(tag)::type; ... });
// (a function, not a macro, so bodies may hold #pragma omp).
template <class T>
struct TypeTag {
  using type = T;
};

// float32 / float64.
template <class Fn>
decltype(auto) dispatch_float(DType dt, const char* op, Fn&& fn) {
  switch (dt) {
    case DType::F32: return fn(TypeTag<float>{});
    case DType::F64: return fn(TypeTag<double>{});
    default: VCC_FAIL(op, ": unsupported dtype ", dtype_name(dt), " (float32/float64 expected)");
  }
}

// int32 / int64.
template <class Fn>
decltype(auto) dispatch_index(DType dt, const char* op, Fn&& fn) {
  switch (dt) {
    case DType::I32: return fn(TypeTag<int32_t>{});
    case DType::I64: return fn(TypeTag<int64_t>{});
    default: VCC_FAIL(op, ": unsupported index dtype ", dtype_name(dt), " (int32/int64 expected)");
  }
}

// Any host dtype except the 16-bit floats.
template <class Fn>
decltype(auto) dispatch_all(DType dt, const char* op, Fn&& fn) {
  switch (dt) {
    case DType::F32: return fn(TypeTag<float>{});
    case DType::F64: return fn(TypeTag<double>{});
    case DType::I32: return fn(TypeTag<int32_t>{});
    case DType::I64: return fn(TypeTag<int64_t>{});
    case DType::U8: return fn(TypeTag<uint8_t>{});
    default: VCC_FAIL(op, ": unsupported dtype ", dtype_name(dt));
  }
}

}  // namespace vcc
