#pragma once
// Python 3 `str` semantics that the official metric scripts rely on (lower(), split(), \w), via ICU.
#include <string>
#include <string_view>
#include <vector>

namespace vcc::eval {

// The scripts work on Python str (code points), so the metrics do too. Ill-formed UTF-8
// cannot come from a Python str and is rejected with vcc::Error.
std::u32string utf8_to_code_points(std::string_view utf8);
std::string code_points_to_utf8(std::u32string_view text);

// str.lower(): the full Unicode lowercase mapping with Python's special cases (U+0130 becomes
// "i" + U+0307, capital sigma becomes final sigma at the end of a word, U+212A becomes "k").
// No case folding and no normalisation: "ß" stays "ß", NFC and NFD stay different.
std::u32string python_lower(std::u32string_view text);

// str.isspace() for one code point: the separators of the argument-less str.split().
bool python_isspace(char32_t c);

// str.isalnum() for one code point (letters, and anything with a numeric value).
bool python_isalnum(char32_t c);

// A word character for Python's str patterns (\w and \b): isalnum() or '_'.
bool python_is_word_char(char32_t c);

// str.split() with no argument: runs of python_isspace() separate, empty pieces are dropped.
std::vector<std::u32string> python_split(std::u32string_view text);

}  // namespace vcc::eval
