#pragma once
// Tensor: a strided view (shape, strides, offset, dtype) of reference-counted Storage.
// Views share storage; contiguous()/clone() copy. No autograd here (see autograd/variable.h).
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "core/device.h"
#include "core/dtype.h"
#include "core/emu_device.h"
#include "core/shape.h"
#include "core/storage.h"

namespace vcc {

class Tensor {
 public:
  Tensor() = default;  // undefined tensor

  // ---- creation ----
  static Tensor empty(const Shape& shape, DType dtype = DType::F32, Device device = Device::cpu());
  static Tensor zeros(const Shape& shape, DType dtype = DType::F32, Device device = Device::cpu());
  static Tensor full(const Shape& shape, double value, DType dtype = DType::F32, Device device = Device::cpu());
  static Tensor ones(const Shape& shape, DType dtype = DType::F32, Device device = Device::cpu()) {
    return full(shape, 1.0, dtype, device);
  }
  // 0, 1, ..., n-1.
  static Tensor arange(int64_t n, DType dtype = DType::I64, Device device = Device::cpu());
  // Copies host values into a new CPU tensor of the given shape (numel must match).
  template <class T>
  static Tensor from_vector(const std::vector<T>& values, const Shape& shape) {
    Tensor t = empty(shape, dtype_v<T>);
    VCC_CHECK(static_cast<int64_t>(values.size()) == t.numel(), "from_vector: ", values.size(),
              " values for shape ", shape.str());
    if (!values.empty()) std::memcpy(t.raw_data(), values.data(), values.size() * sizeof(T));
    return t;
  }
  template <class T>
  static Tensor scalar(T value) { return from_vector<T>({value}, Shape{}); }
  // A view of existing storage.
  static Tensor from_storage(StoragePtr storage, const Shape& shape, const Strides& strides, int64_t offset,
                             DType dtype);

  // ---- metadata ----
  bool defined() const { return storage_ != nullptr; }
  const Shape& shape() const { return shape_; }
  const Strides& strides() const { return strides_; }
  int dim() const { return shape_.size(); }
  int64_t size(int d) const { return shape_[wrap_dim(d, dim())]; }
  int64_t stride(int d) const { return strides_[wrap_dim(d, dim())]; }
  int64_t offset() const { return offset_; }
  int64_t numel() const { return shape_.numel(); }
  DType dtype() const { return dtype_; }
  Device device() const { return storage_ ? storage_->device() : Device::cpu(); }
  size_t element_size() const { return dtype_size(dtype_); }
  size_t nbytes() const { return static_cast<size_t>(numel()) * element_size(); }
  bool is_contiguous() const;
  const StoragePtr& storage() const { return storage_; }
  // "float32[3,300,64]" (plus "@cuda:0" off the host), for messages.
  std::string describe() const;

  // ---- data access (checked dtype, pointer at the view's first element) ----
  // Of emulated-device memory only inside a kernel (core/emu_device.h): host code copies.
  template <class T>
  T* data() const {
    VCC_CHECK(defined(), "data() of an undefined tensor");
    VCC_CHECK(dtype_v<T> == dtype_, "data<", dtype_name(dtype_v<T>), ">() of a ", dtype_name(dtype_), " tensor");
    if (storage_->device().is_emu() && !emu::in_kernel()) [[unlikely]]
      emu::host_access_error("data<" + std::string(dtype_name(dtype_v<T>)) + ">() of " + describe());
    return static_cast<T*>(storage_->data()) + offset_;
  }
  void* raw_data() const {
    VCC_CHECK(defined(), "raw_data() of an undefined tensor");
    if (storage_->device().is_emu() && !emu::in_kernel()) [[unlikely]]
      emu::host_access_error("raw_data() of " + describe());
    return static_cast<char*>(storage_->data()) + offset_ * static_cast<int64_t>(element_size());
  }
  // Value of a one-element tensor, converted to T (any device).
  template <class T>
  T item() const;
  // All values in row-major order, converted to T (any device, any strides).
  template <class T>
  std::vector<T> to_vector() const;

  // ---- views (no copy) ----
  Tensor view(const Shape& shape) const;       // requires a compatible layout; -1 infers one dim
  Tensor reshape(const Shape& shape) const;    // view when possible, else a contiguous copy
  Tensor transpose(int a, int b) const;
  Tensor permute(const std::vector<int>& order) const;
  Tensor narrow(int dim, int64_t start, int64_t length) const;
  Tensor select(int dim, int64_t index) const;  // drops the dimension
  Tensor expand(const Shape& shape) const;      // broadcast with stride 0
  Tensor unsqueeze(int dim) const;
  Tensor squeeze(int dim) const;
  Tensor flatten() const { return reshape({numel()}); }

  // ---- copies ----
  Tensor contiguous() const;  // itself if already contiguous
  Tensor clone() const;       // always a new contiguous tensor
  Tensor to(DType dtype) const;
  Tensor to(Device device) const;
  void copy_(const Tensor& src);  // same shape (src may broadcast), any dtypes/devices
  void fill_(double value);
  void zero_() { fill_(0.0); }

  bool same_storage(const Tensor& o) const { return storage_ == o.storage_; }

 private:
  StoragePtr storage_;
  Shape shape_;
  Strides strides_;
  int64_t offset_ = 0;
  DType dtype_ = DType::F32;
};

// Hooks through which the CUDA backend serves core copies/fills for CUDA memory (emulated
// memory is served by core itself).
struct DeviceCopyHooks {
  // Copies between any two tensors of equal shape when at least one is on a CUDA device.
  void (*copy)(const Tensor& dst, const Tensor& src) = nullptr;
  void (*fill)(const Tensor& dst, double value) = nullptr;
};
void register_device_copy_hooks(DeviceCopyHooks hooks);

// bfloat16 <-> float on the host (round to nearest even; every NaN becomes the quiet NaN
// 0x7fc0), used by conversions and tests. Inline and without branches, so that conversion
// loops vectorise.
inline uint16_t float_to_bf16(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  const uint32_t rounded = (u + 0x7fffu + ((u >> 16) & 1u)) >> 16;
  return static_cast<uint16_t>((u & 0x7fffffffu) > 0x7f800000u ? 0x7fc0u : rounded);
}
inline float bf16_to_float(uint16_t h) {
  const uint32_t u = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

}  // namespace vcc
