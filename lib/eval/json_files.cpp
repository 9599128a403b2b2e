#include "eval/json_files.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/error.h"

namespace vcc::eval {
namespace {

std::ifstream open_input(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  VCC_USER_CHECK(in.is_open(), "cannot open ", path, ": ", std::strerror(errno));
  return in;
}

// nlohmann's what() is "[json.exception.parse_error.101] parse error at line 1, column 5:
// syntax error ..."; keep the part after the position, since the caller gives its own.
std::string parse_error_reason(const nlohmann::json::parse_error& e) {
  const std::string what = e.what();
  const size_t column = what.find("column ");
  const size_t colon = what.find(": ", column == std::string::npos ? 0 : column);
  return colon == std::string::npos ? what : what.substr(colon + 2);
}

// Line and column (1-based) of the byte offset nlohmann reports (1-based, the last byte read).
std::pair<size_t, size_t> line_and_column(const std::string& text, size_t byte) {
  const size_t end = std::min(byte == 0 ? 0 : byte - 1, text.size());
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

bool is_blank(const std::string& line) {
  return line.find_first_not_of(" \t\r\n") == std::string::npos;
}

}  // namespace

nlohmann::json read_json_file(const std::string& path) {
  std::ifstream in = open_input(path);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  VCC_USER_CHECK(!in.bad(), "cannot read ", path, ": ", std::strerror(errno));
  const std::string text = buffer.str();
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    const auto [line, column] = line_and_column(text, e.byte);
    throw Error(detail::concat(path, ":", line, ":", column, ": malformed JSON: ", parse_error_reason(e)));
  }
}

void for_each_json_line(const std::string& path,
                        const std::function<void(size_t line_number, const nlohmann::json& value)>& fn) {
  std::ifstream in = open_input(path);
  std::string line;
  size_t line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    if (is_blank(line)) continue;
    nlohmann::json value;
    try {
      value = nlohmann::json::parse(line);
    } catch (const nlohmann::json::parse_error& e) {
      const auto [ignored_line, column] = line_and_column(line, e.byte);
      throw Error(detail::concat(path, ":", line_number, ":", column, ": malformed JSON: ", parse_error_reason(e)));
    }
    fn(line_number, value);
  }
  VCC_USER_CHECK(!in.bad(), "cannot read ", path, ": ", std::strerror(errno));
}

std::string json_type_name(const nlohmann::json& value) {
  if (value.is_number()) return "number";  // nlohmann says "number" for ints and floats alike
  return value.type_name();
}

}  // namespace vcc::eval
