#include "core/tensor.h"

#include <cmath>
#include <numeric>
#include <optional>

#include "core/deferred_checks.h"
#include "core/parallel.h"

namespace vcc {
namespace {

DeviceCopyHooks g_device_hooks;

// Visits every element of `shape` in row-major order: fn(outer_row_index, offsets...) is
// called once per innermost row with the element offset of the row start in each operand.
template <int K, class Fn>
void for_each_row(const Shape& shape, const int64_t* const (&strides)[K], int64_t min_parallel_elems, Fn&& fn) {
  const int rank = shape.size();
  const int64_t inner = rank ? shape[rank - 1] : 1;
  const int64_t rows = inner ? shape.numel() / inner : 0;
  auto row_offsets = [&](int64_t row, int64_t (&off)[K]) {
    for (int k = 0; k < K; ++k) off[k] = 0;
    for (int d = rank - 2; d >= 0; --d) {
      int64_t i = row % shape[d];
      row /= shape[d];
      for (int k = 0; k < K; ++k) off[k] += i * strides[k][d];
    }
  };
  parallel_for(0, rows, min_parallel_elems / std::max<int64_t>(inner, 1) + 1, [&](int64_t r0, int64_t r1) {
    int64_t off[K];
    for (int64_t r = r0; r < r1; ++r) {
      row_offsets(r, off);
      fn(inner, off);
    }
  });
}

template <class T>
double to_double(T v) { return static_cast<double>(v); }

template <class Dst, class Src>
void copy_typed(const Tensor& dst, const Tensor& src, const Strides& src_strides) {
  Dst* d = static_cast<Dst*>(dst.raw_data());
  const Src* s = static_cast<const Src*>(src.raw_data());
  const int rank = dst.dim();
  const int64_t dstride = rank ? dst.strides()[rank - 1] : 1;
  const int64_t sstride = rank ? src_strides[rank - 1] : 1;
  const int64_t* strides[2] = {dst.strides().begin(), src_strides.begin()};
  for_each_row<2>(dst.shape(), strides, 1 << 16, [&](int64_t n, const int64_t (&off)[2]) {
    Dst* dp = d + off[0];
    const Src* sp = s + off[1];
    if (dstride == 1 && sstride == 1) {
      if constexpr (std::is_same_v<Dst, Src>) {
        std::memcpy(dp, sp, n * sizeof(Dst));
      } else {
        for (int64_t i = 0; i < n; ++i) dp[i] = static_cast<Dst>(sp[i]);
      }
    } else {
      for (int64_t i = 0; i < n; ++i) dp[i * dstride] = static_cast<Dst>(sp[i * sstride]);
    }
  });
}

// bf16 handled by converting through float.
struct BF16Tag {};

template <class Src>
void copy_to_bf16(const Tensor& dst, const Tensor& src, const Strides& ss) {
  uint16_t* d = static_cast<uint16_t*>(dst.raw_data());
  const Src* s = static_cast<const Src*>(src.raw_data());
  const int64_t* strides[2] = {dst.strides().begin(), ss.begin()};
  const int rank = dst.dim();
  const int64_t ds = rank ? dst.strides()[rank - 1] : 1, sst = rank ? ss[rank - 1] : 1;
  for_each_row<2>(dst.shape(), strides, 1 << 16, [&](int64_t n, const int64_t (&off)[2]) {
    if (ds == 1 && sst == 1) {  // the common case (a Linear's input or weight): vectorised
      uint16_t* dp = d + off[0];
      const Src* sp = s + off[1];
#pragma omp simd
      for (int64_t i = 0; i < n; ++i) dp[i] = float_to_bf16(static_cast<float>(sp[i]));
    } else {
      for (int64_t i = 0; i < n; ++i) d[off[0] + i * ds] = float_to_bf16(static_cast<float>(s[off[1] + i * sst]));
    }
  });
}
template <class Dst>
void copy_from_bf16(const Tensor& dst, const Tensor& src, const Strides& ss) {
  Dst* d = static_cast<Dst*>(dst.raw_data());
  const uint16_t* s = static_cast<const uint16_t*>(src.raw_data());
  const int64_t* strides[2] = {dst.strides().begin(), ss.begin()};
  const int rank = dst.dim();
  const int64_t ds = rank ? dst.strides()[rank - 1] : 1, sst = rank ? ss[rank - 1] : 1;
  for_each_row<2>(dst.shape(), strides, 1 << 16, [&](int64_t n, const int64_t (&off)[2]) {
    if (ds == 1 && sst == 1) {
      Dst* dp = d + off[0];
      const uint16_t* sp = s + off[1];
#pragma omp simd
      for (int64_t i = 0; i < n; ++i) dp[i] = static_cast<Dst>(bf16_to_float(sp[i]));
    } else {
      for (int64_t i = 0; i < n; ++i) d[off[0] + i * ds] = static_cast<Dst>(bf16_to_float(s[off[1] + i * sst]));
    }
  });
}

#define VCC_HOST_TYPES(DT, BODY)                             \
  switch (DT) {                                              \
    case DType::F32: { using T = float; BODY; break; }       \
    case DType::F64: { using T = double; BODY; break; }      \
    case DType::I32: { using T = int32_t; BODY; break; }     \
    case DType::I64: { using T = int64_t; BODY; break; }     \
    case DType::U8: { using T = uint8_t; BODY; break; }      \
    default: VCC_FAIL("copy: unsupported dtype ", dtype_name(DT)); \
  }

void host_copy(const Tensor& dst, const Tensor& src, const Strides& src_strides) {
  if (dst.dtype() == DType::BF16 && src.dtype() == DType::BF16) {
    copy_typed<uint16_t, uint16_t>(dst, src, src_strides);
  } else if (dst.dtype() == DType::BF16) {
    VCC_HOST_TYPES(src.dtype(), (copy_to_bf16<T>(dst, src, src_strides)));
  } else if (src.dtype() == DType::BF16) {
    VCC_HOST_TYPES(dst.dtype(), (copy_from_bf16<T>(dst, src, src_strides)));
  } else {
    VCC_HOST_TYPES(dst.dtype(), {
      using D = T;
      VCC_HOST_TYPES(src.dtype(), (copy_typed<D, T>(dst, src, src_strides)));
    });
  }
}

}  // namespace

void register_device_copy_hooks(DeviceCopyHooks hooks) { g_device_hooks = hooks; }

Tensor Tensor::empty(const Shape& shape, DType dtype, Device device) {
  for (int64_t d : shape) VCC_CHECK(d >= 0, "negative dimension in shape ", shape.str());
  Tensor t;
  t.storage_ = std::make_shared<Storage>(static_cast<size_t>(shape.numel()) * dtype_size(dtype), device);
  t.shape_ = shape;
  t.strides_ = contiguous_strides(shape);
  t.dtype_ = dtype;
  return t;
}

Tensor Tensor::zeros(const Shape& shape, DType dtype, Device device) {
  Tensor t = empty(shape, dtype, device);
  t.fill_(0.0);
  return t;
}

Tensor Tensor::full(const Shape& shape, double value, DType dtype, Device device) {
  Tensor t = empty(shape, dtype, device);
  t.fill_(value);
  return t;
}

Tensor Tensor::arange(int64_t n, DType dtype, Device device) {
  Tensor t = empty({n}, dtype, Device::cpu());
  VCC_HOST_TYPES(dtype, {
    T* p = t.data<T>();
    for (int64_t i = 0; i < n; ++i) p[i] = static_cast<T>(i);
  });
  return device.is_cpu() ? t : t.to(device);
}

Tensor Tensor::from_storage(StoragePtr storage, const Shape& shape, const Strides& strides, int64_t offset,
                            DType dtype) {
  VCC_CHECK(shape.size() == strides.size(), "shape ", shape.str(), " vs strides ", strides.str());
  Tensor t;
  t.storage_ = std::move(storage);
  t.shape_ = shape;
  t.strides_ = strides;
  t.offset_ = offset;
  t.dtype_ = dtype;
  return t;
}

bool Tensor::is_contiguous() const {
  int64_t expected = 1;
  for (int i = dim() - 1; i >= 0; --i) {
    if (shape_[i] != 1 && strides_[i] != expected) return false;
    expected *= shape_[i];
  }
  return true;
}

std::string Tensor::describe() const {
  if (!defined()) return "undefined";
  std::string s = std::string(dtype_name(dtype_)) + shape_.str();
  if (!device().is_cpu()) s += "@" + device().str();
  return s;
}

template <class T>
T Tensor::item() const {
  VCC_CHECK(numel() == 1, "item() of a tensor with ", numel(), " elements (", describe(), ")");
  return to_vector<T>()[0];
}

template <class T>
std::vector<T> Tensor::to_vector() const {
  Tensor host = device().is_cpu() ? *this : to(Device::cpu());
  Tensor converted = host.dtype() == dtype_v<T> ? host.contiguous() : host.to(dtype_v<T>);
  const T* p = converted.data<T>();
  return std::vector<T>(p, p + converted.numel());
}

template float Tensor::item<float>() const;
template double Tensor::item<double>() const;
template int32_t Tensor::item<int32_t>() const;
template int64_t Tensor::item<int64_t>() const;
template uint8_t Tensor::item<uint8_t>() const;
template std::vector<float> Tensor::to_vector<float>() const;
template std::vector<double> Tensor::to_vector<double>() const;
template std::vector<int32_t> Tensor::to_vector<int32_t>() const;
template std::vector<int64_t> Tensor::to_vector<int64_t>() const;
template std::vector<uint8_t> Tensor::to_vector<uint8_t>() const;

Tensor Tensor::view(const Shape& requested) const {
  // Resolve a single -1.
  Shape shape = requested;
  int infer = -1;
  int64_t known = 1;
  for (int i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      VCC_CHECK(infer < 0, "view: more than one -1 in ", requested.str());
      infer = i;
    } else {
      known *= shape[i];
    }
  }
  if (infer >= 0) {
    VCC_CHECK(known > 0 && numel() % known == 0, "view: cannot infer ", requested.str(), " from ", describe());
    shape[infer] = numel() / known;
  }
  VCC_CHECK(shape.numel() == numel(), "view: ", describe(), " has ", numel(), " elements, shape ", shape.str(),
            " needs ", shape.numel());
  if (is_contiguous()) return from_storage(storage_, shape, contiguous_strides(shape), offset_, dtype_);
  // Non-contiguous: a view exists when every new dimension maps onto a run of old
  // dimensions that are mutually contiguous (the chunk rule PyTorch's view uses).
  Strides new_strides = Dims::filled(shape.size(), 1);
  bool ok = true;
  if (dim() > 0 && numel() > 0) {
    int view_d = shape.size() - 1;
    int64_t chunk_base_stride = strides_[dim() - 1];
    int64_t tensor_numel = 1, view_numel = 1;
    for (int tensor_d = dim() - 1; tensor_d >= 0; --tensor_d) {
      tensor_numel *= shape_[tensor_d];
      bool chunk_end = tensor_d == 0 ||
                       (shape_[tensor_d - 1] != 1 && strides_[tensor_d - 1] != tensor_numel * chunk_base_stride);
      if (!chunk_end) continue;
      while (view_d >= 0 && (view_numel < tensor_numel || shape[view_d] == 1)) {
        new_strides[view_d] = view_numel * chunk_base_stride;
        view_numel *= shape[view_d];
        --view_d;
      }
      if (view_numel != tensor_numel) { ok = false; break; }
      if (tensor_d > 0) {
        chunk_base_stride = strides_[tensor_d - 1];
        tensor_numel = 1;
        view_numel = 1;
      }
    }
    if (view_d != -1) ok = false;
  } else {
    new_strides = contiguous_strides(shape);
  }
  if (!ok)
    VCC_FAIL("view: ", describe(), " with strides ", strides_.str(), " cannot be viewed as ", shape.str(),
             " without a copy (use reshape)");
  return from_storage(storage_, shape, new_strides, offset_, dtype_);
}

Tensor Tensor::reshape(const Shape& shape) const {
  try {
    return view(shape);
  } catch (const Error&) {
    return contiguous().view(shape);
  }
}

Tensor Tensor::transpose(int a, int b) const {
  a = wrap_dim(a, dim());
  b = wrap_dim(b, dim());
  Tensor t = *this;
  std::swap(t.shape_[a], t.shape_[b]);
  std::swap(t.strides_[a], t.strides_[b]);
  return t;
}

Tensor Tensor::permute(const std::vector<int>& order) const {
  VCC_CHECK(static_cast<int>(order.size()) == dim(), "permute: ", order.size(), " axes for ", describe());
  Tensor t = *this;
  std::vector<bool> seen(dim(), false);
  for (int i = 0; i < dim(); ++i) {
    int d = wrap_dim(order[i], dim());
    VCC_CHECK(!seen[d], "permute: axis ", d, " repeated");
    seen[d] = true;
    t.shape_[i] = shape_[d];
    t.strides_[i] = strides_[d];
  }
  return t;
}

Tensor Tensor::narrow(int d, int64_t start, int64_t length) const {
  d = wrap_dim(d, dim());
  VCC_CHECK(start >= 0 && length >= 0 && start + length <= shape_[d], "narrow(", d, ", ", start, ", ", length,
            ") of ", describe());
  Tensor t = *this;
  t.shape_[d] = length;
  t.offset_ += start * strides_[d];
  return t;
}

Tensor Tensor::select(int d, int64_t index) const {
  d = wrap_dim(d, dim());
  if (index < 0) index += shape_[d];
  VCC_CHECK(index >= 0 && index < shape_[d], "select(", d, ", ", index, ") of ", describe());
  Tensor t = *this;
  t.offset_ += index * strides_[d];
  t.shape_.erase(d);
  t.strides_.erase(d);
  return t;
}

Tensor Tensor::expand(const Shape& shape) const {
  VCC_CHECK(shape.size() >= dim(), "expand: ", describe(), " to ", shape.str());
  Tensor t = *this;
  t.shape_ = shape;
  t.strides_ = Dims::filled(shape.size(), 0);
  int lead = shape.size() - dim();
  for (int i = 0; i < dim(); ++i) {
    int64_t want = shape[lead + i] == -1 ? shape_[i] : shape[lead + i];
    VCC_CHECK(shape_[i] == want || shape_[i] == 1, "expand: ", describe(), " to ", shape.str());
    t.shape_[lead + i] = want;
    t.strides_[lead + i] = shape_[i] == want ? strides_[i] : 0;
    if (shape_[i] == want && want == 1) t.strides_[lead + i] = strides_[i];
  }
  return t;
}

Tensor Tensor::unsqueeze(int d) const {
  d = wrap_dim(d, dim() + 1);
  Tensor t = *this;
  int64_t s = d < dim() ? strides_[d] * shape_[d] : 1;
  t.shape_.insert(d, 1);
  t.strides_.insert(d, s);
  return t;
}

Tensor Tensor::squeeze(int d) const {
  d = wrap_dim(d, dim());
  VCC_CHECK(shape_[d] == 1, "squeeze(", d, ") of ", describe());
  Tensor t = *this;
  t.shape_.erase(d);
  t.strides_.erase(d);
  return t;
}

Tensor Tensor::contiguous() const {
  if (is_contiguous()) return *this;
  return clone();
}

Tensor Tensor::clone() const {
  Tensor t = empty(shape_, dtype_, device());
  t.copy_(*this);
  return t;
}

Tensor Tensor::to(DType dtype) const {
  if (dtype == dtype_) return *this;
  Tensor t = empty(shape_, dtype, device());
  t.copy_(*this);
  return t;
}

Tensor Tensor::to(Device device) const {
  if (device == this->device()) return *this;
  Tensor t = empty(shape_, dtype_, device);
  t.copy_(*this);
  return t;
}

void Tensor::copy_(const Tensor& src) {
  VCC_CHECK(defined() && src.defined(), "copy_ with an undefined tensor");
  Tensor s = src.shape() == shape_ ? src : src.expand(shape_);
  if (device().is_cuda() || s.device().is_cuda()) {
    VCC_CHECK(g_device_hooks.copy != nullptr, "copy between ", s.describe(), " and ", describe(),
              ": this build has no CUDA backend");
    g_device_hooks.copy(*this, s);
    // The host has waited for the device: report what its earlier ops found.
    if (s.device().is_cuda() && device().is_cpu()) deferred_checks::run(s.device());
    return;
  }
  if (numel() == 0) return;
  if (device().is_emu() || s.device().is_emu()) {
    // Host <-> emulated device or between emulated devices: a real copy between two
    // memories; reading device memory into the host is where a GPU run would wait.
    if (s.device().is_emu() && device().is_cpu()) emu::count_host_sync();
    {
      emu::TransferScope scope;
      host_copy(*this, s, s.strides());
    }
    if (s.device().is_emu() && device().is_cpu()) deferred_checks::run(s.device());
    return;
  }
  host_copy(*this, s, s.strides());
}

void Tensor::fill_(double value) {
  VCC_CHECK(defined(), "fill_ of an undefined tensor");
  if (device().is_cuda()) {
    VCC_CHECK(g_device_hooks.fill != nullptr, "fill of ", describe(), ": this build has no CUDA backend");
    g_device_hooks.fill(*this, value);
    return;
  }
  if (dtype_ == DType::BF16) {
    Tensor f = full(shape_, value, DType::F32);
    copy_(f);
    return;
  }
  // Emulated memory is filled in place, as the CUDA path fills on the device.
  std::optional<emu::TransferScope> on_device;
  if (device().is_emu()) on_device.emplace();
  const int64_t* strides[1] = {strides_.begin()};
  const int64_t inner_stride = dim() ? strides_[dim() - 1] : 1;
  VCC_HOST_TYPES(dtype_, {
    T v = static_cast<T>(value);
    T* base = data<T>();
    for_each_row<1>(shape_, strides, 1 << 16, [&](int64_t n, const int64_t (&off)[1]) {
      T* p = base + off[0];
      for (int64_t i = 0; i < n; ++i) p[i * inner_stride] = v;
    });
  });
}

}  // namespace vcc
