#pragma once
// Reading the official HotpotQA gold and prediction JSON formats, with errors that name the file and field.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "eval/hotpotqa_evaluation.h"

namespace vcc::eval {

// `where` prefixes error messages (a file name, or "gold[3]"). Each conversion throws
// vcc::Error naming the field and the JSON type that was found instead.

// [[title, sentence_index], ...]: title a string; index a number or string (bools count as
// 0/1, as they do for Python's set comparison).
std::vector<SupportingFact> supporting_facts_from_json(const nlohmann::json& value, const std::string& where);

// The gold file: a list of {"_id": str, "answer": str, "supporting_facts": [...]} (other keys ignored).
std::vector<HotpotGoldExample> hotpot_gold_from_json(const nlohmann::json& value, const std::string& where);

// The prediction file: {"answer": {id: str}, "sp": {id: [[title, idx], ...]}}; both keys required.
HotpotPredictions hotpot_predictions_from_json(const nlohmann::json& value, const std::string& where);

std::vector<HotpotGoldExample> read_hotpot_gold(const std::string& path);
HotpotPredictions read_hotpot_predictions(const std::string& path);

}  // namespace vcc::eval
