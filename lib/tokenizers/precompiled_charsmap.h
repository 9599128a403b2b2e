#pragma once
// SentencePiece's precompiled normalization map (the `precompiled_charsmap` of a Unigram
// tokenizer.json, e.g. T5's nmt_nfkc): a Darts double-array trie from UTF-8 sequences to
// replacement strings, applied per grapheme cluster as Hugging Face's Precompiled normalizer does.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizers/normalized_text.h"

namespace vcc::tokenizers {

class PrecompiledCharsmap {
 public:
  // `blob`: the decoded bytes; `where` names the file in errors.
  PrecompiledCharsmap(std::string blob, const std::string& where);
  // The replacement of the shortest key that prefixes `chunk`, or nullptr.
  const char* transform(std::string_view chunk, size_t* out_len) const;
  AlignedText normalize(const AlignedText& in) const;

 private:
  std::vector<uint32_t> trie_;
  std::string normalized_;
};

}  // namespace vcc::tokenizers
