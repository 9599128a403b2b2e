#include "io/config_value.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>

namespace vcc::io {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  const size_t e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

std::optional<bool> parse_bool(const std::string& text) {
  const std::string t = lower(text);
  if (t == "true" || t == "yes" || t == "on") return true;
  if (t == "false" || t == "no" || t == "off") return false;
  return std::nullopt;
}

std::optional<int64_t> parse_int(const std::string& text) {
  if (text.empty()) return std::nullopt;
  const char* b = text.data();
  const char* e = b + text.size();
  if (*b == '+') ++b;
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(b, e, v);
  if (ec != std::errc() || ptr != e) return std::nullopt;
  return v;
}

std::optional<double> parse_double(const std::string& text) {
  if (text.empty()) return std::nullopt;
  const std::string t = lower(text);
  if (t == ".inf" || t == "+.inf" || t == "inf" || t == "+inf") return std::numeric_limits<double>::infinity();
  if (t == "-.inf" || t == "-inf") return -std::numeric_limits<double>::infinity();
  if (t == ".nan" || t == "nan") return std::numeric_limits<double>::quiet_NaN();
  const char* b = t.data();
  const char* e = b + t.size();
  if (*b == '+') ++b;
  // Letters other than an exponent (e.g. "infinity", "0x1p3") are not YAML numbers.
  if (std::any_of(b, e, [](char c) { return std::isalpha(static_cast<unsigned char>(c)) && c != 'e'; }))
    return std::nullopt;
  double v = 0;
  auto [ptr, ec] = std::from_chars(b, e, v, std::chars_format::general);
  if (ec != std::errc() || ptr != e) return std::nullopt;
  return v;
}

template <class T>
std::optional<OptionValue> parse_elements(OptionType element, const std::vector<std::string>& items) {
  std::vector<T> out;
  for (const std::string& item : items) {
    std::optional<OptionValue> v = parse_scalar(element, item);
    if (!v) return std::nullopt;
    out.push_back(std::get<T>(*v));
  }
  return OptionValue(std::move(out));
}

}  // namespace

OptionType element_type(OptionType type) {
  switch (type) {
    case OptionType::StringList: return OptionType::String;
    case OptionType::IntList: return OptionType::Int;
    case OptionType::DoubleList: return OptionType::Double;
    default: return type;
  }
}

bool is_list(OptionType type) { return element_type(type) != type; }

std::optional<OptionValue> parse_scalar(OptionType type, const std::string& text) {
  switch (type) {
    case OptionType::Bool:
      if (auto v = parse_bool(text)) return OptionValue(*v);
      return std::nullopt;
    case OptionType::Int:
      if (auto v = parse_int(text)) return OptionValue(*v);
      return std::nullopt;
    case OptionType::Double:
      if (auto v = parse_double(text)) return OptionValue(*v);
      return std::nullopt;
    case OptionType::String: return OptionValue(text);
    default: return std::nullopt;
  }
}

std::optional<OptionValue> parse_option_text(OptionType type, const std::string& text) {
  if (!is_list(type)) return parse_scalar(type, text);
  std::vector<std::string> items;
  const std::string t = trim(text);
  if (!t.empty() && t.front() == '[') {
    YAML::Node node;
    try {
      node = YAML::Load(t);
    } catch (const YAML::Exception&) {
      return std::nullopt;
    }
    if (!node.IsSequence()) return std::nullopt;
    for (const YAML::Node& item : node) {
      if (!item.IsScalar()) return std::nullopt;
      items.push_back(item.Scalar());
    }
  } else if (!t.empty()) {
    size_t start = 0;
    while (true) {
      const size_t comma = t.find(',', start);
      items.push_back(trim(t.substr(start, comma == std::string::npos ? std::string::npos : comma - start)));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  switch (type) {
    case OptionType::StringList: return parse_elements<std::string>(OptionType::String, items);
    case OptionType::IntList: return parse_elements<int64_t>(OptionType::Int, items);
    case OptionType::DoubleList: return parse_elements<double>(OptionType::Double, items);
    default: return std::nullopt;
  }
}

std::string format_double(double value) {
  if (std::isnan(value)) return ".nan";
  if (std::isinf(value)) return value > 0 ? ".inf" : "-.inf";
  char buf[64];
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof(buf), value);
  std::string s(buf, ptr);
  // Keep it visibly a floating-point number for readers of the YAML (1 -> 1.0).
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

std::string format_option_value(const OptionValue& value) {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, bool>) {
          return v ? "true" : "false";
        } else if constexpr (std::is_same_v<T, int64_t>) {
          return std::to_string(v);
        } else if constexpr (std::is_same_v<T, double>) {
          return format_double(v);
        } else if constexpr (std::is_same_v<T, std::string>) {
          // The emitter quotes exactly when a plain scalar would not read back as this text.
          YAML::Emitter e;
          e << v;
          return e.c_str();
        } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
          YAML::Emitter e;
          e << YAML::Flow << YAML::BeginSeq;
          for (const std::string& s : v) e << s;
          e << YAML::EndSeq;
          return e.c_str();
        } else {
          std::string out = "[";
          for (size_t i = 0; i < v.size(); ++i) {
            if (i) out += ", ";
            if constexpr (std::is_same_v<T, std::vector<double>>)
              out += format_double(v[i]);
            else
              out += std::to_string(v[i]);
          }
          return out + "]";
        }
      },
      value);
}

}  // namespace vcc::io
