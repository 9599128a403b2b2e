#include "dist/gradient_sync.h"

#include "core/error.h"
#include "kernels/elementwise.h"

namespace vcc::dist {

GradientSync::GradientSync(Communicator& comm, std::vector<Var> params, int64_t bucket_bytes)
    : comm_(&comm), params_(std::move(params)), bucket_bytes_(bucket_bytes) {
  VCC_CHECK(bucket_bytes_ > 0, "bucket size must be positive, got ", bucket_bytes_);
}

template <class Fn>
void GradientSync::for_each_bucket(const std::vector<Tensor>& tensors, Fn&& fn) {
  buckets_last_ = 0;
  size_t i = 0;
  while (i < tensors.size()) {
    // A bucket: consecutive tensors of one dtype and device, up to bucket_bytes (a larger
    // tensor makes a bucket of its own).
    const DType dt = tensors[i].dtype();
    const Device dev = tensors[i].device();
    size_t j = i;
    int64_t elements = 0, bytes = 0;
    while (j < tensors.size() && tensors[j].dtype() == dt && tensors[j].device() == dev &&
           (j == i || bytes + static_cast<int64_t>(tensors[j].nbytes()) <= bucket_bytes_)) {
      elements += tensors[j].numel();
      bytes += static_cast<int64_t>(tensors[j].nbytes());
      ++j;
    }
    Tensor bucket = Tensor::empty({elements}, dt, dev);
    int64_t off = 0;
    for (size_t k = i; k < j; ++k) {
      const int64_t n = tensors[k].numel();
      bucket.narrow(0, off, n).copy_(tensors[k].reshape({n}));
      off += n;
    }
    fn(bucket, i, j);
    ++buckets_last_;
    i = j;
  }
}

void GradientSync::average(double divisor) {
  VCC_CHECK(divisor > 0, "gradient divisor must be positive, got ", divisor);
  const int world = comm_->world_size();
  if (world == 1 && divisor == 1.0) return;

  // Which parameters have a gradient on some rank: all ranks must pack the same buckets.
  std::vector<double> present(params_.size());
  for (size_t i = 0; i < params_.size(); ++i) present[i] = params_[i].grad().defined() ? 1.0 : 0.0;
  if (world > 1) present = all_reduce_sum(*comm_, present);

  std::vector<Var> with_grad;
  std::vector<Tensor> grads;
  for (size_t i = 0; i < params_.size(); ++i) {
    if (present[i] == 0.0) continue;
    const Var& p = params_[i];
    Tensor g = p.grad();
    if (!g.defined()) g = Tensor::zeros(p.shape(), p.dtype(), p.device());
    VCC_CHECK(g.shape() == p.shape(), "gradient ", g.describe(), " of parameter ", p.value().describe());
    with_grad.push_back(p);
    grads.push_back(g);
  }
  for_each_bucket(grads, [&](Tensor& bucket, size_t begin, size_t end) {
    if (world > 1) comm_->all_reduce_sum(bucket);
    if (divisor != 1.0) kernels::scale_inplace(bucket, 1.0 / divisor);
    // The averaged gradient is a view of the bucket: a gradient tensor that autograd shares
    // between parameters is never modified in place.
    int64_t off = 0;
    for (size_t k = begin; k < end; ++k) {
      const int64_t n = grads[k].numel();
      with_grad[k].set_grad(bucket.narrow(0, off, n).view(grads[k].shape()));
      off += n;
    }
  });
}

void GradientSync::broadcast_parameters() {
  if (comm_->world_size() == 1) return;
  std::vector<Tensor> values;
  for (const Var& p : params_) values.push_back(p.value());
  for_each_bucket(values, [&](Tensor& bucket, size_t begin, size_t end) {
    comm_->broadcast(bucket, 0);
    int64_t off = 0;
    for (size_t k = begin; k < end; ++k) {
      const int64_t n = values[k].numel();
      values[k].copy_(bucket.narrow(0, off, n).view(values[k].shape()));
      off += n;
    }
  });
}

}  // namespace vcc::dist
