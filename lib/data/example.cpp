#include "data/example.h"

#include "core/error.h"

namespace vcc::data {

std::string_view answer_type_name(AnswerType t) {
  switch (t) {
    case AnswerType::Span: return "span";
    case AnswerType::Yes: return "yes";
    case AnswerType::No: return "no";
    case AnswerType::None: return "none";
  }
  return "?";
}

AnswerType parse_answer_type(std::string_view name, const std::string& where) {
  if (name == "span") return AnswerType::Span;
  if (name == "yes") return AnswerType::Yes;
  if (name == "no") return AnswerType::No;
  if (name == "none") return AnswerType::None;
  VCC_USER_CHECK(false, where, ": answer_type '", name, "' is not one of span, yes, no, none");
  return AnswerType::None;
}

}  // namespace vcc::data
