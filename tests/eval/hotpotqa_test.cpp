// HotpotQA scoring on the shared dev sample and the official prediction/gold formats.
#include <gtest/gtest.h>

#include "core/error.h"
#include "eval/hotpotqa_evaluation.h"
#include "eval/hotpotqa_json.h"
#include "eval/json_files.h"

using namespace vcc::eval;
using nlohmann::json;

namespace {

const char* const kSamplePath = VCC_SHARED_DATA "/hotpotqa/hotpot_dev_distractor_v1_100.json";

// The official prediction file that repeats the gold answers and supporting facts.
HotpotPredictions gold_as_predictions(const std::vector<HotpotGoldExample>& gold) {
  HotpotPredictions p;
  for (const HotpotGoldExample& e : gold) {
    p.answer[e.id] = e.answer;
    p.sp[e.id] = e.supporting_facts;
  }
  return p;
}

}  // namespace

TEST(HotpotQA, DevSampleScoredWithItsOwnGoldIsPerfect) {
  const std::vector<HotpotGoldExample> gold = read_hotpot_gold(kSamplePath);
  ASSERT_EQ(gold.size(), 103u);
  EXPECT_EQ(gold.front().id, "5a8b57f25542995d1e6f1371");
  const HotpotEvaluation e = evaluate_hotpotqa(gold, gold_as_predictions(gold));
  for (const auto& [name, value] : e.metrics.named()) EXPECT_EQ(value, 1.0) << name;
  EXPECT_TRUE(e.missing_answer.empty());
  EXPECT_TRUE(e.missing_sp.empty());
}

TEST(HotpotQA, MissingIdsScoreZeroAndStillCountInN) {
  const std::vector<HotpotGoldExample> gold = read_hotpot_gold(kSamplePath);
  HotpotPredictions p = gold_as_predictions(gold);
  p.answer.erase(gold[0].id);
  p.sp.erase(gold[1].id);
  p.answer["not-in-gold"] = "ignored";
  const HotpotEvaluation e = evaluate_hotpotqa(gold, p);
  const double n = 103.0;
  EXPECT_EQ(e.metrics.em, 102.0 / n);
  EXPECT_EQ(e.metrics.sp_em, 102.0 / n);
  EXPECT_EQ(e.metrics.joint_em, 101.0 / n);
  EXPECT_EQ(e.missing_answer, (std::vector<std::string>{gold[0].id}));
  EXPECT_EQ(e.missing_sp, (std::vector<std::string>{gold[1].id}));
  EXPECT_FALSE(e.examples[0].joint.has_value());
  EXPECT_FALSE(e.examples[1].joint.has_value());
}

TEST(HotpotQA, YesNoAnswersGetNoPartialCredit) {
  EXPECT_EQ(hotpot_answer_score("yes it is", "yes").f1, 0.0);
  EXPECT_EQ(hotpot_answer_score("no answer", "noanswer").f1, 0.0);
  EXPECT_EQ(hotpot_answer_score("The yes", "yes").f1, 1.0);
  EXPECT_EQ(hotpot_answer_score("It's yes", "yes").f1, 0.0);
  const HotpotAnswerScore empty = hotpot_answer_score("", "");
  EXPECT_EQ(empty.em, 1.0);
  EXPECT_EQ(empty.f1, 0.0);
}

TEST(HotpotQA, JointF1IsHarmonicMeanOfProducts) {
  const HotpotAnswerScore a{0.0, 2.0 / 3.0, 1.0, 0.5};
  const HotpotSpScore s{0.0, 2.0 / 3.0, 0.5, 1.0};
  const HotpotJointScore j = hotpot_joint_score(a, s);
  EXPECT_EQ(j.joint_prec, 0.5);
  EXPECT_EQ(j.joint_recall, 0.5);
  EXPECT_EQ(j.joint_f1, 0.5);  // f1 * sp_f1 would be 4/9
}

TEST(HotpotQA, SentenceIdsCompareAsPythonValues) {
  const auto facts = [](const json& j) { return supporting_facts_from_json(j, "test"); };
  // 0 == 0.0 and True == 1, but "0" != 0; titles are case-sensitive.
  EXPECT_EQ(hotpot_sp_score(facts(R"([["T", 0.0], ["T", true]])"_json), facts(R"([["T", 0], ["T", 1]])"_json)).sp_em, 1.0);
  EXPECT_EQ(hotpot_sp_score(facts(R"([["T", "0"]])"_json), facts(R"([["T", 0]])"_json)).sp_f1, 0.0);
  EXPECT_EQ(hotpot_sp_score(facts(R"([["t", 0]])"_json), facts(R"([["T", 0]])"_json)).sp_f1, 0.0);
  EXPECT_EQ(hotpot_sp_score(facts(R"([["T", 0.5]])"_json), facts(R"([["T", 0.5]])"_json)).sp_em, 1.0);
  const HotpotSpScore both_empty = hotpot_sp_score({}, {});
  EXPECT_EQ(both_empty.sp_em, 1.0);
  EXPECT_EQ(both_empty.sp_f1, 0.0);
}

TEST(HotpotQA, WrongFieldTypesAreNamedInTheError) {
  auto message = [](const json& pred) {
    try {
      hotpot_predictions_from_json(pred, "pred.json");
    } catch (const vcc::Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message(R"({"answer": {"a": 3}, "sp": {}})"_json), "pred.json: answer[\"a\"] must be a string, got number");
  EXPECT_EQ(message(R"({"answer": {}})"_json), "pred.json: missing field \"sp\"");
  EXPECT_EQ(message(R"({"answer": {}, "sp": {"a": [["T", null]]}})"_json),
            "pred.json: sp[\"a\"][0]: sentence index must be a number or a string, got null");
  EXPECT_EQ(message(R"([1])"_json),
            "pred.json: the HotpotQA prediction file must be an object {\"answer\": {...}, \"sp\": {...}}, got array");
}
