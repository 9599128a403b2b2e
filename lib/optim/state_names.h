#pragma once
// Names of exported optimizer state tensors ("<kind>.<parameter path>") and the checks
// shared by every optimizer's import_state.
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>

#include "optim/optimizer.h"

namespace vcc::optim {

inline constexpr std::string_view kExpAvg = "exp_avg";
inline constexpr std::string_view kExpAvgSq = "exp_avg_sq";
inline constexpr std::string_view kStep = "step";
inline constexpr std::string_view kMomentumBuffer = "momentum_buffer";

std::string state_name(std::string_view kind, const std::string& path);

struct StateName {
  std::string kind;
  std::string path;
};
// Splits "<kind>.<path>"; the kind must be one of `kinds` and the path one of `params`,
// else an error naming `source` and the tensor.
StateName parse_state_name(const std::string& name, std::initializer_list<std::string_view> kinds,
                           const std::map<std::string, Var>& params, const std::string& source);
// A copy of `t` on the parameter's device after checking its shape and dtype against `p`.
Tensor state_tensor_for(const Var& p, const Tensor& t, const std::string& name, const std::string& source);
// A positive step counter stored as an integer scalar (shape [] or [1]).
int64_t read_step_counter(const Tensor& t, const std::string& name, const std::string& source);

void sort_by_name(NamedTensors& tensors);

}  // namespace vcc::optim
