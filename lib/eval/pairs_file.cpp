#include "eval/pairs_file.h"

#include <unordered_map>

#include "core/error.h"
#include "eval/json_files.h"

namespace vcc::eval {

std::vector<PairExample> read_pairs_file(const std::string& path) {
  std::vector<PairExample> pairs;
  std::unordered_map<std::string, size_t> line_of_id;  // a repeated id would be counted twice
  for_each_json_line(path, [&](size_t line, const nlohmann::json& value) {
    auto where = [&] { return detail::concat(path, ":", line, ": "); };
    VCC_USER_CHECK(value.is_object(), where(), "expected an object {\"id\", \"prediction\", \"references\"}, got ",
                   json_type_name(value));
    auto field = [&](const char* key) -> const nlohmann::json& {
      auto it = value.find(key);
      VCC_USER_CHECK(it != value.end(), where(), "missing field \"", key, "\"");
      return *it;
    };
    PairExample pair;
    const nlohmann::json& id = field("id");
    VCC_USER_CHECK(id.is_string(), where(), "field \"id\" must be a string, got ", json_type_name(id));
    pair.id = id.get<std::string>();
    const auto [seen, fresh] = line_of_id.emplace(pair.id, line);
    VCC_USER_CHECK(fresh, where(), "duplicate id \"", pair.id, "\" (first on line ", seen->second, ")");

    const nlohmann::json& prediction = field("prediction");
    VCC_USER_CHECK(prediction.is_string() || prediction.is_null(), where(),
                   "field \"prediction\" must be a string (or null for no prediction), got ",
                   json_type_name(prediction));
    if (prediction.is_string()) pair.prediction = prediction.get<std::string>();

    const nlohmann::json& references = field("references");
    VCC_USER_CHECK(references.is_array() && !references.empty(), where(),
                   "field \"references\" must be a non-empty list of strings, got ",
                   references.is_array() ? std::string("an empty list") : json_type_name(references));
    for (size_t i = 0; i < references.size(); ++i) {
      VCC_USER_CHECK(references[i].is_string(), where(), "references[", i, "] must be a string, got ",
                     json_type_name(references[i]));
      pair.references.push_back(references[i].get<std::string>());
    }
    pairs.push_back(std::move(pair));
  });
  VCC_USER_CHECK(!pairs.empty(), path, ": no examples (the file has no JSON lines)");
  return pairs;
}

}  // namespace vcc::eval
