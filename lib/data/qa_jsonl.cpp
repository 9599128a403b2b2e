#include "data/qa_jsonl.h"

#include "core/error.h"
#include "data/text_io.h"
#include "io/config.h"

namespace vcc::data {

std::vector<Example> read_qa_jsonl(const std::string& path) {
  std::vector<Example> out;
  for_each_jsonl(path, [&](const Json& r, int64_t line) {
    std::string where = path + ":" + std::to_string(line);
    Example ex;
    const Json& id = json_field(r, "id", where);
    VCC_USER_CHECK(id.is_string() || id.is_number_integer(), where, ": field 'id' must be a string or an integer");
    ex.id = json_scalar_text(id);
    ex.query = json_string(r, "question", where);
    ex.context = json_string(r, "context", where);
    auto a = r.find("answers");
    if (a != r.end() && a->is_object())
      ex.answers = json_string_list(*a, "text", where + " answers");
    else
      ex.answers = json_string_list(r, "answers", where);
    if (r.contains("answer_type"))
      ex.answer_type = parse_answer_type(json_string(r, "answer_type", where), where);
    else
      ex.answer_type = ex.answers.empty() ? AnswerType::None : AnswerType::Span;
    ex.target = json_string_or(r, "target", ex.answers.empty() ? "" : ex.answers[0]);
    out.push_back(std::move(ex));
  });
  return out;
}

void write_qa_jsonl(const std::string& path, const std::vector<Example>& examples) {
  std::string text;
  for (const Example& ex : examples) {
    Json r;
    r["id"] = ex.id;
    r["question"] = ex.query;
    r["context"] = ex.context;
    r["answers"] = ex.answers;
    AnswerType implied = ex.answers.empty() ? AnswerType::None : AnswerType::Span;
    if (ex.answer_type != implied) r["answer_type"] = std::string(answer_type_name(ex.answer_type));
    if (ex.target != (ex.answers.empty() ? "" : ex.answers[0])) r["target"] = ex.target;
    text += r.dump(-1, ' ', false, Json::error_handler_t::replace);
    text += '\n';
  }
  io::write_text_file_atomically(path, text);
}

}  // namespace vcc::data
