#include "eval/answer_normalization.h"

#include <array>

#include "eval/python_text.h"

namespace vcc::eval {
namespace {

// Python's string.punctuation: exactly these 32 ASCII characters. Non-ASCII punctuation
// (curly quotes, dashes, CJK marks) is kept by the official scripts.
bool is_ascii_punctuation(char32_t c) {
  static constexpr std::u32string_view kPunctuation = U"!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
  return c < 0x80 && kPunctuation.find(c) != std::u32string_view::npos;
}

std::u32string remove_punctuation(std::u32string_view text) {
  std::u32string out;
  out.reserve(text.size());
  for (char32_t c : text)
    if (!is_ascii_punctuation(c)) out.push_back(c);  // deleted, not replaced by a space
  return out;
}

// Python re `\b` at position i of a str: exactly one side is a word character (\w).
bool at_word_boundary(std::u32string_view text, size_t i) {
  const bool before = i > 0 && python_is_word_char(text[i - 1]);
  const bool after = i < text.size() && python_is_word_char(text[i]);
  return before != after;
}

// re.sub(r'\b(a|an|the)\b', ' ', text): scan left to right; at each position the
// alternatives are tried in pattern order, and a match resumes the scan after itself.
std::u32string remove_articles(std::u32string_view text) {
  static constexpr std::array<std::u32string_view, 3> kArticles = {U"a", U"an", U"the"};
  std::u32string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    size_t matched = 0;
    if (at_word_boundary(text, i)) {
      for (std::u32string_view article : kArticles) {
        if (text.substr(i, article.size()) == article && at_word_boundary(text, i + article.size())) {
          matched = article.size();
          break;
        }
      }
    }
    if (matched > 0) {
      out.push_back(U' ');
      i += matched;
    } else {
      out.push_back(text[i]);
      ++i;
    }
  }
  return out;
}

std::vector<std::u32string> normalized_pieces(std::string_view text) {
  const std::u32string lowered = python_lower(utf8_to_code_points(text));
  return python_split(remove_articles(remove_punctuation(lowered)));
}

}  // namespace

std::string normalize_answer(std::string_view text) {
  std::string out;
  for (const std::u32string& piece : normalized_pieces(text)) {
    if (!out.empty()) out.push_back(' ');
    out += code_points_to_utf8(piece);
  }
  return out;
}

std::vector<std::string> answer_tokens(std::string_view text) {
  // ' '.join(pieces).split() gives the pieces back: none of them contains whitespace.
  std::vector<std::string> tokens;
  for (const std::u32string& piece : normalized_pieces(text)) tokens.push_back(code_points_to_utf8(piece));
  return tokens;
}

}  // namespace vcc::eval
