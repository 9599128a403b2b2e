#pragma once
// Preprocessing pipelines behind vcc-preprocess: examples -> encoder -> HDF5 split, and the
// synthetic task's folder (JSONL, tokenizer, HDF5 splits).
#include <string>
#include <vector>

#include "data/example.h"
#include "data/example_encoder.h"
#include "data/synthetic_task.h"
#include "data/tokenizer.h"

namespace vcc::data {

struct PreprocessOptions {
  EncoderOptions encoder;
  std::string source;         // reader name, stored in the file
  int compression_level = 1;  // deflate level of the HDF5 arrays
  bool progress = true;       // progress line on stderr
};

struct PreprocessResult {
  EncodeStats stats;
  double seconds = 0;
};

// Encodes every example and writes the split to `out_path` (atomically).
PreprocessResult preprocess_to_hdf5(const std::vector<Example>& examples, const Tokenizer& tokenizer,
                                    const PreprocessOptions& options, const std::string& out_path);

struct SyntheticRun {
  SyntheticOptions task;
  int64_t train = 1000, valid = 200;
  Task model_task = Task::QaExtractive;
  int64_t max_target_length = 4;  // labels too, so that encoder-decoders can use the files
  bool write_jsonl = true;
  bool progress = true;
};

struct SyntheticRunResult {
  std::string tokenizer_path;
  PreprocessResult train, valid;
};

// Writes <dir>/tokenizer.model, <dir>/{train,valid}.jsonl (generic QA format) and
// <dir>/{train,valid}.h5 with max_length = task.length (no padding, no truncation).
SyntheticRunResult write_synthetic_task(const std::string& dir, const SyntheticRun& run);

}  // namespace vcc::data
