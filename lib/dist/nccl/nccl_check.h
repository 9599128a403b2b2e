#pragma once
// Check for NCCL calls: a failure throws vcc::Error naming the call, its file:line, NCCL's
// error string and its last detailed message. ncclInProgress (a non-blocking communicator
// still working) is not a failure; callers that need completion poll for it.
#include <nccl.h>

namespace vcc::dist::detail {
[[noreturn]] void fail_nccl(ncclResult_t status, ncclComm_t comm, const char* call, const char* file, int line);
}  // namespace vcc::dist::detail

// VCC_NCCL_CHECK(comm, ncclAllReduce(...)): comm may be null (before one exists).
#define VCC_NCCL_CHECK(comm, call)                                                         \
  do {                                                                                     \
    const ncclResult_t vcc_nccl_status_ = (call);                                          \
    if (vcc_nccl_status_ != ncclSuccess && vcc_nccl_status_ != ncclInProgress) [[unlikely]] \
      ::vcc::dist::detail::fail_nccl(vcc_nccl_status_, (comm), #call, __FILE__, __LINE__);  \
  } while (0)
