#include "optim/state_names.h"

#include <algorithm>

namespace vcc::optim {

std::string state_name(std::string_view kind, const std::string& path) {
  return std::string(kind) + "." + path;
}

StateName parse_state_name(const std::string& name, std::initializer_list<std::string_view> kinds,
                           const std::map<std::string, Var>& params, const std::string& source) {
  const size_t dot = name.find('.');
  std::string expected;
  for (std::string_view k : kinds) expected += (expected.empty() ? "" : ", ") + std::string(k) + ".<path>";
  VCC_USER_CHECK(dot != std::string::npos, source, ": optimizer state tensor '", name, "' is not named ",
                 expected);
  StateName id{name.substr(0, dot), name.substr(dot + 1)};
  VCC_USER_CHECK(std::find(kinds.begin(), kinds.end(), id.kind) != kinds.end(), source,
                 ": unknown optimizer state tensor '", name, "' (expected ", expected, ")");
  VCC_USER_CHECK(params.count(id.path), source, ": optimizer state tensor '", name,
                 "' is for parameter '", id.path, "', which this optimizer does not hold");
  return id;
}

Tensor state_tensor_for(const Var& p, const Tensor& t, const std::string& name, const std::string& source) {
  VCC_USER_CHECK(t.defined() && t.shape() == p.shape() && t.dtype() == p.dtype(), source,
                 ": optimizer state tensor '", name, "' is ", t.defined() ? t.describe() : "undefined",
                 ", expected ", dtype_name(p.dtype()), p.shape().str(), " like its parameter");
  // A copy, so that later updates never write into the caller's (or a file reader's) tensors.
  return t.device() == p.device() ? t.clone() : t.to(p.device()).contiguous();
}

int64_t read_step_counter(const Tensor& t, const std::string& name, const std::string& source) {
  VCC_USER_CHECK(t.defined() && is_integral(t.dtype()) && t.numel() == 1 && t.dim() <= 1, source,
                 ": optimizer step counter '", name, "' is ", t.defined() ? t.describe() : "undefined",
                 ", expected an int64 scalar");
  const int64_t step = t.item<int64_t>();
  VCC_USER_CHECK(step > 0, source, ": optimizer step counter '", name, "' is ", step, " (must be > 0)");
  return step;
}

void sort_by_name(NamedTensors& tensors) {
  std::sort(tensors.begin(), tensors.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
}

}  // namespace vcc::optim
