#include "autograd/ops_shape.h"

#include "kernels/elementwise.h"

namespace vcc {

Var reshape(const Var& x, const Shape& shape) {
  Shape in = x.shape();
  return make_result(
      x.value().reshape(shape), {x},
      [in](const Tensor& g, const std::vector<bool>&) -> std::vector<Tensor> { return {g.reshape(in)}; }, "reshape");
}

Var transpose(const Var& x, int a, int b) {
  return make_result(
      x.value().transpose(a, b), {x},
      [a, b](const Tensor& g, const std::vector<bool>&) -> std::vector<Tensor> { return {g.transpose(a, b)}; },
      "transpose");
}

Var permute(const Var& x, const std::vector<int>& order) {
  std::vector<int> inverse(order.size());
  for (size_t i = 0; i < order.size(); ++i) inverse[wrap_dim(order[i], x.dim())] = static_cast<int>(i);
  return make_result(
      x.value().permute(order), {x},
      [inverse](const Tensor& g, const std::vector<bool>&) -> std::vector<Tensor> { return {g.permute(inverse)}; },
      "permute");
}

Var narrow(const Var& x, int dim, int64_t start, int64_t length) {
  Shape in = x.shape();
  DType dt = x.dtype();
  return make_result(
      x.value().narrow(dim, start, length), {x},
      [in, dt, dim, start, length](const Tensor& g, const std::vector<bool>&) -> std::vector<Tensor> {
        Tensor full = Tensor::zeros(in, dt, g.device());
        full.narrow(dim, start, length).copy_(g);
        return {full};
      },
      "narrow");
}

Var select(const Var& x, int dim, int64_t index) {
  Shape in = x.shape();
  DType dt = x.dtype();
  int d = wrap_dim(dim, x.dim());
  int64_t i = index < 0 ? index + in[d] : index;
  return make_result(
      x.value().select(d, i), {x},
      [in, dt, d, i](const Tensor& g, const std::vector<bool>&) -> std::vector<Tensor> {
        Tensor full = Tensor::zeros(in, dt, g.device());
        full.select(d, i).copy_(g);
        return {full};
      },
      "select");
}

Var expand(const Var& x, const Shape& shape) {
  Shape in = x.shape();
  return make_result(
      x.value().expand(shape), {x},
      [in](const Tensor& g, const std::vector<bool>&) -> std::vector<Tensor> {
        return {kernels::sum_to_shape(g, in)};
      },
      "expand");
}

Var unsqueeze(const Var& x, int dim) {
  int d = wrap_dim(dim, x.dim() + 1);
  return make_result(
      x.value().unsqueeze(d), {x},
      [d](const Tensor& g, const std::vector<bool>&) -> std::vector<Tensor> { return {g.squeeze(d)}; }, "unsqueeze");
}

Var squeeze(const Var& x, int dim) {
  int d = wrap_dim(dim, x.dim());
  return make_result(
      x.value().squeeze(d), {x},
      [d](const Tensor& g, const std::vector<bool>&) -> std::vector<Tensor> { return {g.unsqueeze(d)}; }, "squeeze");
}

Var contiguous(const Var& x) {
  if (x.value().is_contiguous()) return x;
  return make_result(
      x.value().contiguous(), {x}, [](const Tensor& g, const std::vector<bool>&) -> std::vector<Tensor> { return {g}; },
      "contiguous");
}

Var cast(const Var& x, DType dtype) {
  if (x.dtype() == dtype) return x;
  DType in = x.dtype();
  return make_result(
      x.value().to(dtype), {x},
      [in](const Tensor& g, const std::vector<bool>&) -> std::vector<Tensor> { return {g.to(in)}; }, "cast");
}

}  // namespace vcc
