#include "io/config_registry.h"

#include <algorithm>
#include <cctype>
#include <sstream>

#include "io/config_value.h"

namespace vcc::io {
namespace {

bool valid_key(const std::string& key) {
  if (key.empty() || key.front() == '.' || key.back() == '.') return false;
  char prev = '\0';
  for (char c : key) {
    const bool word = std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
    if (!word && c != '.') return false;
    if (c == '.' && prev == '.') return false;
    prev = c;
  }
  return true;
}

std::string top_section(const std::string& key) { return key.substr(0, key.find('.')); }

}  // namespace

std::string_view option_type_name(OptionType type) {
  switch (type) {
    case OptionType::Bool: return "bool";
    case OptionType::Int: return "int";
    case OptionType::Double: return "double";
    case OptionType::String: return "string";
    case OptionType::StringList: return "list of strings";
    case OptionType::IntList: return "list of ints";
    case OptionType::DoubleList: return "list of doubles";
  }
  return "?";
}

OptionType option_type_of(const OptionValue& value) {
  // The variant's alternatives are declared in OptionType's order.
  return static_cast<OptionType>(value.index());
}

OptionRegistry& OptionRegistry::add_value(const std::string& key, OptionValue default_value,
                                          const std::string& help) {
  VCC_CHECK(valid_key(key), "option key '", key, "' must be dot-separated names of letters, digits, '_' or '-'");
  VCC_CHECK(!has(key), "option '", key, "' registered twice");
  VCC_CHECK(!is_group(key), "option '", key, "' is also the group of other options");
  VCC_CHECK(!help.empty() && help.find('\n') == std::string::npos, "option '", key,
            "' needs a one-line help text");
  for (size_t dot = key.find('.'); dot != std::string::npos; dot = key.find('.', dot + 1))
    VCC_CHECK(!has(key.substr(0, dot)), "option '", key, "' would be inside option '", key.substr(0, dot), "'");
  for (size_t dot = key.find('.'); dot != std::string::npos; dot = key.find('.', dot + 1))
    ++groups_[key.substr(0, dot)];
  index_.emplace(key, specs_.size());
  const OptionType type = option_type_of(default_value);
  specs_.push_back({key, type, std::move(default_value), help});
  return *this;
}

const OptionSpec& OptionRegistry::spec(const std::string& key) const {
  auto it = index_.find(key);
  if (it == index_.end()) {
    const std::string near = nearest_key(key);
    VCC_FAIL("unknown option '", key, "'", near.empty() ? "" : " (did you mean '" + near + "'?)");
  }
  return specs_[it->second];
}

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string OptionRegistry::nearest_key(const std::string& key) const {
  std::string best;
  size_t best_distance = 0;
  for (const OptionSpec& s : specs_) {  // first registered wins ties
    const size_t d = edit_distance(key, s.key);
    if (best.empty() || d < best_distance) {
      best = s.key;
      best_distance = d;
    }
  }
  return best;
}

std::string OptionRegistry::help(const std::string& section) const {
  // Sections in order of first registration; options in registration order inside each.
  std::vector<std::string> sections;
  for (const OptionSpec& s : specs_) {
    const std::string top = top_section(s.key);
    if (std::find(sections.begin(), sections.end(), top) == sections.end()) sections.push_back(top);
  }
  std::ostringstream os;
  bool any = false;
  for (const std::string& top : sections) {
    if (!section.empty() && top != top_section(section)) continue;
    std::vector<std::pair<std::string, const OptionSpec*>> lines;
    size_t width = 0;
    for (const OptionSpec& s : specs_) {
      if (top_section(s.key) != top) continue;
      if (!section.empty() && s.key != section && s.key.rfind(section + ".", 0) != 0) continue;
      std::string head = "  " + s.key + " (" + std::string(option_type_name(s.type)) + ", default " +
                         format_option_value(s.default_value) + ")";
      width = std::max(width, head.size());
      lines.emplace_back(std::move(head), &s);
    }
    if (lines.empty()) continue;
    if (any) os << "\n";
    any = true;
    os << top << ":\n";
    for (const auto& [head, s] : lines) os << head << std::string(width - head.size() + 2, ' ') << s->help << "\n";
  }
  return os.str();
}

}  // namespace vcc::io
