#include "eval/hotpotqa_metrics.h"

#include <algorithm>
#include <cmath>

#include "eval/answer_normalization.h"
#include "eval/squad_metrics.h"

namespace vcc::eval {

SentenceId SentenceId::integer(int64_t value) {
  SentenceId id;
  id.kind_ = Kind::kInteger;
  id.integer_ = value;
  return id;
}

SentenceId SentenceId::number(double value) {
  // Python compares int and float exactly, so an integral double is the same key as the
  // integer; one outside int64 range can equal no int64 and stays a real.
  if (std::trunc(value) == value && value >= -0x1p63 && value < 0x1p63)
    return integer(static_cast<int64_t>(value));
  SentenceId id;
  id.kind_ = Kind::kReal;
  id.real_ = value;
  return id;
}

SentenceId SentenceId::string(std::string value) {
  SentenceId id;
  id.kind_ = Kind::kString;
  id.string_ = std::move(value);
  return id;
}

HotpotAnswerScore hotpot_answer_score(std::string_view prediction, std::string_view gold) {
  const std::string normalized_prediction = normalize_answer(prediction);
  const std::string normalized_gold = normalize_answer(gold);
  HotpotAnswerScore out;
  out.em = normalized_prediction == normalized_gold ? 1.0 : 0.0;
  auto is_special = [](const std::string& s) { return s == "yes" || s == "no" || s == "noanswer"; };
  if ((is_special(normalized_prediction) || is_special(normalized_gold)) &&
      normalized_prediction != normalized_gold)
    return out;
  const TokenF1 f = token_f1(answer_tokens(prediction), answer_tokens(gold));
  out.f1 = f.f1;
  out.prec = f.precision;
  out.recall = f.recall;
  return out;
}

HotpotSpScore hotpot_sp_score(const std::vector<SupportingFact>& prediction,
                              const std::vector<SupportingFact>& gold) {
  auto as_set = [](std::vector<SupportingFact> facts) {
    std::sort(facts.begin(), facts.end());
    facts.erase(std::unique(facts.begin(), facts.end()), facts.end());
    return facts;
  };
  const std::vector<SupportingFact> predicted = as_set(prediction);
  const std::vector<SupportingFact> expected = as_set(gold);
  long tp = 0;
  for (const SupportingFact& f : predicted)
    if (std::binary_search(expected.begin(), expected.end(), f)) ++tp;
  const long fp = static_cast<long>(predicted.size()) - tp;
  const long fn = static_cast<long>(expected.size()) - tp;

  HotpotSpScore out;
  out.sp_prec = tp + fp > 0 ? 1.0 * static_cast<double>(tp) / static_cast<double>(tp + fp) : 0.0;
  out.sp_recall = tp + fn > 0 ? 1.0 * static_cast<double>(tp) / static_cast<double>(tp + fn) : 0.0;
  out.sp_f1 = out.sp_prec + out.sp_recall > 0
                  ? 2 * out.sp_prec * out.sp_recall / (out.sp_prec + out.sp_recall)
                  : 0.0;
  out.sp_em = fp + fn == 0 ? 1.0 : 0.0;
  return out;
}

HotpotJointScore hotpot_joint_score(const HotpotAnswerScore& answer, const HotpotSpScore& sp) {
  HotpotJointScore out;
  out.joint_prec = answer.prec * sp.sp_prec;
  out.joint_recall = answer.recall * sp.sp_recall;
  out.joint_f1 = out.joint_prec + out.joint_recall > 0
                     ? 2 * out.joint_prec * out.joint_recall / (out.joint_prec + out.joint_recall)
                     : 0.0;
  out.joint_em = answer.em * sp.sp_em;
  return out;
}

}  // namespace vcc::eval
