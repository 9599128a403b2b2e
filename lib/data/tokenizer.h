#pragma once
// Tokenizer: a SentencePiece model or a Hugging Face tokenizer (tokenizer.json, vocab.txt,
// vocab.json + merges.txt, or a folder of one of them), plus the ids vcc adds after it (T5
// sentinels, task markers), with byte offsets for mapping answer spans onto tokens.
//
// A Hugging Face tokenizer brings its own special and added tokens (T5's sentinels among
// them): its ids are [0, V) with V = max id + 1, extra_ids() is 0, and the task markers
// follow at V, V + 1, ... Its post-processor template is not applied; add_eos appends its
// </s> (or [SEP]).
//
// Id layout (as Hugging Face's T5 tokenizer): [0, P) the model's P pieces; then E sentinel
// ids with <extra_id_N> = P + E - 1 - N (T5: P = 32000, E = 100, <extra_id_0> = 32099);
// then the added tokens in the order given (HotpotQA's [cls] [qs] ... = 32100, 32101, ...).
// Sentinels, added tokens and the model's <pad>, </s>, <unk> strings are split out of the
// text first (longest match, left to right); every piece of text between them is encoded
// by SentencePiece on its own, which is what Hugging Face does with added tokens.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sentencepiece {
class SentencePieceProcessor;
}

namespace vcc::tokenizers {
class HfTokenizer;
}

namespace vcc::data {

struct TokenizerOptions {
  // Number of <extra_id_N> sentinels. -1 = automatic: 100 for a 32,000-piece model whose
  // ids 0, 1, 2 are <pad>, </s>, <unk> (the T5 vocabulary), otherwise 0.
  int extra_ids = -1;
  // Extra tokens with ids after the sentinels (duplicates and existing pieces are errors).
  std::vector<std::string> added_tokens;
};

// Token ids with the byte range [begin, end) of the input text each one came from
// (an appended </s> has begin == end == text size).
struct Encoding {
  std::vector<int32_t> ids;
  std::vector<int64_t> begin;
  std::vector<int64_t> end;
  size_t size() const { return ids.size(); }
};

class Tokenizer {
 public:
  Tokenizer() = default;
  // Loads a SentencePiece .model file, or a Hugging Face tokenizer file or folder (see
  // tokenizers::HfTokenizer::load); errors name the file.
  static Tokenizer load(const std::string& model_path, const TokenizerOptions& options = {});

  bool loaded() const { return sp_ != nullptr || hf_ != nullptr; }
  bool is_hugging_face() const { return hf_ != nullptr; }
  const std::string& model_path() const { return model_path_; }
  int64_t base_vocab_size() const { return base_size_; }  // pieces in the .model (HF: its ids)
  int extra_ids() const { return extra_ids_; }
  const std::vector<std::string>& added_tokens() const { return added_; }
  // All ids: pieces + sentinels + added tokens (the embedding table needs this many rows).
  int64_t vocab_size() const { return base_size_ + extra_ids_ + static_cast<int64_t>(added_.size()); }

  int32_t pad_id() const { return pad_id_; }  // the model's <pad>; its </s> if it has none
  int32_t eos_id() const { return eos_id_; }  // -1 if the model has no </s>
  int32_t unk_id() const { return unk_id_; }
  int32_t sentinel_id(int n) const;           // <extra_id_n>
  // Id of a piece, sentinel or added token; -1 if unknown.
  int32_t token_to_id(std::string_view token) const;
  std::string id_to_token(int32_t id) const;
  bool is_special(int32_t id) const;  // pad, eos, unk, control pieces and sentinels

  std::vector<int32_t> encode(std::string_view text, bool add_eos = false) const;
  Encoding encode_with_offsets(std::string_view text, bool add_eos = false) const;
  // Text of the ids; added tokens are written as themselves, separated by spaces.
  std::string decode(const std::vector<int32_t>& ids, bool skip_special = true) const;

  // Stable identity: SHA-256 of the model bytes, the sentinel count and the added tokens.
  const std::string& hash() const { return hash_; }
  // One line: path, sizes, special ids, hash prefix.
  std::string describe() const;

 private:
  struct Special {
    std::string text;
    int32_t id;
  };
  void append_pieces(std::string_view text, int64_t offset, Encoding& out) const;

  static Tokenizer load_hugging_face(const std::string& path, const TokenizerOptions& options);

  std::shared_ptr<const sentencepiece::SentencePieceProcessor> sp_;
  std::shared_ptr<const tokenizers::HfTokenizer> hf_;
  std::string kind_ = "SentencePiece";
  std::string model_path_;
  int64_t base_size_ = 0;
  int extra_ids_ = 0;
  std::vector<std::string> added_;
  std::vector<Special> specials_;  // split out of text, longest first
  std::string special_first_chars_;
  int32_t pad_id_ = -1, eos_id_ = -1, unk_id_ = -1;
  std::string hash_;
};

}  // namespace vcc::data
