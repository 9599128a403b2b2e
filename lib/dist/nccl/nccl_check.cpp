#include "dist/nccl/nccl_check.h"

#include "core/error.h"

namespace vcc::dist::detail {

void fail_nccl(ncclResult_t status, ncclComm_t comm, const char* call, const char* file, int line) {
  const char* last = ncclGetLastError(comm);
  ::vcc::detail::throw_error(file, line,
                             ::vcc::detail::concat("NCCL call ", call, " failed: ", ncclGetErrorString(status),
                                                   last && *last ? " (" : "", last ? last : "", last && *last ? ")" : ""));
}

}  // namespace vcc::dist::detail
