#pragma once
// Reference-counted, 64-byte-aligned block of memory on one device.
#include <cstddef>
#include <memory>

#include "core/device.h"

namespace vcc {

class Storage {
 public:
  Storage(size_t nbytes, Device device);
  // Wraps memory owned elsewhere (no free); used for memory-mapped files.
  Storage(void* external, size_t nbytes, Device device, std::shared_ptr<void> keep_alive);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data() const { return data_; }
  size_t nbytes() const { return nbytes_; }
  Device device() const { return device_; }

 private:
  void* data_ = nullptr;
  size_t nbytes_ = 0;
  Device device_;
  bool owned_ = true;
  std::shared_ptr<void> keep_alive_;
};

using StoragePtr = std::shared_ptr<Storage>;

}  // namespace vcc
