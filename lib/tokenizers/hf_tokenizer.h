#pragma once
// A Hugging Face tokenizer (tokenizer.json, or the legacy vocab.json + merges.txt / vocab.txt
// files) reimplemented in C++: same ids, token types and UTF-8 byte offsets as HF `tokenizers`.
//
// Pipeline, as HF runs it: added tokens are split out of the raw text; every other piece is
// normalized (offsets tracked per byte back to the input), pre-tokenized into words, cut
// into tokens by the model (BPE, WordPiece, Unigram), and the post-processor adds the
// special tokens of the template. Truncation and padding in the file are ignored.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace vcc::tokenizers {

// One encoded input (a text, or a text pair). Offsets are byte spans [begin, end) in the
// token's own input; special tokens added by the post-processor have [0, 0] and sequence -1.
struct HfEncoding {
  std::vector<int32_t> ids;
  std::vector<int32_t> type_ids;
  std::vector<int32_t> sequence_ids;  // 0 = text, 1 = pair, -1 = added by the post-processor
  std::vector<int64_t> begin;
  std::vector<int64_t> end;
  size_t size() const { return ids.size(); }
};

class HfTokenizer {
 public:
  HfTokenizer();
  ~HfTokenizer();
  HfTokenizer(HfTokenizer&&) noexcept;
  HfTokenizer& operator=(HfTokenizer&&) noexcept;

  // Loads a tokenizer.json file, a vocab.txt (BERT WordPiece), a vocab.json (with merges.txt
  // beside it, GPT-2/RoBERTa byte-level BPE), or a folder holding one of these (tokenizer.json
  // first). Errors are one line naming the file and the problem.
  static HfTokenizer load(const std::string& path);
  // True if `path` is something load() can read (used to tell HF folders from .model files).
  static bool looks_like_hf(const std::string& path);

  // with_special: apply the post-processor (special tokens of the template).
  HfEncoding encode(std::string_view text, bool with_special = true) const;
  HfEncoding encode_pair(std::string_view text, std::string_view pair, bool with_special = true) const;

  // Text of model ids (no special-token handling): byte-level bytes restored, WordPiece
  // "##" pieces glued, Metaspace "▁" back to spaces.
  std::string decode(const std::vector<int>& ids) const;

  const std::string& path() const;      // the file read (tokenizer.json, vocab.txt or vocab.json)
  const std::string& kind() const;      // "BPE", "WordPiece" or "Unigram"
  int64_t vocab_size() const;           // model vocabulary plus added tokens (max id + 1)
  int32_t token_to_id(std::string_view token) const;  // -1 if unknown
  std::string id_to_token(int32_t id) const;           // "" if out of range
  bool is_special(int32_t id) const;    // an added token marked special
  // Special-token ids by role, -1 where the tokenizer has none.
  int32_t pad_id() const;
  int32_t eos_id() const;  // </s> or [SEP]
  int32_t bos_id() const;  // <s> or [CLS]
  int32_t unk_id() const;
  // True if the tokenizer.json sets truncation or padding (which vcc ignores: it windows and
  // truncates documents itself).
  bool file_sets_truncation_or_padding() const;
  // SHA-256 of the bytes of every file read.
  const std::string& hash() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace vcc::tokenizers
