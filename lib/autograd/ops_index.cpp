#include "autograd/ops_index.h"

#include "autograd/ops_shape.h"
#include "kernels/elementwise.h"
#include "kernels/index.h"

namespace vcc {

Var gather(const Var& x, int dim, const Tensor& index) {
  Tensor out = kernels::gather(x.value(), dim, index);
  const Shape shape = x.shape();
  const DType dt = x.dtype();
  return make_result(
      out, {x},
      [shape, dt, dim, index](const Tensor& g, const std::vector<bool>&) -> std::vector<Tensor> {
        Tensor gx = Tensor::zeros(shape, dt, g.device());
        kernels::scatter_add_(gx, dim, index, g);
        return {gx};
      },
      "gather");
}

Var scatter_add(const Var& base, int dim, const Tensor& index, const Var& src) {
  Tensor out = kernels::scatter_add(base.value(), dim, index, src.value());
  return make_result(
      out, {base, src},
      [dim, index](const Tensor& g, const std::vector<bool>& needs) -> std::vector<Tensor> {
        return {needs[0] ? g : Tensor(), needs[1] ? kernels::gather(g, dim, index) : Tensor()};
      },
      "scatter_add");
}

Var index_select(const Var& x, int dim, const Tensor& index) {
  Tensor out = kernels::index_select(x.value(), dim, index);
  const Shape shape = x.shape();
  const DType dt = x.dtype();
  return make_result(
      out, {x},
      [shape, dt, dim, index](const Tensor& g, const std::vector<bool>&) -> std::vector<Tensor> {
        Tensor gx = Tensor::zeros(shape, dt, g.device());
        kernels::index_add_(gx, dim, index, g);
        return {gx};
      },
      "index_select");
}

Var concat(const std::vector<Var>& xs, int dim) {
  std::vector<Tensor> values;
  values.reserve(xs.size());
  for (const Var& x : xs) values.push_back(x.value());
  Tensor out = kernels::concat(values, dim);
  const int d = wrap_dim(dim, out.dim());
  std::vector<int64_t> sizes;
  sizes.reserve(xs.size());
  for (const Var& x : xs) sizes.push_back(x.size(d));
  return make_result(
      out, xs,
      [d, sizes](const Tensor& g, const std::vector<bool>& needs) -> std::vector<Tensor> {
        // Each input's gradient is a view of g; the engine copies before writing into it.
        std::vector<Tensor> grads(sizes.size());
        int64_t start = 0;
        for (size_t i = 0; i < sizes.size(); ++i) {
          if (needs[i]) grads[i] = g.narrow(d, start, sizes[i]);
          start += sizes[i];
        }
        return grads;
      },
      "concat");
}

std::vector<Var> split(const Var& x, int dim, const std::vector<int64_t>& sizes) {
  // Validate the sizes once, then each piece is a narrow with its own backward, so the
  // engine sums the pieces' gradients into x.
  const int d = wrap_dim(dim, x.dim());
  kernels::split(x.value(), d, sizes);
  std::vector<Var> pieces;
  pieces.reserve(sizes.size());
  int64_t start = 0;
  for (int64_t s : sizes) {
    pieces.push_back(narrow(x, d, start, s));
    start += s;
  }
  return pieces;
}

Var where(const Tensor& cond, const Var& a, const Var& b) {
  Tensor out = kernels::where(cond, a.value(), b.value());
  const Shape a_shape = a.shape(), b_shape = b.shape();
  return make_result(
      out, {a, b},
      [cond, a_shape, b_shape](const Tensor& g, const std::vector<bool>& needs) -> std::vector<Tensor> {
        // Each operand gets g where it was chosen and 0 elsewhere, summed over the dims it
        // was broadcast along.
        Tensor zero = Tensor::zeros({}, g.dtype(), g.device());
        Tensor ga, gb;
        if (needs[0]) ga = kernels::sum_to_shape(kernels::where(cond, g, zero), a_shape);
        if (needs[1]) gb = kernels::sum_to_shape(kernels::where(cond, zero, g), b_shape);
        return {ga, gb};
      },
      "where");
}

Var masked_fill(const Var& x, const Tensor& mask, double value) {
  Tensor out = kernels::masked_fill(x.value(), mask, value);
  return make_result(
      out, {x},
      [mask](const Tensor& g, const std::vector<bool>&) -> std::vector<Tensor> {
        return {kernels::masked_fill(g, mask, 0.0)};
      },
      "masked_fill");
}

Tensor argsort(const Tensor& x, int dim, bool descending) { return kernels::argsort(x, dim, descending); }

std::pair<Tensor, Tensor> topk(const Tensor& x, int64_t k, int dim, bool largest) {
  return kernels::topk(x, k, dim, largest);
}

}  // namespace vcc
