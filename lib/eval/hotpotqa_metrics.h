#pragma once
// Per-example HotpotQA metrics of hotpot_evaluate_v1.py: answer (with the yes/no/noanswer rule), supporting facts, joint.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace vcc::eval {

// A sentence index compared the way Python compares dict/set keys: numbers by value (0 == 0.0,
// true == 1), strings by content, and a number never equals a string ("0" != 0).
class SentenceId {
 public:
  static SentenceId integer(int64_t value);
  static SentenceId number(double value);  // integral doubles become integers, as 1.0 == 1
  static SentenceId string(std::string value);

  bool operator==(const SentenceId&) const = default;
  auto operator<=>(const SentenceId&) const = default;

 private:
  enum class Kind { kInteger, kReal, kString };
  Kind kind_ = Kind::kInteger;
  int64_t integer_ = 0;
  double real_ = 0.0;
  std::string string_;
};

// One [title, sentence index] pair. Titles are compared exactly (case-sensitive, not normalised).
struct SupportingFact {
  std::string title;
  SentenceId sentence;
  bool operator==(const SupportingFact&) const = default;
  auto operator<=>(const SupportingFact&) const = default;
};

struct HotpotAnswerScore {
  double em = 0.0;
  double f1 = 0.0;
  double prec = 0.0;
  double recall = 0.0;
};
// A single gold answer (no max). If either side normalises to yes/no/noanswer and the two
// differ, F1/precision/recall are 0 even when tokens overlap.
HotpotAnswerScore hotpot_answer_score(std::string_view prediction, std::string_view gold);

struct HotpotSpScore {
  double sp_em = 0.0;
  double sp_f1 = 0.0;
  double sp_prec = 0.0;
  double sp_recall = 0.0;
};
// Both lists are taken as sets (duplicates collapse, order is irrelevant).
HotpotSpScore hotpot_sp_score(const std::vector<SupportingFact>& prediction,
                              const std::vector<SupportingFact>& gold);

struct HotpotJointScore {
  double joint_em = 0.0;
  double joint_f1 = 0.0;
  double joint_prec = 0.0;
  double joint_recall = 0.0;
};
// joint_prec = prec * sp_prec, joint_recall = recall * sp_recall, and joint_f1 is their
// harmonic mean, which is not f1 * sp_f1.
HotpotJointScore hotpot_joint_score(const HotpotAnswerScore& answer, const HotpotSpScore& sp);

}  // namespace vcc::eval
