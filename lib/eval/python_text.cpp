#include "eval/python_text.h"

#include <cstdint>

#include <unicode/locid.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

#include "core/error.h"

namespace vcc::eval {

std::u32string utf8_to_code_points(std::string_view utf8) {
  // ICU's UTF-8 macros index with int32_t.
  VCC_USER_CHECK(utf8.size() <= static_cast<size_t>(INT32_MAX), "text of ", utf8.size(),
                 " bytes is too long to score");
  std::u32string out;
  out.reserve(utf8.size());
  const auto* bytes = reinterpret_cast<const uint8_t*>(utf8.data());
  const auto length = static_cast<int32_t>(utf8.size());
  int32_t i = 0;
  while (i < length) {
    const int32_t start = i;
    UChar32 c = 0;
    U8_NEXT(bytes, i, length, c);
    VCC_USER_CHECK(c >= 0, "text is not valid UTF-8 (bad byte sequence at byte ", start, ")");
    out.push_back(static_cast<char32_t>(c));
  }
  return out;
}

std::string code_points_to_utf8(std::u32string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char32_t c : text) {
    uint8_t buffer[U8_MAX_LENGTH];
    int32_t n = 0;
    UBool error = false;
    U8_APPEND(buffer, n, U8_MAX_LENGTH, static_cast<UChar32>(c), error);
    VCC_CHECK(!error, "code point U+", std::hex, static_cast<uint32_t>(c), " cannot be encoded");
    out.append(reinterpret_cast<const char*>(buffer), static_cast<size_t>(n));
  }
  return out;
}

std::u32string python_lower(std::u32string_view text) {
  // ASCII needs no context (no sigma, no special cases): skip ICU for the common case.
  bool ascii = true;
  for (char32_t c : text) ascii = ascii && c < 0x80;
  if (ascii) {
    std::u32string out(text);
    for (char32_t& c : out)
      if (c >= U'A' && c <= U'Z') c += U'a' - U'A';
    return out;
  }
  // The root locale gives the language-independent full mapping, which is what Python
  // applies: unconditional SpecialCasing entries plus the Final_Sigma context.
  icu::UnicodeString s = icu::UnicodeString::fromUTF32(
      reinterpret_cast<const UChar32*>(text.data()), static_cast<int32_t>(text.size()));
  s.toLower(icu::Locale::getRoot());
  std::u32string out(static_cast<size_t>(s.countChar32()), U'\0');
  UErrorCode status = U_ZERO_ERROR;
  const int32_t n = s.toUTF32(reinterpret_cast<UChar32*>(out.data()),
                              static_cast<int32_t>(out.size()), status);
  VCC_CHECK(U_SUCCESS(status) && static_cast<size_t>(n) == out.size(),
            "ICU lowercase conversion failed: ", u_errorName(status));
  return out;
}

bool python_isspace(char32_t c) {
  // CPython marks a code point as whitespace when its bidirectional class is WS, B or S, or
  // its general category is Zs (Tools/unicode/makeunicodedata.py).
  const auto cp = static_cast<UChar32>(c);
  if (u_charType(cp) == U_SPACE_SEPARATOR) return true;
  const UCharDirection dir = u_charDirection(cp);
  return dir == U_WHITE_SPACE_NEUTRAL || dir == U_BLOCK_SEPARATOR || dir == U_SEGMENT_SEPARATOR;
}

bool python_isalnum(char32_t c) {
  // isalnum() = isalpha() (categories Lu Ll Lt Lm Lo) or isdecimal/isdigit/isnumeric(); the
  // last three are nested, so "has any numeric type" covers all of them.
  const auto cp = static_cast<UChar32>(c);
  switch (u_charType(cp)) {
    case U_UPPERCASE_LETTER:
    case U_LOWERCASE_LETTER:
    case U_TITLECASE_LETTER:
    case U_MODIFIER_LETTER:
    case U_OTHER_LETTER:
      return true;
    default:
      break;
  }
  return u_getIntPropertyValue(cp, UCHAR_NUMERIC_TYPE) != U_NT_NONE;
}

bool python_is_word_char(char32_t c) { return c == U'_' || python_isalnum(c); }

std::vector<std::u32string> python_split(std::u32string_view text) {
  std::vector<std::u32string> pieces;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && python_isspace(text[i])) ++i;
    const size_t start = i;
    while (i < text.size() && !python_isspace(text[i])) ++i;
    if (i > start) pieces.emplace_back(text.substr(start, i - start));
  }
  return pieces;
}

}  // namespace vcc::eval
