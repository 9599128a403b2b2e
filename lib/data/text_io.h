#pragma once
// File and JSON helpers shared by the dataset readers: whole-file reads, JSON/JSONL parsing
// and typed field access, each failing with one line that names the file and line/record.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace vcc::data {

using Json = nlohmann::json;

// Whole file as bytes; error names the file.
std::string read_text_file(const std::string& path);

// True if `s` is well-formed UTF-8.
bool is_valid_utf8(std::string_view s);
// Re-encodes Latin-1 bytes as UTF-8 (every byte is one code point).
std::string latin1_to_utf8(std::string_view s);

// Parses a JSON document; a syntax error names the file, line and column.
Json parse_json(const std::string& text, const std::string& path);
// Streams a file holding one JSON array: fn(element, index) for each element in turn, so
// that a large file (HotpotQA train: 540 MB) never sits in memory as one document.
void for_each_json_array_element(const std::string& path, const std::function<void(const Json&, int64_t)>& fn);
// Calls fn(record, line_number) for every non-blank line of a JSON-lines file.
void for_each_jsonl(const std::string& path, const std::function<void(const Json&, int64_t)>& fn);

// Typed field access: `where` is "file:line N" or "file: record N" for messages.
const Json& json_field(const Json& obj, const char* key, const std::string& where);
std::string json_string(const Json& obj, const char* key, const std::string& where);
// A string, or "" if the key is absent or null.
std::string json_string_or(const Json& obj, const char* key, const std::string& fallback);
// A string or an array of strings (an absent key or null = empty).
std::vector<std::string> json_string_list(const Json& obj, const char* key, const std::string& where);
// Scalar to string: a string as is, a number or boolean in JSON form.
std::string json_scalar_text(const Json& v);

}  // namespace vcc::data
