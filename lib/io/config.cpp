#include "io/config.h"

#include <fcntl.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "io/config_value.h"

namespace vcc::io {

namespace detail {
void wrong_option_type(const std::string& key, OptionType stored, OptionType requested) {
  VCC_FAIL("option '", key, "' is a ", option_type_name(stored), ", read or set as a ", option_type_name(requested));
}
}  // namespace detail

namespace {

// "file:line:column" (1-based) of a YAML mark, or just "file" when the mark is unknown.
std::string at(const std::string& source, const YAML::Mark& mark) {
  if (mark.is_null()) return source;
  return source + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
}

// "an int", "a double", "a list of strings".
std::string with_article(OptionType type) {
  const std::string name(option_type_name(type));
  return (name[0] == 'i' ? "an " : "a ") + name;
}

// The text of a node for an error message (flow style for collections).
std::string node_text(const YAML::Node& node) {
  if (node.IsNull()) return "null";
  if (node.IsScalar()) return node.Scalar();
  YAML::Node flow = YAML::Clone(node);  // the node's own (block) style would win over YAML::Flow
  flow.SetStyle(YAML::EmitterStyle::Flow);
  YAML::Emitter e;
  e << flow;
  return e.c_str();
}

// A YAML value node as an option value of `type`, or nullopt.
std::optional<OptionValue> from_node(OptionType type, const YAML::Node& node) {
  if (!is_list(type)) {
    if (!node.IsScalar()) return std::nullopt;
    return parse_scalar(type, node.Scalar());
  }
  if (!node.IsSequence()) return std::nullopt;
  std::vector<std::string> items;
  for (const YAML::Node& item : node) {
    if (!item.IsScalar()) return std::nullopt;
    items.push_back(item.Scalar());
  }
  // Parse element by element (items may contain commas, so no re-joining).
  OptionValue out;
  switch (type) {
    case OptionType::StringList: out = items; return out;
    case OptionType::IntList:
    case OptionType::DoubleList: {
      std::vector<int64_t> ints;
      std::vector<double> doubles;
      for (const std::string& item : items) {
        std::optional<OptionValue> v = parse_scalar(element_type(type), item);
        if (!v) return std::nullopt;
        if (type == OptionType::IntList)
          ints.push_back(std::get<int64_t>(*v));
        else
          doubles.push_back(std::get<double>(*v));
      }
      if (type == OptionType::IntList) return OptionValue(std::move(ints));
      return OptionValue(std::move(doubles));
    }
    default: return std::nullopt;
  }
}

struct Leaf {
  std::string key;
  YAML::Mark key_mark;
  YAML::Node value;
};

// Flattens nested maps into dotted keys. Keys name groups or options; whether a key exists
// is checked by the caller (so that "trian: {lr: 1}" is reported as 'trian.lr').
void flatten(const YAML::Node& map, const std::string& prefix, const OptionRegistry& registry,
             const std::string& source, std::vector<Leaf>& out) {
  for (const auto& entry : map) {
    const YAML::Node k = entry.first;
    VCC_USER_CHECK(k.IsScalar(), at(source, k.Mark()), ": option names must be plain strings, got '", node_text(k),
                   "'");
    const std::string key = prefix.empty() ? k.Scalar() : prefix + "." + k.Scalar();
    const YAML::Node v = entry.second;
    if (v.IsMap() && !registry.has(key)) {
      flatten(v, key, registry, source, out);
    } else if (v.IsNull() && registry.is_group(key)) {
      continue;  // an empty section ("model:" with nothing under it)
    } else {
      out.push_back({key, k.Mark(), v});
    }
  }
}

std::string unknown_option(const OptionRegistry& registry, const std::string& where, const std::string& key) {
  const std::string near = registry.nearest_key(key);
  return where + ": unknown option '" + key + "'" + (near.empty() ? "" : " (did you mean '" + near + "'?)");
}

}  // namespace

Config::Config(OptionRegistry registry) : registry_(std::move(registry)) {
  for (const OptionSpec& s : registry_.specs()) values_.push_back(s.default_value);
}

Config Config::load(const OptionRegistry& registry, const std::vector<std::string>& files,
                    const std::vector<std::string>& overrides) {
  Config c(registry);
  for (const std::string& f : files) c.merge_file(f);
  c.apply_overrides(overrides);
  return c;
}

void Config::merge_file(const std::string& path) { merge_yaml(read_text_file(path, "config file"), path); }

void Config::merge_yaml(const std::string& text, const std::string& source) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    VCC_USER_CHECK(false, at(source, e.mark), ": malformed YAML: ", e.msg);
  } catch (const YAML::Exception& e) {
    VCC_USER_CHECK(false, at(source, e.mark), ": cannot read YAML: ", e.msg);
  }
  if (root.IsNull()) return;  // empty file
  VCC_USER_CHECK(root.IsMap(), at(source, root.Mark()), ": a config file must be a map of options, got '",
                 node_text(root), "'");
  std::vector<Leaf> leaves;
  flatten(root, "", registry_, source, leaves);
  // Check everything before changing anything: a bad file leaves the config as it was.
  std::map<std::string, YAML::Mark> seen;
  std::vector<std::pair<std::string, OptionValue>> updates;
  for (const Leaf& leaf : leaves) {
    VCC_USER_CHECK(!registry_.is_group(leaf.key), at(source, leaf.key_mark), ": '", leaf.key,
                   "' is a group of options and needs a map under it, got '", node_text(leaf.value), "'");
    VCC_USER_CHECK(registry_.has(leaf.key), unknown_option(registry_, at(source, leaf.key_mark), leaf.key));
    auto [first, inserted] = seen.emplace(leaf.key, leaf.key_mark);
    VCC_USER_CHECK(inserted, at(source, leaf.key_mark), ": option '", leaf.key, "' is set twice in this file (first at ",
                   at(source, first->second), ")");
    const OptionSpec& spec = registry_.spec(leaf.key);
    std::optional<OptionValue> v = from_node(spec.type, leaf.value);
    VCC_USER_CHECK(v.has_value(), at(source, leaf.value.Mark()), ": option '", leaf.key, "' expects ",
                   with_article(spec.type), ", got '", node_text(leaf.value), "'");
    updates.emplace_back(leaf.key, std::move(*v));
  }
  for (auto& [key, v] : updates) set_value(key, std::move(v));
}

void Config::apply_override(const std::string& assignment) {
  const size_t eq = assignment.find('=');
  VCC_USER_CHECK(eq != std::string::npos && eq > 0, "command line: '", assignment,
                 "' is not an option assignment (key=value expected)");
  const std::string key = assignment.substr(0, eq);
  const std::string text = assignment.substr(eq + 1);
  VCC_USER_CHECK(registry_.has(key), unknown_option(registry_, "command line", key));
  const OptionSpec& spec = registry_.spec(key);
  std::optional<OptionValue> v = parse_option_text(spec.type, text);
  VCC_USER_CHECK(v.has_value(), "command line: option '", key, "' expects ", with_article(spec.type), ", got '",
                 text, "'");
  set_value(key, std::move(*v));
}

void Config::apply_overrides(const std::vector<std::string>& assignments) {
  for (const std::string& a : assignments) apply_override(a);
}

const OptionValue& Config::value(const std::string& key) const {
  const OptionSpec& spec = registry_.spec(key);
  return values_[&spec - registry_.specs().data()];
}

bool Config::is_default(const std::string& key) const {
  // Compared as text so that NaN defaults count as unchanged.
  return format_option_value(value(key)) == format_option_value(registry_.spec(key).default_value);
}

void Config::set_value(const std::string& key, OptionValue value) {
  const OptionSpec& spec = registry_.spec(key);
  if (option_type_of(value) != spec.type) detail::wrong_option_type(key, spec.type, option_type_of(value));
  values_[&spec - registry_.specs().data()] = std::move(value);
}

std::string Config::dump(const std::string& section, bool with_help) const {
  // Build the group tree in registration order, then print it with two-space indentation.
  struct Group {
    std::vector<std::string> order;  // child names (groups and options) in first-seen order
    std::map<std::string, Group> groups;
    std::map<std::string, size_t> options;  // name -> index into specs
  };
  Group root;
  const auto& specs = registry_.specs();
  for (size_t i = 0; i < specs.size(); ++i) {
    const std::string& key = specs[i].key;
    if (!section.empty() && key != section && key.rfind(section + ".", 0) != 0) continue;
    Group* g = &root;
    size_t start = 0;
    for (size_t dot = key.find('.'); dot != std::string::npos; dot = key.find('.', start)) {
      const std::string name = key.substr(start, dot - start);
      if (!g->groups.count(name)) g->order.push_back(name);
      g = &g->groups[name];
      start = dot + 1;
    }
    const std::string name = key.substr(start);
    g->order.push_back(name);
    g->options[name] = i;
  }
  std::ostringstream os;
  auto print = [&](auto&& self, const Group& g, int depth) -> void {
    const std::string indent(2 * depth, ' ');
    for (const std::string& name : g.order) {
      if (auto it = g.options.find(name); it != g.options.end()) {
        const OptionSpec& s = specs[it->second];
        if (with_help) os << indent << "# " << s.help << "\n";
        os << indent << name << ": " << format_option_value(values_[it->second]) << "\n";
      } else {
        if (depth == 0 && os.tellp() > 0) os << "\n";  // a blank line between top-level sections
        os << indent << name << ":\n";
        self(self, g.groups.at(name), depth + 1);
      }
    }
  };
  print(print, root, 0);
  return os.str();
}

void Config::save(const std::string& path, const std::string& section, bool with_help) const {
  write_text_file_atomically(path, dump(section, with_help));
}

void write_text_file_atomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  VCC_USER_CHECK(fd >= 0, "cannot write ", path, " (temporary file ", tmp, "): ", std::strerror(errno));
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = errno;
      ::close(fd);
      std::remove(tmp.c_str());
      VCC_USER_CHECK(false, "cannot write ", path, " (temporary file ", tmp, "): ", std::strerror(err));
    }
    done += static_cast<size_t>(n);
  }
  // fsync before rename: after a crash the name points at complete contents or the old file.
  const bool synced = ::fsync(fd) == 0;
  const int sync_err = errno;
  ::close(fd);
  if (!synced) {
    std::remove(tmp.c_str());
    VCC_USER_CHECK(false, "cannot write ", path, " (fsync of ", tmp, "): ", std::strerror(sync_err));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    std::remove(tmp.c_str());
    VCC_USER_CHECK(false, "cannot rename ", tmp, " to ", path, ": ", std::strerror(err));
  }
}

std::string read_text_file(const std::string& path, const std::string& what) {
  std::error_code ec;
  VCC_USER_CHECK(std::filesystem::exists(path, ec), what, " '", path, "' not found");
  VCC_USER_CHECK(!std::filesystem::is_directory(path, ec), what, " '", path, "' is a directory");
  std::ifstream in(path, std::ios::binary);
  VCC_USER_CHECK(in.is_open(), "cannot open ", what, " '", path, "': ", std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  VCC_USER_CHECK(!in.bad(), "cannot read ", what, " '", path, "'");
  return ss.str();
}

}  // namespace vcc::io
