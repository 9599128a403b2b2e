#include "core/cuda/pinned_staging.h"

#include <cuda_runtime_api.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>
#include <vector>

#include "core/cuda/cuda_check.h"
#include "core/cuda/device_context.h"
#include "core/cuda/event.h"

namespace vcc::cuda {
namespace {

constexpr size_t kChunk = size_t{8} << 20;  // large enough to reach full PCIe/NVLink bandwidth

struct Staging {
  std::mutex mutex;  // one copy at a time per device uses the buffers
  char* buffer[2] = {nullptr, nullptr};
  std::unique_ptr<Event> done[2];  // recorded after the DMA that last used each buffer
  bool used[2] = {false, false};
};

// Created on first use per device and never freed (pinned memory outlives static
// destruction, which would race the CUDA runtime's teardown).
Staging& staging(int device) {
  static std::mutex table_mutex;
  static auto* table = new std::vector<std::unique_ptr<Staging>>();
  std::lock_guard<std::mutex> lock(table_mutex);
  if (static_cast<int>(table->size()) <= device) table->resize(device + 1);
  auto& s = (*table)[device];
  if (!s) {
    DeviceGuard guard(device);
    s = std::make_unique<Staging>();
    for (int b = 0; b < 2; ++b) {
      VCC_CUDA_CHECK(cudaHostAlloc(reinterpret_cast<void**>(&s->buffer[b]), kChunk, cudaHostAllocPortable));
      s->done[b] = std::make_unique<Event>();
    }
  }
  return *s;
}

}  // namespace

void copy_host_to_device(void* dst, const void* src, size_t nbytes, int device) {
  if (nbytes == 0) return;
  DeviceGuard guard(device);
  Staging& s = staging(device);
  cudaStream_t st = stream(device);
  std::lock_guard<std::mutex> lock(s.mutex);
  const char* in = static_cast<const char*>(src);
  char* out = static_cast<char*>(dst);
  for (size_t off = 0, c = 0; off < nbytes; off += kChunk, ++c) {
    const int b = static_cast<int>(c % 2);
    const size_t n = std::min(kChunk, nbytes - off);
    if (s.used[b]) s.done[b]->synchronize();  // the previous DMA out of this buffer is over
    std::memcpy(s.buffer[b], in + off, n);
    VCC_CUDA_CHECK(cudaMemcpyAsync(out + off, s.buffer[b], n, cudaMemcpyHostToDevice, st));
    s.done[b]->record(st);
    s.used[b] = true;
  }
}

void copy_device_to_host(void* dst, const void* src, size_t nbytes, int device) {
  if (nbytes == 0) return;
  DeviceGuard guard(device);
  Staging& s = staging(device);
  cudaStream_t st = stream(device);
  std::lock_guard<std::mutex> lock(s.mutex);
  const char* in = static_cast<const char*>(src);
  char* out = static_cast<char*>(dst);
  const size_t chunks = (nbytes + kChunk - 1) / kChunk;
  auto issue = [&](size_t c) {
    const int b = static_cast<int>(c % 2);
    const size_t off = c * kChunk, n = std::min(kChunk, nbytes - off);
    VCC_CUDA_CHECK(cudaMemcpyAsync(s.buffer[b], in + off, n, cudaMemcpyDeviceToHost, st));
    s.done[b]->record(st);
    s.used[b] = true;
  };
  // A host-to-device copy may still be reading a buffer: the first issue below is queued
  // after it on the same stream, so the buffer is overwritten only once that DMA is done.
  issue(0);
  for (size_t c = 0; c < chunks; ++c) {
    // Queue the next chunk into the other buffer before draining this one; that buffer's
    // previous contents were already copied out on the host in the last iteration.
    if (c + 1 < chunks) issue(c + 1);
    const int b = static_cast<int>(c % 2);
    const size_t off = c * kChunk, n = std::min(kChunk, nbytes - off);
    s.done[b]->synchronize();
    std::memcpy(out + off, s.buffer[b], n);
  }
}

}  // namespace vcc::cuda
