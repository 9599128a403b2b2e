// SQuAD v1.1 and HotpotQA metrics against the official scripts' outputs.
#include <optional>

#include "eval/answer_normalization.h"
#include "eval/hotpotqa_evaluation.h"
#include "eval/hotpotqa_json.h"
#include "eval/hotpotqa_metrics.h"
#include "eval/squad_metrics.h"
#include "metric_vectors.h"

using namespace vcc::eval;
using namespace vcc::eval::testing;
using nlohmann::json;

namespace {

std::vector<std::string> strings(const json& j) { return j.get<std::vector<std::string>>(); }

void expect_hotpot_metrics(const HotpotMetrics& m, const json& expected, const std::string& id) {
  for (const auto& [name, value] : m.named()) expect_value(value, expected.at(name), id, name);
}

}  // namespace

TEST(SquadVectors, EmF1MaxOverReferencesAndNormalisation) {
  const auto vectors = metric_vectors("squad_em_f1");
  ASSERT_FALSE(vectors.empty());
  for (const json& v : vectors) {
    const std::string id = v.at("id");
    const std::string prediction = v.at("prediction");
    const std::vector<std::string> references = strings(v.at("references"));
    const json& expected = v.at("expected");

    EXPECT_EQ(normalize_answer(prediction), expected.at("normalized_prediction").get<std::string>()) << id;
    for (size_t r = 0; r < references.size(); ++r) {
      EXPECT_EQ(normalize_answer(references[r]), expected.at("normalized_references")[r].get<std::string>())
          << id << " reference " << r;
      const json& per_reference = expected.at("per_reference")[r];
      expect_value(exact_match(prediction, references[r]), per_reference.at("em"), id, "per_reference.em");
      expect_value(f1_score(prediction, references[r]), per_reference.at("f1"), id, "per_reference.f1");
    }
    const EmF1 s = squad_em_f1(prediction, references);
    expect_value(s.em, expected.at("em"), id, "em");
    expect_value(s.f1, expected.at("f1"), id, "f1");
  }
}

TEST(SquadVectors, CorpusPercentWithUnansweredQuestions) {
  const auto vectors = metric_vectors("squad_corpus");
  ASSERT_FALSE(vectors.empty());
  for (const json& v : vectors) {
    const std::string id = v.at("id");
    std::vector<std::optional<std::string>> predictions;
    for (const json& p : v.at("prediction"))
      predictions.push_back(p.is_null() ? std::nullopt : std::optional<std::string>(p.get<std::string>()));
    std::vector<std::vector<std::string>> references;
    for (const json& r : v.at("references")) references.push_back(strings(r));
    const SquadCorpusScore s = squad_corpus_score(predictions, references);
    expect_value(s.exact_match, v.at("expected").at("exact_match"), id, "exact_match");
    expect_value(s.f1, v.at("expected").at("f1"), id, "f1");
  }
}

TEST(HotpotVectors, AnswerWithYesNoRule) {
  const auto vectors = metric_vectors("hotpot_answer");
  ASSERT_FALSE(vectors.empty());
  for (const json& v : vectors) {
    const std::string id = v.at("id");
    const std::string prediction = v.at("prediction");
    const std::string gold = v.at("references").at(0);
    const json& expected = v.at("expected");
    EXPECT_EQ(normalize_answer(prediction), expected.at("normalized_prediction").get<std::string>()) << id;
    EXPECT_EQ(normalize_answer(gold), expected.at("normalized_reference").get<std::string>()) << id;
    const HotpotAnswerScore s = hotpot_answer_score(prediction, gold);
    expect_value(s.em, expected.at("em"), id, "em");
    expect_value(s.f1, expected.at("f1"), id, "f1");
    expect_value(s.prec, expected.at("prec"), id, "prec");
    expect_value(s.recall, expected.at("recall"), id, "recall");
  }
}

TEST(HotpotVectors, SupportingFacts) {
  const auto vectors = metric_vectors("hotpot_sp");
  ASSERT_FALSE(vectors.empty());
  for (const json& v : vectors) {
    const std::string id = v.at("id");
    const HotpotSpScore s = hotpot_sp_score(supporting_facts_from_json(v.at("prediction"), id),
                                            supporting_facts_from_json(v.at("references"), id));
    const json& expected = v.at("expected");
    expect_value(s.sp_em, expected.at("sp_em"), id, "sp_em");
    expect_value(s.sp_f1, expected.at("sp_f1"), id, "sp_f1");
    expect_value(s.sp_prec, expected.at("sp_prec"), id, "sp_prec");
    expect_value(s.sp_recall, expected.at("sp_recall"), id, "sp_recall");
  }
}

TEST(HotpotVectors, JointOneExampleRuns) {
  const auto vectors = metric_vectors("hotpot_joint");
  ASSERT_FALSE(vectors.empty());
  for (const json& v : vectors) {
    const std::string id = v.at("id");
    // A one-example run of the official eval(): wrap the vector in the file formats.
    const json& gold_entry = v.at("references").at(0);
    const json gold = json::array({{{"_id", id},
                                    {"answer", gold_entry.at("answer")},
                                    {"supporting_facts", gold_entry.at("supporting_facts")}}});
    const json prediction = {{"answer", {{id, v.at("prediction").at("answer")}}},
                             {"sp", {{id, v.at("prediction").at("sp")}}}};
    const HotpotEvaluation e =
        evaluate_hotpotqa(hotpot_gold_from_json(gold, id), hotpot_predictions_from_json(prediction, id));
    expect_hotpot_metrics(e.metrics, v.at("expected"), id);
  }
}

TEST(HotpotVectors, CorpusWithMissingIds) {
  const auto vectors = metric_vectors("hotpot_corpus");
  ASSERT_FALSE(vectors.empty());
  for (const json& v : vectors) {
    const std::string id = v.at("id");
    const HotpotEvaluation e = evaluate_hotpotqa(hotpot_gold_from_json(v.at("references"), id),
                                                 hotpot_predictions_from_json(v.at("prediction"), id));
    expect_hotpot_metrics(e.metrics, v.at("expected"), id);
  }
}

// The shipped vectors' second corpus has gold ids without an answer or sp entry; check the
// ids are reported, not just that the means come out right.
TEST(HotpotVectors, CorpusReportsMissingIdsInGoldOrder) {
  if (!using_default_vectors()) GTEST_SKIP() << "ids are those of the shipped file";
  const json v = metric_vectors("hotpot_corpus").at(1);
  const HotpotEvaluation e = evaluate_hotpotqa(hotpot_gold_from_json(v.at("references"), "gold"),
                                               hotpot_predictions_from_json(v.at("prediction"), "pred"));
  EXPECT_EQ(e.missing_answer, (std::vector<std::string>{"5a000201"}));
  EXPECT_FALSE(e.missing_sp.empty());
  for (const HotpotExampleResult& r : e.examples)
    EXPECT_EQ(r.joint.has_value(), r.answer.has_value() && r.sp.has_value()) << r.id;
}
