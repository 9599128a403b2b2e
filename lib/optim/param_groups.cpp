#include "optim/param_groups.h"

namespace vcc::optim {
namespace {

// Classic glob with backtracking over the last '*'.
bool glob_match(const char* s, const char* p) {
  const char* star = nullptr;
  const char* resume = nullptr;
  while (*s) {
    if (*p == '?' || (*p != '*' && *p == *s)) {
      ++s;
      ++p;
    } else if (*p == '*') {
      star = p++;
      resume = s;
    } else if (star) {
      p = star + 1;
      s = ++resume;
    } else {
      return false;
    }
  }
  while (*p == '*') ++p;
  return *p == '\0';
}

}  // namespace

bool matches_param_pattern(const std::string& path, const std::string& pattern) {
  if (glob_match(path.c_str(), pattern.c_str())) return true;
  for (size_t dot = path.find('.'); dot != std::string::npos; dot = path.find('.', dot + 1))
    if (glob_match(path.c_str() + dot + 1, pattern.c_str())) return true;
  return false;
}

bool matches_any_param_pattern(const std::string& path, const std::vector<std::string>& patterns) {
  for (const std::string& p : patterns)
    if (matches_param_pattern(path, p)) return true;
  return false;
}

DecaySplit split_by_decay(const NamedParams& params, const std::vector<std::string>& no_decay_patterns) {
  DecaySplit split;
  for (const auto& entry : params)
    (matches_any_param_pattern(entry.first, no_decay_patterns) ? split.no_decay : split.decay).push_back(entry);
  return split;
}

}  // namespace vcc::optim
