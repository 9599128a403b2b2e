#pragma once
// Differentiable element-wise ops on Vars (broadcasting like NumPy).
#include "autograd/variable.h"
#include "kernels/elementwise_ops.h"

namespace vcc {

Var unary(kernels::UnaryOp op, const Var& x, double a = 0.0);
Var binary(kernels::BinaryOp op, const Var& a, const Var& b);

inline Var neg(const Var& x) { return unary(kernels::UnaryOp::Neg, x); }
inline Var exp(const Var& x) { return unary(kernels::UnaryOp::Exp, x); }
inline Var log(const Var& x) { return unary(kernels::UnaryOp::Log, x); }
inline Var sqrt(const Var& x) { return unary(kernels::UnaryOp::Sqrt, x); }
inline Var rsqrt(const Var& x) { return unary(kernels::UnaryOp::Rsqrt, x); }
inline Var tanh(const Var& x) { return unary(kernels::UnaryOp::Tanh, x); }
inline Var relu(const Var& x) { return unary(kernels::UnaryOp::Relu, x); }
inline Var gelu(const Var& x) { return unary(kernels::UnaryOp::GeluErf, x); }
inline Var gelu_tanh(const Var& x) { return unary(kernels::UnaryOp::GeluTanh, x); }
inline Var sigmoid(const Var& x) { return unary(kernels::UnaryOp::Sigmoid, x); }
inline Var abs(const Var& x) { return unary(kernels::UnaryOp::Abs, x); }
inline Var square(const Var& x) { return unary(kernels::UnaryOp::Square, x); }
inline Var scale(const Var& x, double a) { return unary(kernels::UnaryOp::Scale, x, a); }
inline Var add_scalar(const Var& x, double a) { return unary(kernels::UnaryOp::AddScalar, x, a); }
inline Var pow(const Var& x, double p) { return unary(kernels::UnaryOp::Pow, x, p); }
inline Var reciprocal(const Var& x) { return unary(kernels::UnaryOp::Reciprocal, x); }

inline Var add(const Var& a, const Var& b) { return binary(kernels::BinaryOp::Add, a, b); }
inline Var sub(const Var& a, const Var& b) { return binary(kernels::BinaryOp::Sub, a, b); }
inline Var mul(const Var& a, const Var& b) { return binary(kernels::BinaryOp::Mul, a, b); }
inline Var div(const Var& a, const Var& b) { return binary(kernels::BinaryOp::Div, a, b); }
inline Var maximum(const Var& a, const Var& b) { return binary(kernels::BinaryOp::Max, a, b); }
inline Var minimum(const Var& a, const Var& b) { return binary(kernels::BinaryOp::Min, a, b); }

inline Var operator+(const Var& a, const Var& b) { return add(a, b); }
inline Var operator-(const Var& a, const Var& b) { return sub(a, b); }
inline Var operator*(const Var& a, const Var& b) { return mul(a, b); }
inline Var operator/(const Var& a, const Var& b) { return div(a, b); }
inline Var operator-(const Var& a) { return neg(a); }
inline Var operator*(const Var& a, double s) { return scale(a, s); }
inline Var operator*(double s, const Var& a) { return scale(a, s); }
inline Var operator+(const Var& a, double s) { return add_scalar(a, s); }

}  // namespace vcc
