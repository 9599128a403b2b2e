#include "data/hdf5_dataset.h"

#include <cstring>

#include "core/error.h"
#include "data/text_io.h"
#include "io/hdf5_file.h"

namespace vcc::data {
namespace {

constexpr int64_t kRowsPerWrite = 256;

// The encoding counts as file attributes: (attribute name, member).
const std::vector<std::pair<const char*, int64_t EncodeStats::*>>& stat_attributes() {
  static const std::vector<std::pair<const char*, int64_t EncodeStats::*>> attrs = {
      {"count_examples", &EncodeStats::examples},
      {"count_written", &EncodeStats::kept},
      {"count_truncated", &EncodeStats::truncated},
      {"count_dropped", &EncodeStats::dropped},
      {"count_targets_truncated", &EncodeStats::targets_truncated},
      {"count_spans_located", &EncodeStats::spans_located},
      {"count_spans_case_insensitive", &EncodeStats::spans_case_insensitive},
      {"count_spans_not_found", &EncodeStats::spans_not_found},
      {"count_spans_truncated", &EncodeStats::spans_truncated},
      {"count_yes_no", &EncodeStats::yes_no},
      {"count_no_answer", &EncodeStats::no_answer},
      {"count_input_tokens", &EncodeStats::input_tokens},
  };
  return attrs;
}

// Copies rows `indices` of a [N, ...] tensor into a new [indices.size(), ...] tensor.
Tensor gather_rows(const Tensor& src, const std::vector<int64_t>& indices) {
  Shape s = src.shape();
  const int64_t n = s[0];
  s[0] = static_cast<int64_t>(indices.size());
  Tensor out = Tensor::empty(s, src.dtype());
  const size_t row_bytes = src.numel() == 0 ? 0 : src.nbytes() / static_cast<size_t>(n);
  const char* in = static_cast<const char*>(src.raw_data());
  char* dst = static_cast<char*>(out.raw_data());
  for (size_t i = 0; i < indices.size(); ++i) {
    VCC_CHECK(indices[i] >= 0 && indices[i] < n, "row ", indices[i], " out of range [0, ", n, ")");
    std::memcpy(dst + i * row_bytes, in + indices[i] * row_bytes, row_bytes);
  }
  return out;
}

}  // namespace

DatasetInfo dataset_info_for(const Tokenizer& tokenizer, const EncoderOptions& options, const std::string& source) {
  DatasetInfo info;
  info.tokenizer_hash = tokenizer.hash();
  info.vocab_size = tokenizer.vocab_size();
  info.pad_id = tokenizer.pad_id();
  info.eos_id = tokenizer.eos_id();
  info.added_tokens_json = Json(tokenizer.added_tokens()).dump();
  info.max_length = options.max_length;
  info.max_target_length = options.max_target_length;
  info.task = options.task;
  info.source = source;
  return info;
}

// ---------------------------------------------------------------- writer

DatasetWriter::DatasetWriter(const std::string& path, const DatasetInfo& info, int compression_level)
    : info_(info) {
  VCC_USER_CHECK(info.max_length > 0, path, ": max_length must be positive");
  file_ = std::make_unique<io::H5File>(io::H5File::create(path));
  io::RowDatasetOptions rows;
  rows.compression_level = compression_level;
  const int64_t L = info.max_length;
  file_->create_rows("input_ids", DType::I32, {L}, rows);
  file_->create_rows("attention_mask", DType::U8, {L}, rows);
  file_->create_rows("importance_mask", DType::U8, {L}, rows);
  file_->create_rows("query_length", DType::I32, {}, rows);
  if (info.has_labels()) file_->create_rows("labels", DType::I32, {info.max_target_length}, rows);
  if (info.has_spans()) {
    file_->create_rows("answer_start", DType::I32, {}, rows);
    file_->create_rows("answer_end", DType::I32, {}, rows);
    file_->create_rows("answer_type", DType::I32, {}, rows);
  }
}

DatasetWriter::~DatasetWriter() = default;

void DatasetWriter::add(const Example& example, const EncodedExample& enc) {
  VCC_CHECK(file_, "DatasetWriter::add after finish()");
  const int64_t L = info_.max_length;
  VCC_CHECK(static_cast<int64_t>(enc.input_ids.size()) == L && static_cast<int64_t>(enc.attention_mask.size()) == L &&
                static_cast<int64_t>(enc.importance_mask.size()) == L,
            "encoded example ", example.id, " has length ", enc.input_ids.size(), ", the dataset ", L);
  ids_buf_.insert(ids_buf_.end(), enc.input_ids.begin(), enc.input_ids.end());
  attn_buf_.insert(attn_buf_.end(), enc.attention_mask.begin(), enc.attention_mask.end());
  imp_buf_.insert(imp_buf_.end(), enc.importance_mask.begin(), enc.importance_mask.end());
  qlen_buf_.push_back(enc.query_length);
  if (info_.has_labels()) {
    VCC_CHECK(static_cast<int64_t>(enc.labels.size()) == info_.max_target_length, "example ", example.id,
              " has ", enc.labels.size(), " labels, the dataset ", info_.max_target_length);
    labels_buf_.insert(labels_buf_.end(), enc.labels.begin(), enc.labels.end());
  }
  if (info_.has_spans()) {
    start_buf_.push_back(enc.answer_start);
    end_buf_.push_back(enc.answer_end);
    type_buf_.push_back(static_cast<int32_t>(enc.answer_type));
  }
  ids_.push_back(example.id);
  answers_json_.push_back(Json(example.answers).dump(-1, ' ', false, Json::error_handler_t::replace));
  ++count_;
  if (++buffered_ == kRowsPerWrite) flush_rows();
}

void DatasetWriter::flush_rows() {
  if (buffered_ == 0) return;
  const int64_t n = buffered_, L = info_.max_length;
  file_->append_rows("input_ids", Tensor::from_vector(ids_buf_, {n, L}));
  file_->append_rows("attention_mask", Tensor::from_vector(attn_buf_, {n, L}));
  file_->append_rows("importance_mask", Tensor::from_vector(imp_buf_, {n, L}));
  file_->append_rows("query_length", Tensor::from_vector(qlen_buf_, {n}));
  if (info_.has_labels()) file_->append_rows("labels", Tensor::from_vector(labels_buf_, {n, info_.max_target_length}));
  if (info_.has_spans()) {
    file_->append_rows("answer_start", Tensor::from_vector(start_buf_, {n}));
    file_->append_rows("answer_end", Tensor::from_vector(end_buf_, {n}));
    file_->append_rows("answer_type", Tensor::from_vector(type_buf_, {n}));
  }
  for (auto* v : {&ids_buf_, &labels_buf_, &qlen_buf_, &start_buf_, &end_buf_, &type_buf_}) v->clear();
  attn_buf_.clear();
  imp_buf_.clear();
  buffered_ = 0;
}

void DatasetWriter::finish(const EncodeStats& stats) {
  VCC_CHECK(file_, "DatasetWriter::finish called twice");
  flush_rows();
  file_->write_strings("ids", ids_);
  file_->write_strings("answers_json", answers_json_);
  io::H5File& f = *file_;
  f.set_attr("/", "format_version", info_.format_version);
  f.set_attr("/", "tokenizer_hash", info_.tokenizer_hash);
  f.set_attr("/", "vocab_size", info_.vocab_size);
  f.set_attr("/", "pad_id", info_.pad_id);
  f.set_attr("/", "eos_id", info_.eos_id);
  f.set_attr("/", "added_tokens", info_.added_tokens_json);
  f.set_attr("/", "max_length", info_.max_length);
  f.set_attr("/", "max_target_length", info_.max_target_length);
  f.set_attr("/", "task", std::string(task_name(info_.task)));
  f.set_attr("/", "source", info_.source);
  f.set_attr("/", "num_examples", count_);
  for (const auto& [name, member] : stat_attributes()) f.set_attr("/", name, stats.*member);
  f.commit();
  file_.reset();
}

// ---------------------------------------------------------------- reader

DatasetReader::DatasetReader(const std::string& path, bool preload) : path_(path) {
  file_ = std::make_unique<io::H5File>(io::H5File::open(path));
  io::H5File& f = *file_;
  VCC_USER_CHECK(f.has_attr("/", "format_version"), path,
                 ": not a vcc dataset (no 'format_version' attribute; make one with vcc-preprocess)");
  info_.format_version = f.attr_int("/", "format_version");
  VCC_USER_CHECK(info_.format_version == kDatasetFormatVersion, path, ": dataset format version ",
                 info_.format_version, ", this build reads version ", kDatasetFormatVersion,
                 " (re-run vcc-preprocess)");
  info_.tokenizer_hash = f.attr_string("/", "tokenizer_hash");
  info_.vocab_size = f.attr_int("/", "vocab_size");
  info_.pad_id = f.attr_int("/", "pad_id");
  info_.eos_id = f.attr_int("/", "eos_id");
  info_.added_tokens_json = f.attr_string("/", "added_tokens");
  info_.max_length = f.attr_int("/", "max_length");
  info_.max_target_length = f.attr_int("/", "max_target_length");
  std::string task = f.attr_string("/", "task");
  VCC_USER_CHECK(task == "seq2seq" || task == "qa_extractive", path, ": unknown task '", task, "'");
  info_.task = parse_task(task);
  info_.source = f.attr_string("/", "source");
  info_.num_examples = f.attr_int("/", "num_examples");
  for (const auto& [name, member] : stat_attributes())
    if (f.has_attr("/", name)) info_.stats.*member = f.attr_int("/", name);

  const int64_t N = info_.num_examples, L = info_.max_length, T = info_.max_target_length;
  auto expect = [&](const char* name, const Shape& shape, DType dtype) {
    VCC_USER_CHECK(f.exists(name), path, ": missing dataset '", name, "'");
    VCC_USER_CHECK(f.shape(name) == shape, path, ": dataset '", name, "' has shape ", f.shape(name).str(),
                   ", expected ", shape.str());
    VCC_USER_CHECK(f.dtype(name) == dtype, path, ": dataset '", name, "' is ", dtype_name(f.dtype(name)),
                   ", expected ", dtype_name(dtype));
  };
  expect("input_ids", {N, L}, DType::I32);
  expect("attention_mask", {N, L}, DType::U8);
  expect("importance_mask", {N, L}, DType::U8);
  expect("query_length", {N}, DType::I32);
  if (info_.has_labels()) expect("labels", {N, T}, DType::I32);
  if (info_.has_spans()) {
    expect("answer_start", {N}, DType::I32);
    expect("answer_end", {N}, DType::I32);
    expect("answer_type", {N}, DType::I32);
  }
  ids_ = f.read_strings("ids");
  answers_json_ = f.read_strings("answers_json");
  VCC_USER_CHECK(static_cast<int64_t>(ids_.size()) == N && static_cast<int64_t>(answers_json_.size()) == N, path,
                 ": 'ids'/'answers_json' hold ", ids_.size(), "/", answers_json_.size(), " strings, expected ", N);
  if (preload) {
    all_ = read(0, N);
    preloaded_ = true;
  }
}

DatasetReader::~DatasetReader() = default;
DatasetReader::DatasetReader(DatasetReader&&) noexcept = default;
DatasetReader& DatasetReader::operator=(DatasetReader&&) noexcept = default;

DatasetRows DatasetReader::read(int64_t start, int64_t count) const {
  VCC_USER_CHECK(start >= 0 && count >= 0 && start + count <= size(), path_, ": rows [", start, ", ", start + count,
                 ") out of range (", size(), " examples)");
  DatasetRows r;
  const io::H5File& f = *file_;
  r.input_ids = f.read_rows("input_ids", start, count);
  r.attention_mask = f.read_rows("attention_mask", start, count);
  r.importance_mask = f.read_rows("importance_mask", start, count);
  r.query_length = f.read_rows("query_length", start, count);
  if (info_.has_labels()) r.labels = f.read_rows("labels", start, count);
  if (info_.has_spans()) {
    r.answer_start = f.read_rows("answer_start", start, count);
    r.answer_end = f.read_rows("answer_end", start, count);
    r.answer_type = f.read_rows("answer_type", start, count);
  }
  return r;
}

DatasetRows DatasetReader::gather(const std::vector<int64_t>& indices) const {
  for (int64_t i : indices)
    VCC_USER_CHECK(i >= 0 && i < size(), path_, ": example index ", i, " out of range (", size(), " examples)");
  auto pick = [&](const Tensor& all, const char* name) -> Tensor {
    if (preloaded_) return gather_rows(all, indices);
    // From the file: one read per run of consecutive indices.
    Shape s = file_->shape(name);
    s[0] = static_cast<int64_t>(indices.size());
    Tensor out = Tensor::empty(s, file_->dtype(name));
    const size_t row_bytes = out.numel() == 0 ? 0 : out.nbytes() / indices.size();
    char* dst = static_cast<char*>(out.raw_data());
    for (size_t i = 0; i < indices.size();) {
      size_t j = i + 1;
      while (j < indices.size() && indices[j] == indices[j - 1] + 1) ++j;
      Tensor rows = file_->read_rows(name, indices[i], static_cast<int64_t>(j - i));
      std::memcpy(dst + i * row_bytes, rows.raw_data(), rows.nbytes());
      i = j;
    }
    return out;
  };
  DatasetRows r;
  r.input_ids = pick(all_.input_ids, "input_ids");
  r.attention_mask = pick(all_.attention_mask, "attention_mask");
  r.importance_mask = pick(all_.importance_mask, "importance_mask");
  r.query_length = pick(all_.query_length, "query_length");
  if (info_.has_labels()) r.labels = pick(all_.labels, "labels");
  if (info_.has_spans()) {
    r.answer_start = pick(all_.answer_start, "answer_start");
    r.answer_end = pick(all_.answer_end, "answer_end");
    r.answer_type = pick(all_.answer_type, "answer_type");
  }
  return r;
}

const std::vector<std::string>& DatasetReader::ids() const { return ids_; }

std::vector<std::string> DatasetReader::answers(int64_t i) const {
  VCC_USER_CHECK(i >= 0 && i < size(), path_, ": example index ", i, " out of range (", size(), " examples)");
  Json a = parse_json(answers_json_[static_cast<size_t>(i)], path_ + " answers_json[" + std::to_string(i) + "]");
  VCC_USER_CHECK(a.is_array(), path_, ": answers_json[", i, "] is not a JSON list");
  std::vector<std::string> out;
  for (const Json& v : a) out.push_back(json_scalar_text(v));
  return out;
}

}  // namespace vcc::data
