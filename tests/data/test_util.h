#pragma once
// Helpers shared by the data tests: paths of the bundled data and scratch folders.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

#include "core/error.h"
#include "data/example_encoder.h"

namespace vcc::data::testing {

inline std::string repo_path(const std::string& rel) { return std::string(VCC_SOURCE_DIR) + "/" + rel; }
inline std::string shared_path(const std::string& rel) { return std::string(VCC_SHARED_DATA) + "/" + rel; }
inline std::string t5_model() { return repo_path("datasets/sentencepiece/t5-spiece.model"); }
inline std::string hotpot_sample() { return repo_path("datasets/hotpotqa/hotpot_dev_distractor_v1_100.json"); }

// Extractive QA at 4,096 tokens, as the span tests encode the HotpotQA sample.
inline EncoderOptions hotpot_span_options() {
  EncoderOptions o;
  o.max_length = 4096;
  o.max_target_length = 40;
  o.task = Task::QaExtractive;
  return o;
}

// A fresh folder under the system temp dir, removed at the end of the test.
class ScratchDir {
 public:
  ScratchDir() {
    // current_test_info() is null in SetUpTestSuite: then the suite's folder is shared.
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    const auto* suite = ::testing::UnitTest::GetInstance()->current_test_suite();
    std::string name = info ? std::string(info->test_suite_name()) + "-" + info->name()
                            : std::string(suite ? suite->name() : "suite") + "-shared";
    path_ = std::filesystem::temp_directory_path() / ("vcc-data-" + name + "-" + std::to_string(::getpid()));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  std::string str() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

inline void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

// The message of the vcc::Error that fn throws ("" if it throws none).
template <class Fn>
std::string error_of(Fn&& fn) {
  try {
    fn();
  } catch (const vcc::Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace vcc::data::testing

namespace vcc::data::testing {
inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}
}  // namespace vcc::data::testing
