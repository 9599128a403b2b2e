#pragma once
// Test helper: the reference vectors computed by the official scripts (shared/data/metrics/metric-vectors.jsonl).
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace vcc::eval::testing {

// VCC_METRIC_VECTORS may point at another file of the same format (e.g. the held-back vectors).
inline std::string metric_vectors_path() {
  const char* override_path = std::getenv("VCC_METRIC_VECTORS");
  return override_path && *override_path ? override_path : VCC_SHARED_DATA "/metrics/metric-vectors.jsonl";
}

inline bool using_default_vectors() {
  const char* override_path = std::getenv("VCC_METRIC_VECTORS");
  return !(override_path && *override_path);
}

inline const std::vector<nlohmann::json>& all_metric_vectors() {
  static const std::vector<nlohmann::json> vectors = [] {
    std::vector<nlohmann::json> out;
    std::ifstream in(metric_vectors_path());
    if (!in) throw std::runtime_error("cannot open " + metric_vectors_path());
    std::string line;
    while (std::getline(in, line))
      if (!line.empty()) out.push_back(nlohmann::json::parse(line));
    return out;
  }();
  return vectors;
}

// The vectors of one `metric` kind, in file order.
inline std::vector<nlohmann::json> metric_vectors(const std::string& metric) {
  std::vector<nlohmann::json> out;
  for (const nlohmann::json& v : all_metric_vectors())
    if (v.at("metric") == metric) out.push_back(v);
  return out;
}

// The spec's tolerance; the C++ port follows the scripts' evaluation order, so most values
// agree exactly, but 1e-12 is the contract.
constexpr double kTolerance = 1e-12;

inline void expect_value(double actual, const nlohmann::json& expected, const std::string& id, const std::string& field) {
  ASSERT_TRUE(expected.is_number()) << id << ": expected." << field << " is not a number";
  EXPECT_NEAR(actual, expected.get<double>(), kTolerance) << "vector " << id << ", field " << field;
}

}  // namespace vcc::eval::testing
