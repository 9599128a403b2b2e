#include "eval/rouge_tokenizer.h"

#include "eval/porter_stemmer.h"
#include "eval/python_text.h"

namespace vcc::eval {

std::vector<std::string> rouge_tokenize(std::string_view text, bool use_stemmer) {
  const std::u32string lowered = python_lower(utf8_to_code_points(text));
  std::vector<std::string> tokens;
  std::string current;
  auto flush = [&] {
    if (current.empty()) return;
    // rouge-score leaves tokens of up to 3 characters alone ("was", "his"), stems the rest.
    std::string token = use_stemmer && current.size() > 3 ? porter_stem(current) : current;
    // The final ^[a-z0-9]+$ filter would drop an empty stem.
    if (!token.empty()) tokens.push_back(std::move(token));
    current.clear();
  };
  for (char32_t c : lowered) {
    if ((c >= U'a' && c <= U'z') || (c >= U'0' && c <= U'9'))
      current.push_back(static_cast<char>(c));
    else
      flush();
  }
  flush();
  return tokens;
}

}  // namespace vcc::eval
