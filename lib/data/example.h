#pragma once
// Example: one question/context/answer record as every dataset reader returns it.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace vcc::data {

// How an example is answered; stored as int32 in the HDF5 datasets.
enum class AnswerType : int32_t {
  Span = 0,  // a text span of the context (extractive) or free text (generative)
  Yes = 1,
  No = 2,
  None = 3,  // no reference answer, or (after encoding) a span that could not be located
};
std::string_view answer_type_name(AnswerType t);
// "span", "yes", "no", "none"; anything else is an error naming `where`.
AnswerType parse_answer_type(std::string_view name, const std::string& where);

struct SupportingFact {
  std::string title;
  int64_t sentence = 0;
};

struct Example {
  std::string id;
  std::string query;    // the VIP part: encoded first, and alone for the importance mask
  std::string context;  // follows the query after "\n\n\n"
  std::vector<std::string> answers;  // every reference answer (evaluation)
  AnswerType answer_type = AnswerType::Span;
  std::vector<SupportingFact> supporting_facts;  // HotpotQA only
  std::string target;  // decoder target (usually answers[0]); empty = none
};

}  // namespace vcc::data
