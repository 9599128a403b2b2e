#include "eval/score_command.h"

#include <exception>
#include <ostream>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "eval/atomic_file.h"
#include "eval/hotpotqa_evaluation.h"
#include "eval/hotpotqa_json.h"
#include "eval/pair_scoring.h"
#include "eval/pairs_file.h"

namespace vcc::eval {
namespace {

using OrderedJson = nlohmann::ordered_json;

// Up to five ids, for a one-line note.
std::string first_ids(const std::vector<std::string>& ids) {
  std::string text;
  for (size_t i = 0; i < ids.size() && i < 5; ++i) text += (i ? ", " : "") + ids[i];
  if (ids.size() > 5) text += ", ...";
  return text;
}

OrderedJson rouge_json(const RougeScore& s) {
  return OrderedJson{{"precision", s.precision}, {"recall", s.recall}, {"fmeasure", s.fmeasure}};
}

// The metric fields of one result (a ScoredPair or the corpus means), in a fixed order.
void add_pair_metrics(OrderedJson& j, const PairMetrics& metrics, const EmF1& squad,
                      const std::vector<RougeScore>& rouge) {
  if (metrics.squad) {
    j["em"] = squad.em;
    j["f1"] = squad.f1;
  }
  for (size_t t = 0; t < metrics.rouge_types.size(); ++t) j[metrics.rouge_types[t].name()] = rouge_json(rouge[t]);
}

int run_pairs(const ScoreOptions& options, std::ostream& out, std::ostream& err) {
  const PairMetrics metrics = PairMetrics::parse(options.metrics, options.rouge_stemmer);
  const std::vector<PairExample> pairs = read_pairs_file(options.input);
  const PairEvaluation evaluation = score_pairs(pairs, metrics);

  if (!evaluation.missing_ids.empty())
    err << "vcc-eval score: " << evaluation.missing_ids.size() << " of " << pairs.size()
        << " examples have no prediction (null); they score 0 and count in the means (" << first_ids(evaluation.missing_ids)
        << ")\n";
  if (!options.per_example.empty()) {
    AtomicFile file(options.per_example);
    for (const ScoredPair& p : evaluation.examples) {
      OrderedJson line{{"id", p.id}};
      add_pair_metrics(line, metrics, p.squad, p.rouge);
      if (p.missing_prediction) line["missing_prediction"] = true;
      file.stream() << line.dump() << '\n';
    }
    file.commit();
  }
  OrderedJson corpus{{"count", pairs.size()}};
  add_pair_metrics(corpus, metrics, evaluation.squad_mean, evaluation.rouge_mean);
  out << corpus.dump() << '\n';
  return 0;
}

OrderedJson hotpot_example_json(const HotpotExampleResult& r) {
  OrderedJson line{{"id", r.id}};
  if (r.answer) {
    line["em"] = r.answer->em;
    line["f1"] = r.answer->f1;
    line["prec"] = r.answer->prec;
    line["recall"] = r.answer->recall;
  } else {
    line["missing_answer"] = true;
  }
  if (r.sp) {
    line["sp_em"] = r.sp->sp_em;
    line["sp_f1"] = r.sp->sp_f1;
    line["sp_prec"] = r.sp->sp_prec;
    line["sp_recall"] = r.sp->sp_recall;
  } else {
    line["missing_sp"] = true;
  }
  if (r.joint) {
    line["joint_em"] = r.joint->joint_em;
    line["joint_f1"] = r.joint->joint_f1;
    line["joint_prec"] = r.joint->joint_prec;
    line["joint_recall"] = r.joint->joint_recall;
  }
  return line;
}

int run_hotpotqa(const ScoreOptions& options, std::ostream& out, std::ostream& err) {
  const std::vector<HotpotGoldExample> gold = read_hotpot_gold(options.hotpotqa_gold);
  const HotpotPredictions predictions = read_hotpot_predictions(options.hotpotqa_pred);
  const HotpotEvaluation evaluation = evaluate_hotpotqa(gold, predictions);

  // The official script prints one "missing answer <id>" line per id; a count is easier to
  // read on a full dev set, and the per-example file lists them all.
  if (!evaluation.missing_answer.empty())
    err << "vcc-eval score: missing answer for " << evaluation.missing_answer.size() << " of " << gold.size()
        << " gold ids; they score 0 and count in N (" << first_ids(evaluation.missing_answer) << ")\n";
  if (!evaluation.missing_sp.empty())
    err << "vcc-eval score: missing sp fact for " << evaluation.missing_sp.size() << " of " << gold.size()
        << " gold ids; they score 0 and count in N (" << first_ids(evaluation.missing_sp) << ")\n";
  if (!options.per_example.empty()) {
    AtomicFile file(options.per_example);
    for (const HotpotExampleResult& r : evaluation.examples) file.stream() << hotpot_example_json(r).dump() << '\n';
    file.commit();
  }
  OrderedJson corpus = OrderedJson::object();
  for (const auto& [name, value] : evaluation.metrics.named()) corpus[name] = value;
  out << corpus.dump() << '\n';
  return 0;
}

void check_mode(const ScoreOptions& options) {
  const bool pairs = !options.input.empty();
  const bool hotpot = !options.hotpotqa_gold.empty() || !options.hotpotqa_pred.empty();
  VCC_USER_CHECK(pairs != hotpot,
                 pairs ? "--input cannot be combined with --hotpotqa-gold/--hotpotqa-pred"
                       : "nothing to score: give --input pairs.jsonl, or --hotpotqa-gold and --hotpotqa-pred");
  VCC_USER_CHECK(!hotpot || (!options.hotpotqa_gold.empty() && !options.hotpotqa_pred.empty()),
                 "HotpotQA scoring needs both --hotpotqa-gold and --hotpotqa-pred");
}

}  // namespace

int run_score(const ScoreOptions& options, std::ostream& out, std::ostream& err) {
  try {
    check_mode(options);
    return options.input.empty() ? run_hotpotqa(options, out, err) : run_pairs(options, out, err);
  } catch (const Error& e) {
    err << "vcc-eval score: error: " << user_error_text(e.what()) << '\n';
  } catch (const std::exception& e) {
    err << "vcc-eval score: internal error: " << e.what() << '\n';
  }
  return 1;
}

}  // namespace vcc::eval
