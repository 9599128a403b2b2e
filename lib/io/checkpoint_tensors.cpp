#include "io/checkpoint_tensors.h"

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include "io/hdf5_file.h"
#include "nn/module.h"

namespace vcc::io {
namespace {

constexpr const char* kAliasesAttr = "aliases";
constexpr const char* kVersionAttr = "format_version";
constexpr const char* kKindAttr = "kind";

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  if (s.empty()) return out;
  size_t start = 0;
  while (true) {
    const size_t comma = s.find(',', start);
    out.push_back(s.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) return out;
    start = comma + 1;
  }
}

// "a, b, c" with at most `limit` names, then "and N more".
std::string name_list(const std::vector<std::string>& names, size_t limit = 10) {
  std::string out;
  for (size_t i = 0; i < names.size() && i < limit; ++i) out += (i ? ", " : "") + names[i];
  if (names.size() > limit) out += " and " + std::to_string(names.size() - limit) + " more";
  return out;
}

std::string expected_type(const Tensor& t) { return std::string(dtype_name(t.dtype())) + t.shape().str(); }

void check_version(const H5File& f) {
  VCC_USER_CHECK(f.has_attr("/", kVersionAttr), f.path(), ": not a vcc checkpoint tensor file (no '", kVersionAttr,
                 "' attribute)");
  const int64_t version = f.attr_int("/", kVersionAttr);
  VCC_USER_CHECK(version >= 1 && version <= kCheckpointFormatVersion, f.path(), ": format_version ", version,
                 " is not supported (this build reads 1 to ", kCheckpointFormatVersion, ")");
}

// name in the file (dataset or alias) -> dataset that holds it.
std::map<std::string, std::string> providers(const H5File& f, const std::vector<std::string>& datasets) {
  std::map<std::string, std::string> by_name;
  for (const std::string& ds : datasets) by_name.emplace(ds, ds);
  for (const std::string& ds : datasets) {
    if (!f.has_attr(ds, kAliasesAttr)) continue;
    for (const std::string& alias : split_commas(f.attr_string(ds, kAliasesAttr))) {
      auto [it, inserted] = by_name.emplace(alias, ds);
      VCC_USER_CHECK(inserted, f.path(), ": name '", alias, "' is both ",
                     it->second == alias ? "a tensor" : "an alias of '" + it->second + "'", " and an alias of '", ds,
                     "'");
    }
  }
  return by_name;
}

}  // namespace

void write_tensor_file(const std::string& path, const NamedTensors& tensors, const TensorAliases& aliases,
                       const std::string& kind) {
  std::set<std::string> names;
  for (const auto& [name, t] : tensors) {
    VCC_USER_CHECK(!name.empty() && name.find_first_of("/,") == std::string::npos, path, ": tensor name '", name,
                   "' must be non-empty and free of '/' and ','");
    VCC_USER_CHECK(names.insert(name).second, path, ": tensor '", name, "' given twice");
  }
  std::map<std::string, std::vector<std::string>> aliases_of;
  for (const auto& [alias, target] : aliases) {
    VCC_USER_CHECK(names.count(target), path, ": alias '", alias, "' refers to '", target,
                   "', which is not among the tensors");
    VCC_USER_CHECK(!alias.empty() && alias.find_first_of("/,") == std::string::npos && !names.count(alias), path,
                   ": alias '", alias, "' must be a new name free of '/' and ','");
    aliases_of[target].push_back(alias);
  }
  H5File f = H5File::create(path);
  f.set_attr("/", kVersionAttr, kCheckpointFormatVersion);
  f.set_attr("/", kKindAttr, kind);
  for (const auto& [name, t] : tensors) {
    f.write(name, t);
    if (auto it = aliases_of.find(name); it != aliases_of.end()) {
      std::string joined;
      for (const std::string& a : it->second) joined += (joined.empty() ? "" : ",") + a;
      f.set_attr(name, kAliasesAttr, joined);
    }
  }
  f.commit();
}

TensorFile read_tensor_file(const std::string& path) {
  H5File f = H5File::open(path);
  check_version(f);
  TensorFile out;
  const std::vector<std::string> datasets = f.list("/");
  for (const std::string& ds : datasets) out.tensors.emplace_back(ds, f.read(ds));
  for (const auto& [name, ds] : providers(f, datasets))
    if (name != ds) out.aliases.emplace_back(name, ds);
  return out;
}

NamedTensors module_tensors(const nn::Module& module) {
  NamedTensors out;
  for (const auto& [name, p] : module.named_parameters()) out.emplace_back(name, p.value());
  return out;
}

void save_module(const std::string& path, const nn::Module& module) {
  write_tensor_file(path, module_tensors(module), module.parameter_aliases(), "model");
}

void load_module(const std::string& path, nn::Module& module) {
  H5File f = H5File::open(path);
  check_version(f);
  const std::vector<std::string> datasets = f.list("/");
  const std::map<std::string, std::string> provider = providers(f, datasets);

  // Every name of each parameter: its first name, then its tied names.
  std::vector<std::pair<Var, std::vector<std::string>>> params;
  std::map<const Node*, size_t> slot;
  for (const auto& [name, p] : module.named_parameters(true)) {
    auto [it, inserted] = slot.emplace(p.node().get(), params.size());
    if (inserted) params.push_back({p, {}});
    params[it->second].second.push_back(name);
  }

  std::vector<std::pair<Var, std::string>> plan;  // parameter <- dataset
  std::set<std::string> used_names;
  for (const auto& [p, names] : params) {
    std::vector<std::string> sources;
    for (const std::string& name : names) {
      auto it = provider.find(name);
      if (it == provider.end()) continue;
      used_names.insert(name);
      if (std::find(sources.begin(), sources.end(), it->second) == sources.end()) sources.push_back(it->second);
    }
    VCC_USER_CHECK(!sources.empty(), path, ": missing tensor '", names[0], "' (model expects ",
                   expected_type(p.value()), ")");
    VCC_USER_CHECK(sources.size() == 1, path, ": tied parameter '", names[0], "' is stored twice, as '", sources[0],
                   "' and '", sources[1], "'");
    const Shape shape = f.shape(sources[0]);
    const DType dtype = f.dtype(sources[0]);
    VCC_USER_CHECK(shape == p.shape() && dtype == p.dtype(), path, ": tensor '", sources[0], "' is ",
                   dtype_name(dtype), shape.str(), ", model expects ", expected_type(p.value()),
                   sources[0] == names[0] ? "" : " for '" + names[0] + "'");
    plan.emplace_back(p, sources[0]);
  }
  std::vector<std::string> extra;
  for (const auto& [name, ds] : provider)
    if (!used_names.count(name)) extra.push_back(name);
  VCC_USER_CHECK(extra.empty(), path, ": ", extra.size(), extra.size() == 1 ? " tensor" : " tensors",
                 " not in the model: ", name_list(extra));

  for (const auto& [p, ds] : plan) {
    Tensor dst = p.value();  // shares the parameter's storage
    dst.copy_(f.read(ds));
  }
}

}  // namespace vcc::io
