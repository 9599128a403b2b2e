#include "data/spm_train.h"

#include <sentencepiece_trainer.h>

#include <fstream>
#include <sstream>

#include "core/error.h"
#include "data/text_io.h"
#include "io/config.h"

// Declared in SentencePiece's internal common.h (not installed); defined in libsentencepiece.
namespace sentencepiece::logging {
int GetMinLogLevel();
void SetMinLogLevel(int level);
}  // namespace sentencepiece::logging

namespace vcc::data {
namespace {

class VectorIterator : public sentencepiece::SentenceIterator {
 public:
  explicit VectorIterator(const std::vector<std::string>& v) : v_(v) {}
  bool done() const override { return i_ >= v_.size(); }
  void Next() override { ++i_; }
  const std::string& value() const override { return v_[i_]; }
  sentencepiece::util::Status status() const override { return sentencepiece::util::Status(); }

 private:
  const std::vector<std::string>& v_;
  size_t i_ = 0;
};

}  // namespace

std::string train_sentencepiece(const std::vector<std::string>& sentences, const SpmTrainOptions& o) {
  VCC_USER_CHECK(!sentences.empty(), "spm-train: no training sentences");
  VCC_USER_CHECK(o.vocab_size >= 4, "spm-train: vocabulary size must be at least 4, got ", o.vocab_size);
  std::string symbols;
  for (const std::string& s : o.user_defined_symbols) {
    VCC_USER_CHECK(s.find(',') == std::string::npos, "spm-train: user-defined symbol '", s, "' contains a comma");
    symbols += (symbols.empty() ? "" : ",") + s;
  }
  std::ostringstream args;
  args << "--vocab_size=" << o.vocab_size << " --model_type=" << o.model_type
       << " --character_coverage=" << o.character_coverage
       << " --hard_vocab_limit=" << (o.hard_vocab_limit ? "true" : "false")
       << " --pad_id=0 --eos_id=1 --unk_id=2 --bos_id=-1"
       << " --input_sentence_size=" << o.max_sentences
       << " --shuffle_input_sentence=false"
       << " --num_threads=1"  // reproducible: the same model from the same text
       << " --minloglevel=2";
  if (!symbols.empty()) args << " --user_defined_symbols=" << symbols;
  for (const std::string& s : o.user_defined_symbols)
    VCC_USER_CHECK(s.find_first_of(" \t\n") == std::string::npos, "spm-train: user-defined symbol '", s,
                   "' contains whitespace");
  VectorIterator it(sentences);
  std::string model;
  // The trainer logs every step at INFO level (even before it parses --minloglevel).
  const int log_level = sentencepiece::logging::GetMinLogLevel();
  sentencepiece::logging::SetMinLogLevel(2);
  auto status = sentencepiece::SentencePieceTrainer::Train(args.str(), &it, &model);
  sentencepiece::logging::SetMinLogLevel(log_level);
  VCC_USER_CHECK(status.ok(), "spm-train: SentencePiece training failed: ", status.ToString());
  VCC_USER_CHECK(!model.empty(), "spm-train: SentencePiece returned an empty model");
  return model;
}

void train_sentencepiece_file(const std::string& corpus_path, const std::string& model_path,
                              const SpmTrainOptions& options) {
  std::ifstream in(corpus_path, std::ios::binary);
  VCC_USER_CHECK(in.good(), corpus_path, ": cannot open");
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line) && static_cast<int64_t>(lines.size()) < options.max_sentences) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) lines.push_back(line);
  }
  VCC_USER_CHECK(!lines.empty(), corpus_path, ": no text to train on");
  io::write_text_file_atomically(model_path, train_sentencepiece(lines, options));
}

}  // namespace vcc::data
