#pragma once
// The vcc-eval pairs format: JSON lines {"id": str, "prediction": str|null, "references": [str, ...]}.
#include <optional>
#include <string>
#include <vector>

namespace vcc::eval {

struct PairExample {
  std::string id;
  std::optional<std::string> prediction;  // null = unanswered: scores 0, still counts in N
  std::vector<std::string> references;    // at least one
};

// Reads every non-blank line; other fields are ignored. Throws vcc::Error
// "<path>:<line>: ..." for malformed JSON, a missing field or a field of the wrong type.
std::vector<PairExample> read_pairs_file(const std::string& path);

}  // namespace vcc::eval
