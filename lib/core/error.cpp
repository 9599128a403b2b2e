#include "core/error.h"

#include <cstring>

namespace vcc::detail {

void throw_error(const char* file, int line, const std::string& message) {
  // Keep only the path below lib/ so messages stay short and stable across checkouts.
  const char* short_file = std::strstr(file, "lib/");
  throw Error(concat(short_file ? short_file : file, ":", line, ": ", message));
}

}  // namespace vcc::detail
