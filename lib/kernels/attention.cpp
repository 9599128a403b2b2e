#include "kernels/attention.h"

#include <cmath>
#include <vector>

#include "kernels/dispatch.h"
#include "kernels/index.h"

namespace vcc::kernels {
namespace {

struct Dims {
  int64_t batch, queries, keys, heads, head_dim;
};

// q, k, v (and the output gradient) as the launchers read them: any strides but a unit one
// in D, which a linear projection's [B, N, H * D] output viewed as [B, N, H, D] has.
Tensor usable_view(const Tensor& t) { return t.stride(3) == 1 || t.size(3) == 1 ? t : t.contiguous(); }

Dims check_qkv(const Tensor& q, const Tensor& k, const Tensor& v) {
  VCC_CHECK(q.defined() && k.defined() && v.defined(), "attention: q, k and v must be defined");
  VCC_CHECK(q.dim() == 4 && k.dim() == 4 && v.dim() == 4, "attention: q [B, Nq, H, D], k and v [B, Nk, H, D] expected, got q ",
            q.describe(), ", k ", k.describe(), ", v ", v.describe());
  VCC_CHECK(q.dtype() == k.dtype() && q.dtype() == v.dtype() && (q.dtype() == DType::F32 || q.dtype() == DType::F64),
            "attention: q, k, v must all be float32 or all float64, got q ", q.describe(), ", k ", k.describe(), ", v ",
            v.describe());
  check_same_device("attention", q, k, v);
  VCC_CHECK(k.shape() == v.shape(), "attention: k ", k.describe(), " and v ", v.describe(), " must have the same shape");
  VCC_CHECK(q.size(0) == k.size(0) && q.size(2) == k.size(2) && q.size(3) == k.size(3),
            "attention: q ", q.describe(), " and k ", k.describe(), " disagree in batch, heads or head size");
  VCC_CHECK(q.size(3) > 0, "attention: head size D must be positive, got q ", q.describe());
  return {q.size(0), q.size(1), k.size(1), q.size(2), q.size(3)};
}

// A [B, n] per-token tensor: shape, device, and optionally dtype.
void check_per_token(const Tensor& t, const char* name, const Dims& d, int64_t n, const Tensor& q, bool same_dtype) {
  VCC_CHECK(t.dim() == 2 && t.size(0) == d.batch && t.size(1) == n, "attention: ", name, " must be [B=", d.batch,
            ", ", n, "], got ", t.describe());
  VCC_CHECK(t.device() == q.device(), "attention: ", name, " on ", t.device().str(), " but q on ", q.device().str());
  if (same_dtype)
    VCC_CHECK(t.dtype() == q.dtype(), "attention: ", name, " ", t.describe(), " must have q's dtype ",
              dtype_name(q.dtype()));
}

// Positions [B, n]: the given ones as contiguous int64, or first + 0..n-1 in every row.
Tensor positions_or_default(const Tensor& given, const char* name, const Dims& d, int64_t n, int64_t first,
                            const Tensor& q) {
  if (given.defined()) {
    check_per_token(given, name, d, n, q, false);
    VCC_CHECK(given.dtype() == DType::I64, "attention: ", name, " must be int64, got ", given.describe());
    return given.contiguous();
  }
  std::vector<int64_t> p(static_cast<size_t>(d.batch * n));
  for (int64_t b = 0; b < d.batch; ++b)
    for (int64_t i = 0; i < n; ++i) p[b * n + i] = first + i;
  return Tensor::from_vector<int64_t>(p, {d.batch, n}).to(q.device());
}

// Validates args against q, k and returns them in the form the launchers expect.
AttentionArgs normalise_args(const AttentionArgs& in, const Dims& d, const Tensor& q) {
  AttentionArgs a = in;
  VCC_CHECK(std::isfinite(a.scale), "attention: scale must be finite, got ", a.scale);
  VCC_CHECK(a.dropout >= 0.0 && a.dropout < 1.0, "attention: dropout must be in [0, 1), got ", a.dropout);
  VCC_CHECK(!a.bf16_products || q.dtype() == DType::F32, "attention: bfloat16 products need float32 q, k, v, got q ",
            q.describe());
  if (a.key_mask.defined()) {
    check_per_token(a.key_mask, "key_mask", d, d.keys, q, false);
    // "Nonzero = visible" for any dtype: a plain dtype conversion would turn 0.5 into 0.
    // Integer masks become 0/1 on their device (where() tests nonzero); only a floating mask
    // makes the round trip through the host (a host sync on a GPU).
    const DType mt = a.key_mask.dtype();
    if (mt == DType::U8 || mt == DType::I32 || mt == DType::I64) {
      a.key_mask = where(a.key_mask, Tensor::ones({}, DType::U8, q.device()), Tensor::zeros({}, DType::U8, q.device()));
    } else {
      std::vector<double> m = a.key_mask.to_vector<double>();
      std::vector<uint8_t> visible(m.size());
      for (size_t i = 0; i < m.size(); ++i) visible[i] = m[i] != 0.0;
      a.key_mask = Tensor::from_vector<uint8_t>(visible, {d.batch, d.keys}).to(q.device());
    }
  }
  if (a.key_bias.defined()) {
    check_per_token(a.key_bias, "key_bias", d, d.keys, q, true);
    a.key_bias = a.key_bias.contiguous();
  }
  if (a.relative_bias_table.defined()) {
    const Tensor& t = a.relative_bias_table;
    VCC_CHECK(t.dim() == 2 && t.size(0) == a.num_buckets && t.size(1) == d.heads,
              "attention: relative_bias_table must be [num_buckets=", a.num_buckets, ", H=", d.heads, "], got ",
              t.describe());
    VCC_CHECK(t.dtype() == q.dtype() && t.device() == q.device(), "attention: relative_bias_table ", t.describe(),
              " must have q's dtype and device (", q.describe(), ")");
    // The bucket of any distance beyond max_distance must equal that at max_distance (the
    // kernels clamp distances to +-max_distance), which holds once the log range starts.
    const int max_exact = (a.bidirectional ? a.num_buckets / 2 : a.num_buckets) / 2;
    VCC_CHECK(a.num_buckets >= (a.bidirectional ? 4 : 2) && a.max_distance > max_exact,
              "attention: relative position buckets need num_buckets >= ", a.bidirectional ? 4 : 2,
              " and max_distance > ", max_exact, " (the exact range), got num_buckets ", a.num_buckets,
              ", max_distance ", a.max_distance);
    a.relative_bias_table = t.contiguous();
    a.query_positions =
        positions_or_default(a.query_positions, "query_positions", d, d.queries, a.causal ? d.keys - d.queries : 0, q);
    a.key_positions = positions_or_default(a.key_positions, "key_positions", d, d.keys, 0, q);
  } else {
    a.query_positions = Tensor();
    a.key_positions = Tensor();
  }
  return a;
}

}  // namespace

AttentionOutput attention_forward(const Tensor& q_in, const Tensor& k_in, const Tensor& v_in,
                                  const AttentionArgs& args_in) {
  const Dims d = check_qkv(q_in, k_in, v_in);
  const AttentionArgs args = normalise_args(args_in, d, q_in);
  const Tensor q = usable_view(q_in), k = usable_view(k_in), v = usable_view(v_in);
  AttentionOutput r;
  r.out = Tensor::empty({d.batch, d.queries, d.heads, d.head_dim}, q.dtype(), q.device());
  r.lse = Tensor::empty({d.batch, d.heads, d.queries}, q.dtype(), q.device());
  VCC_DISPATCH_DEVICE(q.device(), attention_forward, q, k, v, args, r.out, r.lse);
  return r;
}

AttentionGrads attention_backward(const Tensor& q_in, const Tensor& k_in, const Tensor& v_in,
                                  const AttentionOutput& forward, const Tensor& grad_out_in,
                                  const AttentionArgs& args_in, const AttentionGradRequest& request) {
  const Dims d = check_qkv(q_in, k_in, v_in);
  const AttentionArgs args = normalise_args(args_in, d, q_in);
  const Shape out_shape{d.batch, d.queries, d.heads, d.head_dim};
  VCC_CHECK(forward.out.shape() == out_shape && forward.out.is_contiguous() && forward.out.dtype() == q_in.dtype(),
            "attention backward: saved output ", forward.out.describe(), " does not match q ", q_in.describe());
  VCC_CHECK(forward.lse.shape() == Shape({d.batch, d.heads, d.queries}) && forward.lse.is_contiguous() &&
                forward.lse.dtype() == q_in.dtype(),
            "attention backward: saved log-sum-exp ", forward.lse.describe(), " does not match q ", q_in.describe());
  VCC_CHECK(grad_out_in.shape() == out_shape && grad_out_in.dtype() == q_in.dtype(),
            "attention backward: output gradient ", grad_out_in.describe(), " for output ", forward.out.describe());
  check_same_device("attention backward", q_in, forward.out, forward.lse, grad_out_in);
  VCC_CHECK(!request.key_bias || args.key_bias.defined(), "attention backward: key_bias gradient requested without key_bias");
  VCC_CHECK(!request.relative_bias_table || args.relative_bias_table.defined(),
            "attention backward: relative_bias_table gradient requested without a table");
  const Tensor q = usable_view(q_in), k = usable_view(k_in), v = usable_view(v_in);
  const Tensor grad_out = usable_view(grad_out_in);
  AttentionGrads g;
  const DType dt = q.dtype();
  const Device dev = q.device();
  if (request.q) g.q = Tensor::zeros(q.shape(), dt, dev);
  if (request.k) g.k = Tensor::zeros(k.shape(), dt, dev);
  if (request.v) g.v = Tensor::zeros(v.shape(), dt, dev);
  if (request.key_bias) g.key_bias = Tensor::zeros({d.batch, d.keys}, dt, dev);
  if (request.relative_bias_table) g.relative_bias_table = Tensor::zeros({args.num_buckets, d.heads}, dt, dev);
  VCC_DISPATCH_DEVICE(dev, attention_backward, q, k, v, forward.out, forward.lse, grad_out, args, g);
  return g;
}

}  // namespace vcc::kernels
