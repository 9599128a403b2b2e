#include "eval/hotpotqa_json.h"

#include "core/error.h"
#include "eval/json_files.h"

namespace vcc::eval {
namespace {

const nlohmann::json& required_field(const nlohmann::json& object, const char* key, const std::string& where) {
  auto it = object.find(key);
  VCC_USER_CHECK(it != object.end(), where, ": missing field \"", key, "\"");
  return *it;
}

std::string string_field(const nlohmann::json& object, const char* key, const std::string& where) {
  const nlohmann::json& value = required_field(object, key, where);
  VCC_USER_CHECK(value.is_string(), where, ": field \"", key, "\" must be a string, got ", json_type_name(value));
  return value.get<std::string>();
}

SentenceId sentence_id_from_json(const nlohmann::json& value, const std::string& where) {
  if (value.is_number_integer()) {
    if (value.is_number_unsigned()) {
      const auto u = value.get<uint64_t>();
      VCC_USER_CHECK(u <= static_cast<uint64_t>(INT64_MAX), where, ": sentence index ", u, " is out of range");
      return SentenceId::integer(static_cast<int64_t>(u));
    }
    return SentenceId::integer(value.get<int64_t>());
  }
  if (value.is_number_float()) return SentenceId::number(value.get<double>());
  if (value.is_boolean()) return SentenceId::integer(value.get<bool>() ? 1 : 0);
  if (value.is_string()) return SentenceId::string(value.get<std::string>());
  VCC_USER_CHECK(false, where, ": sentence index must be a number or a string, got ", json_type_name(value));
  return {};  // not reached: VCC_USER_CHECK(false) throws
}

}  // namespace

std::vector<SupportingFact> supporting_facts_from_json(const nlohmann::json& value, const std::string& where) {
  VCC_USER_CHECK(value.is_array(), where, ": supporting facts must be a list of [title, sentence_index], got ",
                 json_type_name(value));
  std::vector<SupportingFact> facts;
  facts.reserve(value.size());
  for (size_t i = 0; i < value.size(); ++i) {
    const nlohmann::json& fact = value[i];
    const std::string at = where + "[" + std::to_string(i) + "]";
    VCC_USER_CHECK(fact.is_array() && fact.size() == 2, at, ": a supporting fact must be [title, sentence_index], got ",
                   fact.dump());
    VCC_USER_CHECK(fact[0].is_string(), at, ": the title must be a string, got ", json_type_name(fact[0]));
    facts.push_back({fact[0].get<std::string>(), sentence_id_from_json(fact[1], at)});
  }
  return facts;
}

std::vector<HotpotGoldExample> hotpot_gold_from_json(const nlohmann::json& value, const std::string& where) {
  VCC_USER_CHECK(value.is_array(), where, ": the HotpotQA gold file must be a JSON list of examples, got ",
                 json_type_name(value));
  std::vector<HotpotGoldExample> gold;
  gold.reserve(value.size());
  for (size_t i = 0; i < value.size(); ++i) {
    const std::string at = where + ": example " + std::to_string(i);
    const nlohmann::json& entry = value[i];
    VCC_USER_CHECK(entry.is_object(), at, " must be an object, got ", json_type_name(entry));
    HotpotGoldExample example;
    example.id = string_field(entry, "_id", at);
    example.answer = string_field(entry, "answer", at);
    example.supporting_facts =
        supporting_facts_from_json(required_field(entry, "supporting_facts", at), at + " supporting_facts");
    gold.push_back(std::move(example));
  }
  return gold;
}

HotpotPredictions hotpot_predictions_from_json(const nlohmann::json& value, const std::string& where) {
  VCC_USER_CHECK(value.is_object(), where,
                 ": the HotpotQA prediction file must be an object {\"answer\": {...}, \"sp\": {...}}, got ",
                 json_type_name(value));
  HotpotPredictions predictions;
  const nlohmann::json& answers = required_field(value, "answer", where);
  VCC_USER_CHECK(answers.is_object(), where, ": \"answer\" must be an object {id: answer}, got ",
                 json_type_name(answers));
  for (const auto& [id, answer] : answers.items()) {
    VCC_USER_CHECK(answer.is_string(), where, ": answer[\"", id, "\"] must be a string, got ", json_type_name(answer));
    predictions.answer[id] = answer.get<std::string>();
  }
  const nlohmann::json& sp = required_field(value, "sp", where);
  VCC_USER_CHECK(sp.is_object(), where, ": \"sp\" must be an object {id: [[title, idx], ...]}, got ",
                 json_type_name(sp));
  for (const auto& [id, facts] : sp.items())
    predictions.sp[id] = supporting_facts_from_json(facts, where + ": sp[\"" + id + "\"]");
  return predictions;
}

std::vector<HotpotGoldExample> read_hotpot_gold(const std::string& path) {
  return hotpot_gold_from_json(read_json_file(path), path);
}

HotpotPredictions read_hotpot_predictions(const std::string& path) {
  return hotpot_predictions_from_json(read_json_file(path), path);
}

}  // namespace vcc::eval
