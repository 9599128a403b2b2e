#include "core/storage.h"

#include "core/allocator.h"

namespace vcc {

Storage::Storage(size_t nbytes, Device device) : nbytes_(nbytes), device_(device) {
  data_ = allocator_for(device).allocate(nbytes);
}

Storage::Storage(void* external, size_t nbytes, Device device, std::shared_ptr<void> keep_alive)
    : data_(external), nbytes_(nbytes), device_(device), owned_(false), keep_alive_(std::move(keep_alive)) {}

Storage::~Storage() {
  if (owned_ && data_) allocator_for(device_).deallocate(data_, nbytes_);
}

}  // namespace vcc
