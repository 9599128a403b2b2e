#include "eval/json_files.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/error.h"
#include "io/json_error.h"

namespace vcc::eval {
namespace {

std::ifstream open_input(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  VCC_USER_CHECK(in.is_open(), "cannot open ", path, ": ", std::strerror(errno));
  return in;
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
  } catch (const nlohmann::json::exception& e) {  // syntax errors and numbers out of range alike
    throw Error(io::json_error_message(e, text, path));
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
    } catch (const nlohmann::json::exception& e) {  // syntax errors and numbers out of range alike
      const auto [ignored_line, column] = io::json_error_position(e, line);
      if (column == 0) throw Error(detail::concat(path, ":", line_number, ": malformed JSON: ", io::json_error_reason(e)));
      throw Error(detail::concat(path, ":", line_number, ":", column, ": malformed JSON: ", io::json_error_reason(e)));
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
