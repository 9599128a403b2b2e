#include "data/summarization_reader.h"

#include "core/error.h"
#include "data/text_io.h"

namespace vcc::data {

std::vector<Example> read_summarization_jsonl(const std::string& path) {
  std::vector<Example> out;
  for_each_jsonl(path, [&](const Json& r, int64_t line) {
    std::string where = path + ":" + std::to_string(line);
    Example ex;
    const Json& id = json_field(r, "id", where);
    VCC_USER_CHECK(id.is_string() || id.is_number_integer(), where, ": field 'id' must be a string or an integer");
    ex.id = json_scalar_text(id);
    ex.query = "summarize";
    ex.context = json_string(r, "document", where);
    ex.target = json_string_or(r, "summary", "");
    if (!ex.target.empty()) ex.answers = {ex.target};
    ex.answer_type = ex.answers.empty() ? AnswerType::None : AnswerType::Span;
    out.push_back(std::move(ex));
  });
  return out;
}

}  // namespace vcc::data
