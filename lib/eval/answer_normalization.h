#pragma once
// Answer normalisation of the SQuAD v1.1 / HotpotQA scripts: lower, drop ASCII punctuation, drop articles, fix spaces.
#include <string>
#include <string_view>
#include <vector>

namespace vcc::eval {

// normalize_answer(s) = white_space_fix(remove_articles(remove_punc(lower(s)))), in that order,
// with Python semantics throughout (see python_text.h). Returns UTF-8.
std::string normalize_answer(std::string_view text);

// normalize_answer(text).split(): the tokens that EM/F1 compare.
std::vector<std::string> answer_tokens(std::string_view text);

}  // namespace vcc::eval
