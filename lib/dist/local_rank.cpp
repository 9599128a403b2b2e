#include "dist/local_rank.h"

#include <cstdlib>
#include <string>

#include "core/error.h"

namespace vcc::dist {

std::optional<int> local_rank_from_environment() {
  for (const char* name : {"OMPI_COMM_WORLD_LOCAL_RANK", "MPI_LOCALRANKID", "MV2_COMM_WORLD_LOCAL_RANK", "SLURM_LOCALID",
                           "LOCAL_RANK"}) {
    const char* value = std::getenv(name);
    if (!value) continue;
    const std::string s(value);
    size_t used = 0;
    int rank = -1;
    try {
      rank = std::stoi(s, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    VCC_USER_CHECK(used == s.size() && !s.empty() && rank >= 0, "environment variable ", name, "='", s,
                   "' is not a local rank (a non-negative integer)");
    return rank;
  }
  return std::nullopt;
}

Device device_for_this_process(const std::string& text, const std::string& what) {
  bool index_given = false;
  Device d = parse_device(text, what, &index_given);
  if (d.is_cpu() || index_given) return d;
  const std::optional<int> local = local_rank_from_environment();
  if (!local) return d;
  const int count = device_count(d.kind);
  VCC_USER_CHECK(*local < count, what, " is ", text, ": this process's local rank is ", *local, " but only ", count,
                 " devices of that kind are visible (one process per device)");
  d.index = *local;
  return d;
}

}  // namespace vcc::dist
