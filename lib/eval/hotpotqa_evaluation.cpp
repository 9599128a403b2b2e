#include "eval/hotpotqa_evaluation.h"

#include "core/error.h"

namespace vcc::eval {

std::vector<std::pair<std::string, double>> HotpotMetrics::named() const {
  return {{"em", em},           {"f1", f1},           {"prec", prec},
          {"recall", recall},   {"sp_em", sp_em},     {"sp_f1", sp_f1},
          {"sp_prec", sp_prec}, {"sp_recall", sp_recall}, {"joint_em", joint_em},
          {"joint_f1", joint_f1}, {"joint_prec", joint_prec}, {"joint_recall", joint_recall}};
}

HotpotEvaluation evaluate_hotpotqa(const std::vector<HotpotGoldExample>& gold,
                                   const HotpotPredictions& predictions) {
  VCC_USER_CHECK(!gold.empty(), "the HotpotQA gold set is empty; there is nothing to score");
  HotpotEvaluation out;
  HotpotMetrics& sum = out.metrics;
  for (const HotpotGoldExample& example : gold) {
    HotpotExampleResult result;
    result.id = example.id;
    if (auto it = predictions.answer.find(example.id); it != predictions.answer.end()) {
      const HotpotAnswerScore a = hotpot_answer_score(it->second, example.answer);
      sum.em += a.em;
      sum.f1 += a.f1;
      sum.prec += a.prec;
      sum.recall += a.recall;
      result.answer = a;
    } else {
      out.missing_answer.push_back(example.id);
    }
    if (auto it = predictions.sp.find(example.id); it != predictions.sp.end()) {
      const HotpotSpScore s = hotpot_sp_score(it->second, example.supporting_facts);
      sum.sp_em += s.sp_em;
      sum.sp_f1 += s.sp_f1;
      sum.sp_prec += s.sp_prec;
      sum.sp_recall += s.sp_recall;
      result.sp = s;
    } else {
      out.missing_sp.push_back(example.id);
    }
    if (result.answer && result.sp) {
      const HotpotJointScore j = hotpot_joint_score(*result.answer, *result.sp);
      sum.joint_em += j.joint_em;
      sum.joint_f1 += j.joint_f1;
      sum.joint_prec += j.joint_prec;
      sum.joint_recall += j.joint_recall;
      result.joint = j;
    }
    out.examples.push_back(std::move(result));
  }
  // The script divides each sum by N = len(gold) once at the end (0..1 scale, not percent).
  const auto n = static_cast<double>(gold.size());
  for (double* v : {&sum.em, &sum.f1, &sum.prec, &sum.recall, &sum.sp_em, &sum.sp_f1, &sum.sp_prec,
                    &sum.sp_recall, &sum.joint_em, &sum.joint_f1, &sum.joint_prec, &sum.joint_recall})
    *v /= n;
  return out;
}

}  // namespace vcc::eval
