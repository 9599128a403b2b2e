#include "data/text_io.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "io/json_error.h"

namespace vcc::data {

std::string read_text_file(const std::string& path) {
  std::error_code ec;
  VCC_USER_CHECK(std::filesystem::is_regular_file(path, ec), path, ": no such file");
  std::ifstream in(path, std::ios::binary);
  VCC_USER_CHECK(in.good(), path, ": cannot open");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  VCC_USER_CHECK(!in.bad(), path, ": read error");
  return text;
}

bool is_valid_utf8(std::string_view s) {
  size_t i = 0, n = s.size();
  while (i < n) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t extra;
    if (c < 0x80) extra = 0;
    else if (c >= 0xC2 && c <= 0xDF) extra = 1;
    else if ((c >> 4) == 0xE) extra = 2;
    else if (c >= 0xF0 && c <= 0xF4) extra = 3;
    else return false;
    if (i + extra >= n + (extra == 0)) return false;
    for (size_t k = 1; k <= extra; ++k)
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return false;
    i += 1 + extra;
  }
  return true;
}

std::string latin1_to_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size() + s.size() / 8);
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (c < 0x80) {
      out += ch;
    } else {
      out += static_cast<char>(0xC0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  return out;
}

Json parse_json(const std::string& text, const std::string& path) {
  try {
    return Json::parse(text);
  } catch (const Json::exception& e) {  // syntax errors and numbers out of range alike
    const auto [line, column] = io::json_error_position(e, text);
    if (line == 0) VCC_USER_CHECK(false, path, ": invalid JSON: ", io::json_error_reason(e));
    VCC_USER_CHECK(false, path, ":", line, ":", column, ": invalid JSON: ", io::json_error_reason(e));
  }
  return {};
}

void for_each_json_array_element(const std::string& path, const std::function<void(const Json&, int64_t)>& fn) {
  std::error_code ec;
  VCC_USER_CHECK(std::filesystem::is_regular_file(path, ec), path, ": no such file");
  std::ifstream in(path, std::ios::binary);
  VCC_USER_CHECK(in.good(), path, ": cannot open");
  int64_t index = 0;
  bool array = false;
  Json top;
  try {
    // Hand each finished top-level element to fn and drop it, so memory stays one record.
    top = Json::parse(in, [&](int depth, Json::parse_event_t event, Json& parsed) {
      if (depth == 0 && event == Json::parse_event_t::array_start) array = true;
      if (depth == 1 && array &&
          (event == Json::parse_event_t::object_end || event == Json::parse_event_t::array_end ||
           event == Json::parse_event_t::value)) {
        fn(parsed, index++);
        return false;
      }
      return true;
    });
  } catch (const Json::exception& e) {  // streamed: nlohmann's own "at line L, column C" is kept
    const std::string what = e.what();
    const size_t prefix = what.find("] ");
    VCC_USER_CHECK(false, path, ": invalid JSON: ", prefix == std::string::npos ? what : what.substr(prefix + 2));
  }
  VCC_USER_CHECK(array, path, ": expected a JSON array at the top level, got ", top.type_name());
}

void for_each_jsonl(const std::string& path, const std::function<void(const Json&, int64_t)>& fn) {
  std::error_code ec;
  VCC_USER_CHECK(std::filesystem::is_regular_file(path, ec), path, ": no such file");
  std::ifstream in(path, std::ios::binary);
  VCC_USER_CHECK(in.good(), path, ": cannot open");
  std::string line;
  int64_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (std::all_of(line.begin(), line.end(), [](char c) { return c == ' ' || c == '\t'; })) continue;
    Json record;
    try {
      record = Json::parse(line);
    } catch (const Json::exception& e) {  // syntax errors and numbers out of range alike
      // The line is parsed alone, so nlohmann's own position would say "line 1".
      VCC_USER_CHECK(false, path, ":", number, ": invalid JSON: ", io::json_error_reason(e));
    }
    VCC_USER_CHECK(record.is_object(), path, ":", number, ": expected a JSON object per line, got ",
                   record.type_name());
    fn(record, number);
  }
  VCC_USER_CHECK(!in.bad(), path, ": read error after line ", number);
}

const Json& json_field(const Json& obj, const char* key, const std::string& where) {
  VCC_USER_CHECK(obj.is_object(), where, ": expected a JSON object, got ", obj.type_name());
  auto it = obj.find(key);
  VCC_USER_CHECK(it != obj.end(), where, ": missing field '", key, "'");
  return *it;
}

std::string json_string(const Json& obj, const char* key, const std::string& where) {
  const Json& v = json_field(obj, key, where);
  VCC_USER_CHECK(v.is_string(), where, ": field '", key, "' must be a string, got ", v.type_name());
  return v.get<std::string>();
}

std::string json_string_or(const Json& obj, const char* key, const std::string& fallback) {
  if (!obj.is_object()) return fallback;
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return fallback;
  return it->is_string() ? it->get<std::string>() : json_scalar_text(*it);
}

std::vector<std::string> json_string_list(const Json& obj, const char* key, const std::string& where) {
  VCC_USER_CHECK(obj.is_object(), where, ": expected a JSON object, got ", obj.type_name());
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return {};
  if (it->is_string()) return {it->get<std::string>()};
  VCC_USER_CHECK(it->is_array(), where, ": field '", key, "' must be a string or a list of strings, got ",
                 it->type_name());
  std::vector<std::string> out;
  for (const Json& v : *it) {
    VCC_USER_CHECK(v.is_string(), where, ": field '", key, "' must hold strings, found ", v.type_name());
    out.push_back(v.get<std::string>());
  }
  return out;
}

std::string json_scalar_text(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

}  // namespace vcc::data
