#pragma once
// Training a SentencePiece model from text (one sentence per line), written atomically.
#include <cstdint>
#include <string>
#include <vector>

namespace vcc::data {

struct SpmTrainOptions {
  int64_t vocab_size = 8000;
  std::string model_type = "unigram";  // unigram, bpe, word or char
  // Pieces kept whole wherever they occur (e.g. "▁kabo" = the word " kabo").
  std::vector<std::string> user_defined_symbols;
  double character_coverage = 1.0;
  // With false, vocab_size is an upper bound (a small corpus may give fewer pieces).
  bool hard_vocab_limit = true;
  // Ids as T5: <pad> 0, </s> 1, <unk> 2, no <s>.
  int64_t max_sentences = 2000000;  // lines used (the first ones; no sampling, so reproducible)
};

// Trains on `sentences` and returns the serialized model.
std::string train_sentencepiece(const std::vector<std::string>& sentences, const SpmTrainOptions& options);
// Trains on the lines of `corpus_path` and writes the model to `model_path` (via a temp file).
void train_sentencepiece_file(const std::string& corpus_path, const std::string& model_path,
                              const SpmTrainOptions& options);

}  // namespace vcc::data
