#pragma once
// What every libFuzzer harness shares: the input as a file (most readers take a path), and
// the rule they check. A reader of user files may fail only with vcc::Error (a one-line
// message naming the file); any other exception, a crash, a leak or a sanitizer report is a
// finding. So harnesses catch vcc::Error and nothing else.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "core/error.h"

namespace vcc::fuzz {

// Writes the input to a per-process file with the given extension and returns its path.
inline const std::string& input_file(const uint8_t* data, size_t size, const char* extension) {
  static const std::string path = "/tmp/vcc-fuzz-" + std::to_string(::getpid()) + extension;
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f || (size && std::fwrite(data, 1, size, f) != size) || std::fclose(f) != 0) {
    std::perror(path.c_str());
    std::abort();
  }
  return path;
}

inline std::string input_text(const uint8_t* data, size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

}  // namespace vcc::fuzz

// The harness body: fn() may throw vcc::Error; everything else escapes to libFuzzer.
#define VCC_FUZZ_EXPECT_ONLY_VCC_ERRORS(...) \
  try {                                      \
    __VA_ARGS__;                             \
  } catch (const ::vcc::Error&) {            \
  }
