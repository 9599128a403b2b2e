#pragma once
// SHA-256 (FIPS 180-4) for content hashes: tokenizer identity, dataset provenance.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace vcc::data {

class Sha256 {
 public:
  Sha256();
  Sha256& update(const void* data, size_t size);
  Sha256& update(std::string_view s) { return update(s.data(), s.size()); }
  // Finishes the hash; the object must not be updated afterwards.
  std::array<uint8_t, 32> digest();
  std::string hex_digest();  // 64 lowercase hex characters

 private:
  void block(const uint8_t* p);
  uint32_t h_[8];
  uint8_t buf_[64];
  size_t buf_len_ = 0;
  uint64_t total_ = 0;
  bool finished_ = false;
};

// Hex SHA-256 of a byte string.
std::string sha256_hex(std::string_view data);

}  // namespace vcc::data
