#pragma once
// Reading JSON and JSON-lines input files, with one-line errors that name the file and line.
#include <cstddef>
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

namespace vcc::eval {

// Parses a whole JSON file. Throws vcc::Error "cannot open <path>: <reason>" or
// "<path>:<line>:<column>: malformed JSON: <reason>".
nlohmann::json read_json_file(const std::string& path);

// Calls fn(line_number, value) for each line of a JSON-lines file, in order (line numbers
// start at 1; lines holding only whitespace are skipped). A line that is not one JSON value
// throws vcc::Error "<path>:<line>:<column>: malformed JSON: <reason>".
void for_each_json_line(const std::string& path,
                        const std::function<void(size_t line_number, const nlohmann::json& value)>& fn);

// The JSON type name used in messages ("string", "array", "number", ...).
std::string json_type_name(const nlohmann::json& value);

}  // namespace vcc::eval
