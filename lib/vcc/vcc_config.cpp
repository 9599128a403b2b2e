#include "vcc/vcc_config.h"

#include <cstdio>

#include "core/error.h"

namespace vcc {

int64_t VccConfig::num_blocks(int64_t n) const {
  VCC_USER_CHECK(block_size > 0, "vcc.block_size must be positive, got ", block_size);
  VCC_USER_CHECK(num_vip >= 0 && num_vip < n, "vcc.num_vip = ", num_vip, " must be in [0, ", n,
                 ") for sequence length ", n);
  VCC_USER_CHECK((n - num_vip) % block_size == 0, "sequence length ", n, " minus vcc.num_vip ", num_vip, " = ",
                 n - num_vip, " is not a multiple of vcc.block_size ", block_size);
  return (n - num_vip) / block_size;
}

int64_t VccConfig::compressed_length(int64_t n) const {
  const int64_t blocks = num_blocks(n);
  return num_vip + fine_blocks * block_size + (blocks - fine_blocks);
}

void VccConfig::validate(int64_t n) const {
  const int64_t blocks = num_blocks(n);
  VCC_USER_CHECK(fine_blocks >= 0 && fine_blocks <= blocks, "vcc.fine_blocks = ", fine_blocks, " but length ", n,
                 " has only ", blocks, " blocks of ", block_size);
  VCC_USER_CHECK(explore_prob >= 0 && explore_prob <= 1, "vcc.explore_prob = ", explore_prob, " is not in [0, 1]");
  VCC_USER_CHECK(mean_epsilon >= 0, "vcc.mean_epsilon = ", mean_epsilon, " must be >= 0");
  keeps_attention_dropout(true);  // checks the value
  VCC_USER_CHECK(standard_layers >= 0, "vcc.standard_layers = ", standard_layers, " must be >= 0");
}

bool VccConfig::keeps_attention_dropout(bool layer_keeps_by_spec) const {
  if (attention_dropout == "spec") return layer_keeps_by_spec;
  if (attention_dropout == "layer") return true;
  if (attention_dropout == "none") return false;
  throw Error(detail::concat("model.vcc.attention_dropout is '", attention_dropout,
                             "'; expected spec, layer or none"));
}

std::string VccConfig::describe(int64_t n) const {
  const int64_t blocks = num_blocks(n), r = compressed_length(n);
  char buf[200];
  std::snprintf(buf, sizeof buf, "n=%lld n_p=%lld b=%lld N=%lld k=%lld -> r=%lld (%.1fx shorter)",
                static_cast<long long>(n), static_cast<long long>(num_vip), static_cast<long long>(block_size),
                static_cast<long long>(blocks), static_cast<long long>(fine_blocks), static_cast<long long>(r),
                static_cast<double>(n) / static_cast<double>(r));
  return buf;
}

}  // namespace vcc
