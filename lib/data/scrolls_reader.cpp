#include "data/scrolls_reader.h"

#include <map>

#include "core/error.h"
#include "data/text_io.h"

namespace vcc::data {

std::vector<Example> read_scrolls(const std::string& path, ScrollsQuery mode) {
  std::vector<Example> out;
  std::vector<std::string> group_of;  // the SCROLLS id of each example
  std::map<std::string, std::vector<std::string>> outputs;
  for_each_jsonl(path, [&](const Json& r, int64_t line) {
    std::string where = path + ":" + std::to_string(line);
    std::string id = json_string(r, "id", where);
    std::string input = json_string(r, "input", where);
    Example ex;
    ex.id = json_string_or(r, "pid", id);
    if (mode == ScrollsQuery::Summarize) {
      ex.query = "summarize";
      ex.context = input;
    } else if (mode == ScrollsQuery::FirstParagraph) {
      size_t sep = input.find("\n\n");
      VCC_USER_CHECK(sep != std::string::npos, where, ": 'input' has no blank line between query and context");
      ex.query = input.substr(0, sep);
      ex.context = input.substr(sep + 2);
    } else {
      size_t d = input.find(" (D) ");
      VCC_USER_CHECK(d != std::string::npos, where, ": QuALITY 'input' has no \" (D) \" option line");
      size_t eol = input.find('\n', d);
      ex.query = input.substr(0, eol);
      ex.context = eol == std::string::npos ? "" : input.substr(eol + 1);
    }
    ex.target = json_string_or(r, "output", "");
    if (!ex.target.empty()) outputs[id].push_back(ex.target);
    group_of.push_back(id);
    out.push_back(std::move(ex));
  });
  for (size_t i = 0; i < out.size(); ++i) {
    out[i].answers = outputs[group_of[i]];
    out[i].answer_type = out[i].answers.empty() ? AnswerType::None : AnswerType::Span;
  }
  return out;
}

}  // namespace vcc::data
