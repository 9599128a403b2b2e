#pragma once
// Error reporting: one macro family that names file:line and the values involved.
#include <sstream>
#include <stdexcept>
#include <string>

namespace vcc {

// Every error the library raises. what() is one line, fit to print to a user.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The text to print for an error that ends a command: one line (newlines become "; "), and
// "disk full" said plainly where the system reported ENOSPC, since that is what a user acts on.
std::string user_error_text(const std::string& what);

namespace detail {
inline void append(std::ostringstream&) {}
template <class T, class... Rest>
void append(std::ostringstream& os, const T& v, const Rest&... rest) {
  os << v;
  append(os, rest...);
}
template <class... Args>
std::string concat(const Args&... args) {
  std::ostringstream os;
  append(os, args...);
  return os.str();
}
[[noreturn]] void throw_error(const char* file, int line, const std::string& message);
}  // namespace detail

}  // namespace vcc

// VCC_CHECK(cond, "message", value, " more", ...): internal invariant with location.
#define VCC_CHECK(cond, ...)                                                              \
  do {                                                                                    \
    if (!(cond)) [[unlikely]]                                                             \
      ::vcc::detail::throw_error(__FILE__, __LINE__,                                      \
                                 ::vcc::detail::concat("check failed: " #cond ": ", __VA_ARGS__)); \
  } while (0)

// VCC_FAIL("message", values...): unconditional error with location.
#define VCC_FAIL(...) ::vcc::detail::throw_error(__FILE__, __LINE__, ::vcc::detail::concat(__VA_ARGS__))

// User-facing errors (bad file, bad config): no source location, the message says it all.
#define VCC_USER_CHECK(cond, ...)                                                      \
  do {                                                                                 \
    if (!(cond)) [[unlikely]]                                                          \
      throw ::vcc::Error(::vcc::detail::concat(__VA_ARGS__));                          \
  } while (0)
