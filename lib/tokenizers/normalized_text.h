#pragma once
// Text under normalization, one code point at a time, each carrying the byte span of the
// input it came from, so that token offsets map back to the input as Hugging Face's do.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace vcc::tokenizers {

struct AlignedChar {
  char32_t c;
  int64_t begin, end;  // byte span in the input
};
using AlignedText = std::vector<AlignedChar>;

// Decodes UTF-8 (a malformed byte becomes U+FFFD covering that byte); spans start at `base`.
AlignedText decode_aligned(std::string_view s, int64_t base = 0);
void append_utf8(std::string& out, char32_t c);
// UTF-8 text of the chars plus, per byte, the index of the char it belongs to.
void encode_aligned(const AlignedText& t, std::string& text, std::vector<int32_t>& char_of_byte);

// Replaces the chars [from, to) of `t` by `repl`, the way Hugging Face's NormalizedString
// transform aligns them: the k-th new char takes the span of the k-th old one, new chars past
// the old count take the span of the last old one, and surplus old chars are dropped.
void replace_aligned(AlignedText& out, const AlignedChar* old_begin, size_t old_count,
                     const char32_t* repl, size_t repl_count);

}  // namespace vcc::tokenizers
