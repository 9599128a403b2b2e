#pragma once
// Host <-> device copies of pageable host memory through pinned staging buffers: two
// buffers per device used alternately, so copying the next chunk on the host overlaps the
// DMA of the previous one. Ordered on the device's stream (device_context.h).
#include <cstddef>

namespace vcc::cuda {

// Queues the copy and returns once `src` has been read (the DMA may still be running from
// a staging buffer; the buffer is not reused before it finishes).
void copy_host_to_device(void* dst, const void* src, size_t nbytes, int device);
// Returns when `dst` holds the data, i.e. after all earlier work on the stream.
void copy_device_to_host(void* dst, const void* src, size_t nbytes, int device);

}  // namespace vcc::cuda
