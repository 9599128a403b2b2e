#include "tokenizers/precompiled_charsmap.h"

#include <unicode/brkiter.h>
#include <unicode/utext.h>

#include <cstring>
#include <memory>

#include "core/error.h"

namespace vcc::tokenizers {

PrecompiledCharsmap::PrecompiledCharsmap(std::string blob, const std::string& where) {
  VCC_USER_CHECK(blob.size() >= 4, where, ": precompiled_charsmap is shorter than its header");
  uint32_t trie_bytes = 0;
  std::memcpy(&trie_bytes, blob.data(), 4);  // little-endian, as SentencePiece writes it
  VCC_USER_CHECK(trie_bytes % 4 == 0 && 4 + static_cast<size_t>(trie_bytes) <= blob.size(), where,
                 ": precompiled_charsmap trie size ", trie_bytes, " does not fit its ", blob.size(), " bytes");
  trie_.resize(trie_bytes / 4);
  std::memcpy(trie_.data(), blob.data() + 4, trie_bytes);
  normalized_ = blob.substr(4 + trie_bytes);
  VCC_USER_CHECK(!trie_.empty(), where, ": precompiled_charsmap has an empty trie");
}

// Darts-clone unit layout: see darts.h (has_leaf bit 8, label low byte + bit 31, offset).
static inline bool unit_has_leaf(uint32_t u) { return (u >> 8) & 1; }
static inline uint32_t unit_value(uint32_t u) { return u & ((1U << 31) - 1); }
static inline uint32_t unit_label(uint32_t u) { return u & ((1U << 31) | 0xFF); }
static inline uint32_t unit_offset(uint32_t u) { return (u >> 10) << ((u & (1U << 9)) >> 6); }

const char* PrecompiledCharsmap::transform(std::string_view chunk, size_t* out_len) const {
  size_t pos = 0;
  uint32_t unit = trie_[0];
  pos ^= unit_offset(unit);
  for (size_t i = 0; i < chunk.size(); ++i) {
    uint32_t label = static_cast<unsigned char>(chunk[i]);
    pos ^= label;
    if (pos >= trie_.size()) return nullptr;
    unit = trie_[pos];
    if (unit_label(unit) != label) return nullptr;
    pos ^= unit_offset(unit);
    if (unit_has_leaf(unit)) {
      if (pos >= trie_.size()) return nullptr;
      // HF takes the first (shortest) match.
      size_t index = unit_value(trie_[pos]);
      if (index >= normalized_.size()) return nullptr;
      size_t end = normalized_.find('\0', index);
      if (end == std::string::npos) end = normalized_.size();
      *out_len = end - index;
      return normalized_.data() + index;
    }
  }
  return nullptr;
}

AlignedText PrecompiledCharsmap::normalize(const AlignedText& in) const {
  std::string text;
  std::vector<int32_t> char_of_byte;
  encode_aligned(in, text, char_of_byte);
  AlignedText out;
  out.reserve(in.size());
  UErrorCode status = U_ZERO_ERROR;
  UText* ut = utext_openUTF8(nullptr, text.data(), static_cast<int64_t>(text.size()), &status);
  std::unique_ptr<icu::BreakIterator> it(icu::BreakIterator::createCharacterInstance(icu::Locale::getRoot(), status));
  VCC_CHECK(U_SUCCESS(status), "ICU grapheme iterator: ", u_errorName(status));
  it->setText(ut, status);
  std::vector<char32_t> repl;
  auto apply = [&](size_t b, size_t e) -> bool {
    size_t len = 0;
    const char* r = transform(std::string_view(text).substr(b, e - b), &len);
    if (!r) return false;
    AlignedText dec = decode_aligned(std::string_view(r, len));
    repl.clear();
    for (auto& a : dec) repl.push_back(a.c);
    size_t cb = char_of_byte[b], ce = e < text.size() ? char_of_byte[e] : in.size();
    replace_aligned(out, in.data() + cb, ce - cb, repl.data(), repl.size());
    return true;
  };
  int32_t start = it->first();
  for (int32_t stop = it->next(); stop != icu::BreakIterator::DONE; start = stop, stop = it->next()) {
    size_t b = start, e = stop;
    if (e - b < 6 && apply(b, e)) continue;
    for (size_t p = b; p < e;) {
      size_t ci = char_of_byte[p];
      size_t q = p + 1;
      while (q < e && char_of_byte[q] == static_cast<int32_t>(ci)) ++q;
      if (!apply(p, q)) out.push_back(in[ci]);
      p = q;
    }
  }
  utext_close(ut);
  return out;
}

}  // namespace vcc::tokenizers
