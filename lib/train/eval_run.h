#pragma once
// `vcc-eval run`: predictions of a trained checkpoint on a preprocessed split, scored with
// lib/eval, written in the official formats:
//   DIR/predictions.json   HotpotQA splits: {"answer": {id: text}, "sp": {id: []}} (the
//                          official prediction file; vcc predicts no supporting facts);
//                          otherwise {id: answer}
//   DIR/predictions.jsonl  {"id", "prediction", "references"} per example, the input of
//                          `vcc-eval score --input` for re-scoring
//   DIR/metrics.json       EM/F1 (percent), ROUGE when asked, official HotpotQA metrics
//                          with a gold file, counts and speed
// Files are written under temporary names and renamed; nothing is written on an error.
#include <iosfwd>
#include <string>
#include <vector>

namespace vcc::train {

struct EvalRunOptions {
  std::string model;      // checkpoint folder (model.h5 + model.yaml)
  std::string data;       // HDF5 split from vcc-preprocess
  std::string out;        // output folder (created)
  std::string tokenizer;  // SentencePiece model; default: the checkpoint's tokenizer/ copy
  std::vector<std::string> overrides;  // "model.KEY=VALUE" (e.g. model.vcc.fine_blocks=90)
  int64_t batch_size = 8;
  int64_t max_examples = 0;  // 0 = all
  int64_t num_beams = 1;     // seq2seq generation
  int64_t max_new_tokens = 0;  // 0 = the split's target length
  double length_penalty = 1.0;
  int64_t max_answer_tokens = 30;  // extractive span limit
  bool rouge = false;
  std::string hotpotqa_gold;  // official gold JSON: adds the official HotpotQA metrics
  int threads = 0;            // 0 = OpenMP's default
  std::string device = "cpu";
  bool progress = true;       // progress bar on stderr
};

// Runs the command; the metrics go to `out` as one JSON line, progress and errors to `err`
// ("vcc-eval: error: ..."). Returns 0 on success, 1 on an error.
int run_eval_command(const EvalRunOptions& options, std::ostream& out, std::ostream& err);

}  // namespace vcc::train
