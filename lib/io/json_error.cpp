#include "io/json_error.h"

#include <algorithm>

#include "core/error.h"

namespace vcc::io {
namespace {

std::pair<size_t, size_t> line_and_column_of(const std::string& text, size_t offset) {
  const size_t end = std::min(offset, text.size());
  size_t line = 1, column = 1;
  for (size_t i = 0; i < end; ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return {line, column};
}

}  // namespace

std::string json_error_reason(const nlohmann::json::exception& e) {
  std::string what = e.what();
  const size_t bracket = what.find("] ");
  if (what.rfind("[json.exception.", 0) == 0 && bracket != std::string::npos) what = what.substr(bracket + 2);
  // "parse error at line 2, column 6: syntax error ..." -> "syntax error ..."
  if (what.rfind("parse error at line ", 0) == 0) {
    const size_t colon = what.find(": ");
    if (colon != std::string::npos) what = what.substr(colon + 2);
  }
  return what;
}

std::pair<size_t, size_t> json_error_position(const nlohmann::json::exception& e, const std::string& text) {
  if (const auto* parse = dynamic_cast<const nlohmann::json::parse_error*>(&e))
    return line_and_column_of(text, parse->byte == 0 ? 0 : parse->byte - 1);
  // out_of_range.406 "number overflow parsing '1e999'": the position is not recorded, but
  // the number's text is; its first occurrence outside a string is where the parser stopped
  // in practice (a string holding the same text earlier would only misplace the line).
  const std::string what = e.what();
  const size_t open = what.find('\'');
  const size_t close = open == std::string::npos ? open : what.find('\'', open + 1);
  if (close == std::string::npos || close == open + 1) return {0, 0};
  const size_t at = text.find(what.substr(open + 1, close - open - 1));
  if (at == std::string::npos) return {0, 0};
  return line_and_column_of(text, at);
}

std::string json_error_message(const nlohmann::json::exception& e, const std::string& text,
                               const std::string& source) {
  const auto [line, column] = json_error_position(e, text);
  if (line == 0) return detail::concat(source, ": malformed JSON: ", json_error_reason(e));
  return detail::concat(source, ":", line, ":", column, ": malformed JSON: ", json_error_reason(e));
}

}  // namespace vcc::io
