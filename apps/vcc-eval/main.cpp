// vcc-eval: evaluation commands. Parsing only; each subcommand calls one lib/eval entry point.
#include <iostream>

#include <CLI/CLI.hpp>

#include "eval/score_command.h"

int main(int argc, char** argv) {
  CLI::App app{"vcc-eval: evaluation metrics for vcc, computed exactly as the official scripts do"};
  app.require_subcommand(1);

  vcc::eval::ScoreOptions score;
  CLI::App* score_cmd = app.add_subcommand(
      "score", "Score predictions: SQuAD EM/F1 and ROUGE on JSON-lines pairs, or HotpotQA's official metrics");
  CLI::Option* input = score_cmd->add_option(
      "--input", score.input, "JSON lines {\"id\", \"prediction\", \"references\": [...]} (prediction null = unanswered)");
  score_cmd->add_option("--metrics", score.metrics,
                        "Comma-separated: squad (EM, F1), rouge (rouge1, rouge2, rougeL, rougeLsum) or single ROUGE types")
      ->delimiter(',')
      ->capture_default_str()
      ->needs(input);
  score_cmd->add_flag("--rouge-stemmer", score.rouge_stemmer,
                      "Porter-stem ROUGE tokens (rouge-score's use_stemmer=True)")
      ->needs(input);
  CLI::Option* gold = score_cmd->add_option("--hotpotqa-gold", score.hotpotqa_gold,
                                            "Official HotpotQA gold file (list of {_id, answer, supporting_facts})");
  CLI::Option* pred = score_cmd->add_option("--hotpotqa-pred", score.hotpotqa_pred,
                                            "Official prediction file {\"answer\": {id: str}, \"sp\": {id: [[title, idx]]}}");
  gold->needs(pred)->excludes(input);
  pred->needs(gold)->excludes(input);
  score_cmd->add_option("--per-example", score.per_example, "Also write one JSON line of scores per example here");

  CLI11_PARSE(app, argc, argv);

  if (*score_cmd) return vcc::eval::run_score(score, std::cout, std::cerr);
  return 1;
}
