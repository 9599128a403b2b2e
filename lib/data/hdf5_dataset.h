#pragma once
// The preprocessed dataset format: one HDF5 file per split (layout in docs/data.md).
//   input_ids int32 [N, L] (pad-padded), attention_mask uint8 [N, L], importance_mask
//   uint8 [N, L], query_length int32 [N], labels int32 [N, T] (-100-padded; when a target
//   length is set), answer_start/answer_end/answer_type int32 [N] (qa_extractive),
//   ids and answers_json (JSON list of reference answers) as UTF-8 strings [N];
//   file attributes: format_version, tokenizer_hash, vocab_size, pad_id, eos_id,
//   max_length, max_target_length, task, source, and the encoding counts.
// DatasetWriter streams rows to <path>.tmp and renames on finish(); DatasetReader checks
// the version, attributes and every shape before use.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "data/example.h"
#include "data/example_encoder.h"

namespace vcc::io {
class H5File;
}

namespace vcc::data {

constexpr int64_t kDatasetFormatVersion = 1;

struct DatasetInfo {
  int64_t format_version = kDatasetFormatVersion;
  std::string tokenizer_hash;
  int64_t vocab_size = 0;  // rows the embedding table needs (pieces + extra ids + added tokens)
  int64_t pad_id = 0;
  int64_t eos_id = 1;
  std::string added_tokens_json = "[]";  // the tokenizer's added tokens, in id order
  int64_t max_length = 0;
  int64_t max_target_length = 0;  // 0 = no labels
  Task task = Task::Seq2Seq;
  std::string source;  // reader name: hotpotqa, narrativeqa, scrolls, qa-jsonl, ...
  EncodeStats stats;   // filled by the writer's finish()
  int64_t num_examples = 0;

  bool has_labels() const { return max_target_length > 0; }
  bool has_spans() const { return task == Task::QaExtractive; }
};

// Fills the tokenizer fields of an info.
DatasetInfo dataset_info_for(const Tokenizer& tokenizer, const EncoderOptions& options, const std::string& source);

class DatasetWriter {
 public:
  // `compression_level` 0-9 (deflate); 1 is fast and shrinks padding well.
  DatasetWriter(const std::string& path, const DatasetInfo& info, int compression_level = 1);
  ~DatasetWriter();  // without finish(): the temporary file is deleted
  DatasetWriter(const DatasetWriter&) = delete;
  DatasetWriter& operator=(const DatasetWriter&) = delete;

  void add(const Example& example, const EncodedExample& encoded);
  // Writes the remaining rows, strings and attributes, then renames the file into place.
  void finish(const EncodeStats& stats);
  int64_t size() const { return count_; }

 private:
  void flush_rows();

  std::unique_ptr<io::H5File> file_;
  DatasetInfo info_;
  int64_t count_ = 0;
  int64_t buffered_ = 0;
  std::vector<int32_t> ids_buf_, labels_buf_, qlen_buf_, start_buf_, end_buf_, type_buf_;
  std::vector<uint8_t> attn_buf_, imp_buf_;
  std::vector<std::string> ids_, answers_json_;
};

// Rows of a dataset as host tensors of the stored dtypes.
struct DatasetRows {
  Tensor input_ids;        // int32 [n, L]
  Tensor attention_mask;   // uint8 [n, L]
  Tensor importance_mask;  // uint8 [n, L]
  Tensor query_length;     // int32 [n]
  Tensor labels;           // int32 [n, T] (undefined without labels)
  Tensor answer_start, answer_end, answer_type;  // int32 [n] (undefined unless qa_extractive)
};

class DatasetReader {
 public:
  // preload = true reads every array into memory at open (fast random access); false reads
  // rows from the file on demand (for splits larger than memory).
  explicit DatasetReader(const std::string& path, bool preload = true);
  ~DatasetReader();
  DatasetReader(DatasetReader&&) noexcept;
  DatasetReader& operator=(DatasetReader&&) noexcept;

  const std::string& path() const { return path_; }
  const DatasetInfo& info() const { return info_; }
  int64_t size() const { return info_.num_examples; }
  int64_t max_length() const { return info_.max_length; }

  // Rows [start, start + count).
  DatasetRows read(int64_t start, int64_t count) const;
  // Rows at the given indices, in that order.
  DatasetRows gather(const std::vector<int64_t>& indices) const;
  const std::vector<std::string>& ids() const;
  // Reference answers of example i (parsed from answers_json).
  std::vector<std::string> answers(int64_t i) const;

 private:
  std::string path_;
  std::unique_ptr<io::H5File> file_;
  DatasetInfo info_;
  bool preloaded_ = false;
  DatasetRows all_;  // when preloaded
  std::vector<std::string> ids_, answers_json_;
};

}  // namespace vcc::data
