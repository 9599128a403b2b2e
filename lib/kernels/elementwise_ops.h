#pragma once
// Element-wise op math, written once as host/device functors: forward value and the
// derivative used by backward. The CPU loops (cpu/elementwise_cpu.cpp) and the CUDA
// kernels (cuda/elementwise_cuda.cu) both instantiate exactly these.
#include "core/hostdevice.h"
#include "core/math.h"

namespace vcc::kernels {

enum class UnaryOp {
  Neg, Exp, Log, Sqrt, Rsqrt, Tanh, Relu, GeluErf, GeluTanh, Sigmoid, Abs, Square,
  Scale,      // x * a
  AddScalar,  // x + a
  Pow,        // x ^ a
  Reciprocal, // 1 / x
};

enum class BinaryOp { Add, Sub, Mul, Div, Max, Min };

// Names for profiles and messages.
constexpr const char* op_name(UnaryOp op) {
  constexpr const char* names[] = {"neg",  "exp",       "log",       "sqrt",    "rsqrt", "tanh",
                                   "relu", "gelu",      "gelu_tanh", "sigmoid", "abs",   "square",
                                   "scale", "add_scalar", "pow",     "reciprocal"};
  return names[static_cast<int>(op)];
}
constexpr const char* op_name(BinaryOp op) {
  constexpr const char* names[] = {"add", "sub", "mul", "div", "max", "min"};
  return names[static_cast<int>(op)];
}

// Unary functors: forward(x) and backward(x, y = forward(x), g) = g * dy/dx.
// `a` is the op's scalar parameter (Scale, AddScalar, Pow), unused by the others.
template <UnaryOp op>
struct Unary;

#define VCC_UNARY(OP, FWD, BWD)                                              \
  template <>                                                                \
  struct Unary<UnaryOp::OP> {                                                \
    template <class T>                                                       \
    VCC_HOST_DEVICE static T forward(T x, T a) { (void)a; return FWD; }      \
    template <class T>                                                       \
    VCC_HOST_DEVICE static T backward(T x, T y, T g, T a) {                  \
      (void)x; (void)y; (void)a; return BWD;                                 \
    }                                                                        \
  };

VCC_UNARY(Neg, -x, -g)
VCC_UNARY(Exp, math::exp(x), g * y)
VCC_UNARY(Log, math::log(x), g / x)
VCC_UNARY(Sqrt, math::sqrt(x), g / (T(2) * y))
VCC_UNARY(Rsqrt, T(1) / math::sqrt(x), g * T(-0.5) * y * y * y)
VCC_UNARY(Tanh, math::tanh(x), g * (T(1) - y * y))
VCC_UNARY(Relu, x > T(0) ? x : T(0), x > T(0) ? g : T(0))
VCC_UNARY(Sigmoid, T(1) / (T(1) + math::exp(-x)), g * y * (T(1) - y))
VCC_UNARY(Abs, x < T(0) ? -x : x, x < T(0) ? -g : (x > T(0) ? g : T(0)))
VCC_UNARY(Square, x * x, g * T(2) * x)
VCC_UNARY(Scale, x * a, g * a)
VCC_UNARY(AddScalar, x + a, g)
VCC_UNARY(Pow, math::pow(x, a), g * a * math::pow(x, a - T(1)))
VCC_UNARY(Reciprocal, T(1) / x, -g * y * y)
#undef VCC_UNARY

// GELU, exact form (BERT/RoBERTa "gelu"): x * Phi(x), Phi the standard normal CDF.
template <>
struct Unary<UnaryOp::GeluErf> {
  template <class T>
  VCC_HOST_DEVICE static T forward(T x, T) { return x * math::normal_cdf(x); }
  template <class T>
  VCC_HOST_DEVICE static T backward(T x, T, T g, T) { return g * (math::normal_cdf(x) + x * math::normal_pdf(x)); }
};

// GELU, tanh approximation (T5 v1.1 "gelu_new").
template <>
struct Unary<UnaryOp::GeluTanh> {
  template <class T>
  VCC_HOST_DEVICE static T forward(T x, T) {
    const T k = T(0.79788456080286535588);  // math::sqrt(2/pi)
    return T(0.5) * x * (T(1) + math::tanh(k * (x + T(0.044715) * x * x * x)));
  }
  template <class T>
  VCC_HOST_DEVICE static T backward(T x, T, T g, T) {
    const T k = T(0.79788456080286535588);
    T u = k * (x + T(0.044715) * x * x * x);
    T t = math::tanh(u);
    T du = k * (T(1) + T(3) * T(0.044715) * x * x);
    return g * (T(0.5) * (T(1) + t) + T(0.5) * x * (T(1) - t * t) * du);
  }
};

// Binary functors: forward(a, b); grad_a(a, b, g), grad_b(a, b, g).
template <BinaryOp op>
struct Binary;

template <>
struct Binary<BinaryOp::Add> {
  template <class T> VCC_HOST_DEVICE static T forward(T a, T b) { return a + b; }
  template <class T> VCC_HOST_DEVICE static T grad_a(T, T, T g) { return g; }
  template <class T> VCC_HOST_DEVICE static T grad_b(T, T, T g) { return g; }
};
template <>
struct Binary<BinaryOp::Sub> {
  template <class T> VCC_HOST_DEVICE static T forward(T a, T b) { return a - b; }
  template <class T> VCC_HOST_DEVICE static T grad_a(T, T, T g) { return g; }
  template <class T> VCC_HOST_DEVICE static T grad_b(T, T, T g) { return -g; }
};
template <>
struct Binary<BinaryOp::Mul> {
  template <class T> VCC_HOST_DEVICE static T forward(T a, T b) { return a * b; }
  template <class T> VCC_HOST_DEVICE static T grad_a(T, T b, T g) { return g * b; }
  template <class T> VCC_HOST_DEVICE static T grad_b(T a, T, T g) { return g * a; }
};
template <>
struct Binary<BinaryOp::Div> {
  template <class T> VCC_HOST_DEVICE static T forward(T a, T b) { return a / b; }
  template <class T> VCC_HOST_DEVICE static T grad_a(T, T b, T g) { return g / b; }
  template <class T> VCC_HOST_DEVICE static T grad_b(T a, T b, T g) { return -g * a / (b * b); }
};
// Max/Min: the gradient goes to the selected operand (to a on ties).
template <>
struct Binary<BinaryOp::Max> {
  template <class T> VCC_HOST_DEVICE static T forward(T a, T b) { return a >= b ? a : b; }
  template <class T> VCC_HOST_DEVICE static T grad_a(T a, T b, T g) { return a >= b ? g : T(0); }
  template <class T> VCC_HOST_DEVICE static T grad_b(T a, T b, T g) { return a >= b ? T(0) : g; }
};
template <>
struct Binary<BinaryOp::Min> {
  template <class T> VCC_HOST_DEVICE static T forward(T a, T b) { return a <= b ? a : b; }
  template <class T> VCC_HOST_DEVICE static T grad_a(T a, T b, T g) { return a <= b ? g : T(0); }
  template <class T> VCC_HOST_DEVICE static T grad_b(T a, T b, T g) { return a <= b ? T(0) : g; }
};

}  // namespace vcc::kernels
