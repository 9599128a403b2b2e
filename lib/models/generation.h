#pragma once
// Text generation with a T5 model: greedy search and beam search (Hugging Face 4.36's
// algorithm, /work/shared/data/hf-reference/README.md "Beam-search cases"), incremental
// with per-block key/value caches, or without caches (the whole prefix each step) as a check.
#include <cstdint>
#include <string>
#include <vector>

#include "models/t5.h"

namespace vcc::models {

struct GenerationOptions {
  int64_t max_new_tokens = 20;
  int64_t num_beams = 1;            // 1 = greedy
  double length_penalty = 1.0;      // hypothesis score = sum log p / generated_length^length_penalty
  // Hugging Face's early_stopping: "true" (a row is done once it has num_beams finished
  // hypotheses), "false" (done when no live beam can beat the worst kept hypothesis, judged
  // at the current length) or "never" (judged at the longest possible length).
  std::string early_stopping = "false";
  bool use_cache = true;
  bool output_step_logits = false;  // greedy: keep each step's raw logits
  // Special ids; -1 takes them from the model config.
  int64_t decoder_start_token_id = -1;
  int64_t eos_token_id = -1;
  int64_t pad_token_id = -1;
};

struct GenerationOutput {
  Tensor sequences;        // [B, L] int64, starting with the decoder start id
  Tensor step_logits;      // greedy with output_step_logits: [B, steps, V] float32
  Tensor sequence_scores;  // beam search: [B] score of each returned hypothesis (float64)
};

// The model side of a search: next-token logits for a set of decoder rows.
class TokenScorer {
 public:
  virtual ~TokenScorer() = default;
  // rows: every row's ids so far (equal lengths, start id first) -> float32 logits [rows, V]
  // for the position after the last id.
  virtual Tensor next_logits(const std::vector<std::vector<int64_t>>& rows) = 0;
  // From now on row i continues what row rows[i] was (beam reordering).
  virtual void reorder(const std::vector<int64_t>& rows) = 0;
};

struct SpecialIds {
  int64_t start = 0, eos = 1, pad = 0;
};

// The searches over any scorer: greedy with `batch` rows; beam search with batch x
// num_beams rows (row b * num_beams + j is beam j of input b).
GenerationOutput greedy_search(TokenScorer& scorer, int64_t batch, int64_t vocab, const GenerationOptions& options,
                               const SpecialIds& ids);
GenerationOutput beam_search(TokenScorer& scorer, int64_t batch, int64_t vocab, const GenerationOptions& options,
                             const SpecialIds& ids);

// Greedy for num_beams == 1, beam search otherwise (as Hugging Face's generate()).
// importance_mask [B, N]: VIP candidates for a VCC encoder (ignored without VCC).
GenerationOutput generate(const T5Model& model, const Tensor& input_ids, const Tensor& attention_mask,
                          const GenerationOptions& options, const Tensor& importance_mask = Tensor());
// argmax each step; rows that produced eos continue with pad; stops when every row has
// finished or after max_new_tokens.
GenerationOutput greedy_search(const T5Model& model, const Tensor& input_ids, const Tensor& attention_mask,
                               const GenerationOptions& options, const Tensor& importance_mask = Tensor());
// Beam search for any num_beams >= 1 (num_beams 1 is a valid, greedy-like search).
GenerationOutput beam_search(const T5Model& model, const Tensor& input_ids, const Tensor& attention_mask,
                             const GenerationOptions& options, const Tensor& importance_mask = Tensor());

// The beam-search score of given sequences [B, L] (start id first, then generated tokens,
// ending at the first eos or at the end): sum of log-probabilities of the generated tokens
// up to and including eos, divided by their count^length_penalty. [B] float64.
Tensor score_sequences(const T5Model& model, const Tensor& input_ids, const Tensor& attention_mask,
                       const Tensor& sequences, double length_penalty, int64_t eos_token_id = -1);

}  // namespace vcc::models
