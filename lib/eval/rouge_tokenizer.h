#pragma once
// rouge-score 0.1.2's DefaultTokenizer: Python lower(), ASCII [a-z0-9]+ runs, Porter stem for tokens longer than 3.
#include <string>
#include <string_view>
#include <vector>

namespace vcc::eval {

// Equivalent to findall('[a-z0-9]+', text.lower()) followed, when `use_stemmer`, by the
// NLTK Porter stemmer on tokens of more than 3 characters. Everything that is not an ASCII
// letter or digit separates tokens, non-ASCII letters included ("café" -> "caf"); the Kelvin
// sign and U+0130 lower to ASCII letters and so do make tokens.
std::vector<std::string> rouge_tokenize(std::string_view text, bool use_stemmer);

}  // namespace vcc::eval
