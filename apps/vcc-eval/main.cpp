// vcc-eval: evaluation commands. Parsing only; each subcommand calls one lib/eval entry point.
#include <iostream>

#include <CLI/CLI.hpp>

#include "eval/score_command.h"
#include "train/eval_run.h"

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

  vcc::train::EvalRunOptions run;
  bool run_quiet = false;
  CLI::App* run_cmd = app.add_subcommand(
      "run", "Predict with a trained checkpoint on a preprocessed split, score it, write official-format predictions");
  run_cmd->add_option("--model", run.model, "Checkpoint folder (e.g. runs/x/best)")->required();
  run_cmd->add_option("--data", run.data, "HDF5 split from vcc-preprocess")->required();
  run_cmd->add_option("--out", run.out, "Output folder: predictions.json, predictions.jsonl, metrics.json")->required();
  run_cmd->add_option("--tokenizer", run.tokenizer, "SentencePiece model (default: the checkpoint's tokenizer copy)");
  run_cmd->add_option("--set", run.overrides, "Model option override KEY=VALUE, e.g. model.vcc.fine_blocks=90");
  run_cmd->add_option("--batch-size", run.batch_size, "Examples per forward pass")->capture_default_str();
  run_cmd->add_option("--max-examples", run.max_examples, "Only the first N examples (0 = all)")->capture_default_str();
  run_cmd->add_option("--num-beams", run.num_beams, "Seq2seq: beam size (1 = greedy)")->capture_default_str();
  run_cmd->add_option("--max-new-tokens", run.max_new_tokens, "Seq2seq: answer length limit (0 = the split's)")
      ->capture_default_str();
  run_cmd->add_option("--length-penalty", run.length_penalty, "Seq2seq beam search length penalty")->capture_default_str();
  run_cmd->add_option("--max-answer-tokens", run.max_answer_tokens, "Extractive: longest span")->capture_default_str();
  run_cmd->add_flag("--rouge", run.rouge, "Also score ROUGE-1/2/L/Lsum (Porter stemmer)");
  run_cmd->add_option("--hotpotqa-gold", run.hotpotqa_gold, "Official HotpotQA gold file: adds the official metrics");
  run_cmd->add_option("--threads", run.threads, "CPU threads (0 = OpenMP default)")->capture_default_str();
  run_cmd->add_option("--device", run.device, "cpu, cuda, cuda:N, emu or emu:N (emulated accelerator)")->capture_default_str();
  run_cmd->add_flag("--quiet", run_quiet, "No progress bar");

  CLI11_PARSE(app, argc, argv);

  if (*score_cmd) return vcc::eval::run_score(score, std::cout, std::cerr);
  if (*run_cmd) {
    run.progress = !run_quiet;
    return vcc::train::run_eval_command(run, std::cout, std::cerr);
  }
  return 1;
}
