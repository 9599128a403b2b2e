#pragma once
// Splitting a model's parameters into weight-decay and no-decay sets by name pattern.
//
// A pattern matches a parameter path when it matches the whole path or a trailing run of
// its dotted components, with '*' (any characters) and '?' (one character) as wildcards:
//   "bias"             matches "encoder.layer.0.output.dense.bias" and "bias",
//                      but not "relative_attention_bias.weight" (T5's bias table is decayed)
//   "LayerNorm.weight" matches "encoder.layer.3.attention.output.LayerNorm.weight"
//   "*norm.weight"     matches "final_layer_norm.weight"
// The official VCC recipe excludes biases and LayerNorm weights: kDefaultNoDecay.
#include <string>
#include <vector>

#include "optim/optimizer.h"

namespace vcc::optim {

inline const std::vector<std::string> kDefaultNoDecay = {"bias", "LayerNorm.weight"};

// True when `pattern` matches `path` as described above.
bool matches_param_pattern(const std::string& path, const std::string& pattern);
bool matches_any_param_pattern(const std::string& path, const std::vector<std::string>& patterns);

struct DecaySplit {
  NamedParams decay;     // weight decay applies
  NamedParams no_decay;  // matched a no-decay pattern
};
// Keeps the input order inside each set.
DecaySplit split_by_decay(const NamedParams& params, const std::vector<std::string>& no_decay_patterns);

// The two groups of the usual recipe: "decay" with options.weight_decay and "no_decay" with
// weight decay 0; an empty group is left out. Options is any struct with a weight_decay.
template <class Options>
std::vector<ParamGroup<Options>> decay_groups(const NamedParams& params, const Options& options,
                                              const std::vector<std::string>& no_decay_patterns) {
  DecaySplit split = split_by_decay(params, no_decay_patterns);
  std::vector<ParamGroup<Options>> groups;
  if (!split.decay.empty()) groups.push_back({"decay", std::move(split.decay), options});
  if (!split.no_decay.empty()) {
    Options no_decay = options;
    no_decay.weight_decay = 0.0;
    groups.push_back({"no_decay", std::move(split.no_decay), no_decay});
  }
  return groups;
}

}  // namespace vcc::optim
