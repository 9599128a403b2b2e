#pragma once
// Turning the exceptions nlohmann::json throws while parsing (syntax errors, but also numbers
// out of range such as 1e999) into the reason and line of a one-line vcc error.
#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

namespace vcc::io {

// The reason without nlohmann's "[json.exception.parse_error.101] " prefix and without its
// "at line L, column C" (the caller names the position itself).
std::string json_error_reason(const nlohmann::json::exception& e);

// 1-based line and column in `text` where the error was found: parse errors carry a byte
// offset; a number out of range carries the number's text, which is looked up. {0, 0} when
// unknown.
std::pair<size_t, size_t> json_error_position(const nlohmann::json::exception& e, const std::string& text);

// "<source>:<line>:<column>: malformed JSON: <reason>" (the position only where known).
std::string json_error_message(const nlohmann::json::exception& e, const std::string& text,
                               const std::string& source);

}  // namespace vcc::io
