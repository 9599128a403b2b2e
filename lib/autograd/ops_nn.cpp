#include "autograd/ops_nn.h"

#include "kernels/cross_entropy.h"
#include "kernels/dropout.h"
#include "kernels/elementwise.h"
#include "kernels/embedding.h"
#include "kernels/norm.h"
#include "kernels/reduce.h"
#include "kernels/softmax.h"

namespace vcc {
namespace {

// A norm's Var: inputs x, then weight and bias where given; one backward kernel call
// computes every gradient that is needed.
Var norm_result(const kernels::NormOutput& r, const Var& x, const Var& weight, const Var& bias, const char* op) {
  std::vector<Var> inputs{x};
  if (weight.defined()) inputs.push_back(weight);
  if (bias.defined()) inputs.push_back(bias);
  const bool has_w = weight.defined(), has_b = bias.defined();
  Tensor xv = x.value(), wv = has_w ? weight.value() : Tensor(), mean = r.mean, rstd = r.rstd;
  return make_result(
      r.y, inputs,
      [xv, wv, mean, rstd, has_w, has_b](const Tensor& g, const std::vector<bool>& needs) -> std::vector<Tensor> {
        const size_t iw = 1, ib = has_w ? 2 : 1;
        kernels::NormGrads d = kernels::norm_backward(g, xv, mean, rstd, wv, needs[0], has_w && needs[iw],
                                                      has_b && needs[ib]);
        std::vector<Tensor> grads{d.dx};
        if (has_w) grads.push_back(d.dweight);
        if (has_b) grads.push_back(d.dbias);
        return grads;
      },
      op);
}

}  // namespace

Var softmax(const Var& x, int dim) {
  const int d = wrap_dim(dim, x.dim());
  Tensor y = kernels::softmax(x.value(), d);
  return make_result(
      y, {x},
      [y, d](const Tensor& g, const std::vector<bool>&) -> std::vector<Tensor> {
        return {kernels::softmax_backward(y, g, d)};
      },
      "softmax");
}

Var log_softmax(const Var& x, int dim) {
  const int d = wrap_dim(dim, x.dim());
  Tensor y = kernels::log_softmax(x.value(), d);
  return make_result(
      y, {x},
      [y, d](const Tensor& g, const std::vector<bool>&) -> std::vector<Tensor> {
        return {kernels::log_softmax_backward(y, g, d)};
      },
      "log_softmax");
}

Var layer_norm(const Var& x, const Var& weight, const Var& bias, double eps) {
  kernels::NormOutput r = kernels::layer_norm(x.value(), weight.defined() ? weight.value() : Tensor(),
                                              bias.defined() ? bias.value() : Tensor(), eps);
  return norm_result(r, x, weight, bias, "layer_norm");
}

Var rms_norm(const Var& x, const Var& weight, double eps) {
  kernels::NormOutput r = kernels::rms_norm(x.value(), weight.defined() ? weight.value() : Tensor(), eps);
  return norm_result(r, x, weight, Var(), "rms_norm");
}

Var embedding(const Var& table, const Tensor& ids) {
  const int64_t vocab = table.size(0);
  return make_result(
      kernels::embedding(table.value(), ids), {table},
      [ids, vocab](const Tensor& g, const std::vector<bool>&) -> std::vector<Tensor> {
        return {kernels::embedding_backward(g, ids, vocab)};
      },
      "embedding");
}

Var dropout(const Var& x, double p, bool training, Generator& generator) {
  VCC_CHECK(p >= 0.0 && p <= 1.0, "dropout probability ", p, " is outside [0, 1]");
  if (!training || p == 0.0) return x;
  const uint64_t seed = generator.seed(), offset = generator.next_offset();
  return make_result(
      kernels::dropout(x.value(), p, seed, offset), {x},
      [p, seed, offset](const Tensor& g, const std::vector<bool>&) -> std::vector<Tensor> {
        return {kernels::dropout(g, p, seed, offset)};
      },
      "dropout");
}

Var cross_entropy(const Var& logits, const Tensor& targets, int64_t ignore_index, double label_smoothing,
                  Reduction reduction) {
  Tensor x = logits.value();
  kernels::CrossEntropyRows rows = kernels::cross_entropy(x, targets, ignore_index, label_smoothing);
  // Mean divides by the non-ignored rows (a loss of 0 when there are none).
  double scale = 1.0;
  Tensor out = rows.loss;
  if (reduction != Reduction::None) {
    out = kernels::sum_all(rows.loss);
    if (reduction == Reduction::Mean) {
      scale = rows.count > 0 ? 1.0 / static_cast<double>(rows.count) : 0.0;
      kernels::scale_inplace(out, scale);
    }
  }
  Tensor lse = rows.lse;
  return make_result(
      out, {logits},
      [x, targets, lse, scale, ignore_index, label_smoothing](const Tensor& g,
                                                              const std::vector<bool>&) -> std::vector<Tensor> {
        return {kernels::cross_entropy_backward(x, targets, lse, g, scale, ignore_index, label_smoothing)};
      },
      "cross_entropy");
}

}  // namespace vcc
