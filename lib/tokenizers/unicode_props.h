#pragma once
// Unicode character classes as Hugging Face's Rust code tests them, answered by ICU.
#include <string>

namespace vcc::tokenizers {

bool is_whitespace(char32_t c);   // Rust char::is_whitespace (White_Space)
bool is_letter(char32_t c);       // \p{L}
bool is_number(char32_t c);       // \p{N}
bool is_punctuation(char32_t c);  // \p{P}
bool is_bert_punctuation(char32_t c);  // ASCII symbols or \p{P}
bool is_other(char32_t c);        // \p{C}: control, format, unassigned, private use, surrogate
bool is_mark_nonspacing(char32_t c);   // \p{Mn}
bool is_chinese_char(char32_t c);      // BERT's CJK ideograph blocks
bool is_word_char(char32_t c);    // regex \w: letters, marks, numbers, connector punctuation
// Full lowercase mapping of one code point (may be several).
std::u32string to_lower(char32_t c);
// Canonical (compat = false) or compatibility decomposition of one code point.
std::u32string decompose(char32_t c, bool compat);

}  // namespace vcc::tokenizers
