#include "core/error.h"

#include <cerrno>
#include <cstring>

namespace vcc {

std::string user_error_text(const std::string& what) {
  std::string out;
  for (char c : what) {
    if (c == '\n') {
      if (!out.empty()) out += "; ";
    } else if (c != '\r') {
      out += c;
    }
  }
  while (!out.empty() && (out.back() == ' ' || out.back() == ';')) out.pop_back();
  const std::string enospc = std::strerror(ENOSPC);  // "No space left on device"
  if (out.find("disk full") == std::string::npos && out.find(enospc) != std::string::npos)
    out += " (disk full)";
  return out;
}

}  // namespace vcc

namespace vcc::detail {

void throw_error(const char* file, int line, const std::string& message) {
  // Keep only the path below lib/ so messages stay short and stable across checkouts.
  const char* short_file = std::strstr(file, "lib/");
  throw Error(concat(short_file ? short_file : file, ":", line, ": ", message));
}

}  // namespace vcc::detail
