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

}  // namespace vcc

// Run a body with scalar_t bound to the C++ type of a floating dtype (CPU: f32, f64).
#define VCC_DISPATCH_FLOAT(DT, NAME, ...)                                                 \
  [&] {                                                                                   \
    switch (DT) {                                                                         \
      case ::vcc::DType::F32: { using scalar_t = float; return __VA_ARGS__(); }           \
      case ::vcc::DType::F64: { using scalar_t = double; return __VA_ARGS__(); }          \
      default: VCC_FAIL(NAME, ": unsupported dtype ", ::vcc::dtype_name(DT), " (float32/float64 expected)"); \
    }                                                                                     \
  }()

// Run a body with index_t bound to the C++ type of an index dtype (int32, int64).
#define VCC_DISPATCH_INDEX(DT, NAME, ...)                                                 \
  [&] {                                                                                   \
    switch (DT) {                                                                         \
      case ::vcc::DType::I32: { using index_t = int32_t; return __VA_ARGS__(); }          \
      case ::vcc::DType::I64: { using index_t = int64_t; return __VA_ARGS__(); }          \
      default: VCC_FAIL(NAME, ": unsupported index dtype ", ::vcc::dtype_name(DT), " (int32/int64 expected)"); \
    }                                                                                     \
  }()

// Any of the CPU dtypes.
#define VCC_DISPATCH_ALL(DT, NAME, ...)                                                   \
  [&] {                                                                                   \
    switch (DT) {                                                                         \
      case ::vcc::DType::F32: { using scalar_t = float; return __VA_ARGS__(); }           \
      case ::vcc::DType::F64: { using scalar_t = double; return __VA_ARGS__(); }          \
      case ::vcc::DType::I32: { using scalar_t = int32_t; return __VA_ARGS__(); }         \
      case ::vcc::DType::I64: { using scalar_t = int64_t; return __VA_ARGS__(); }         \
      case ::vcc::DType::U8: { using scalar_t = uint8_t; return __VA_ARGS__(); }          \
      default: VCC_FAIL(NAME, ": unsupported dtype ", ::vcc::dtype_name(DT));             \
    }                                                                                     \
  }()
