#include "models/generation.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "autograd/ops_nn.h"
#include "autograd/ops_shape.h"

namespace vcc::models {
namespace {

SpecialIds resolve_ids(const T5Model& model, const GenerationOptions& o) {
  const ModelConfig& c = model.config();
  return {o.decoder_start_token_id >= 0 ? o.decoder_start_token_id : c.decoder_start_token_id,
          o.eos_token_id >= 0 ? o.eos_token_id : c.eos_token_id, o.pad_token_id >= 0 ? o.pad_token_id : c.pad_token_id};
}

Tensor take_rows(const Tensor& t, const std::vector<int64_t>& rows) {
  if (!t.defined()) return t;
  Shape shape = t.shape();
  shape[0] = static_cast<int64_t>(rows.size());
  Tensor out = Tensor::empty(shape, t.dtype(), t.device());
  for (size_t i = 0; i < rows.size(); ++i) out.select(0, static_cast<int64_t>(i)).copy_(t.select(0, rows[i]));
  return out;
}

Tensor ids_tensor(const std::vector<std::vector<int64_t>>& rows) {
  const int64_t n = static_cast<int64_t>(rows.size()), t = static_cast<int64_t>(rows.at(0).size());
  std::vector<int64_t> flat;
  flat.reserve(n * t);
  for (const auto& r : rows) flat.insert(flat.end(), r.begin(), r.end());
  return Tensor::from_vector<int64_t>(flat, {n, t});
}

// T5 next-token logits for a set of decoder rows, with or without key/value caches.
class T5Scorer : public TokenScorer {
 public:
  T5Scorer(const T5Model& model, Var encoder_states, Tensor encoder_mask, int64_t capacity, bool use_cache)
      : model_(model), enc_(std::move(encoder_states)), mask_(std::move(encoder_mask)), cache_(use_cache) {
    if (cache_) state_ = model_.decoder().start(enc_, mask_, capacity);
  }

  // tokens: every row's ids so far (equal lengths); returns float32 logits [rows, V] of the
  // last position.
  Tensor next_logits(const std::vector<std::vector<int64_t>>& tokens) override {
    NoGradGuard no_grad;
    Var states;
    if (cache_) {
      std::vector<std::vector<int64_t>> last;
      for (const auto& r : tokens) last.push_back({r.back()});
      states = model_.decoder().step(state_, ids_tensor(last).to(enc_.device()));
    } else {
      states = model_.decoder().forward(ids_tensor(tokens).to(enc_.device()), enc_, mask_);
      states = narrow(states, 1, states.size(1) - 1, 1);
    }
    // The search runs on the host: one copy of the step's logits (a host sync on a GPU).
    return model_.lm_logits(states).value().select(1, 0).to(DType::F32).to(Device::cpu()).contiguous();
  }

  void reorder(const std::vector<int64_t>& rows) override {
    if (cache_) {
      state_.reorder(rows);
    } else {
      enc_ = Var(take_rows(enc_.value(), rows));
      mask_ = take_rows(mask_, rows);
    }
  }

 private:
  const T5Model& model_;
  Var enc_;
  Tensor mask_;
  bool cache_;
  DecoderState state_;
};

Var encode_no_grad(const T5Model& model, const Tensor& ids, const Tensor& mask, const Tensor& importance) {
  NoGradGuard no_grad;
  return model.encode(ids, mask, importance);
}

// Hugging Face's BeamHypotheses: the best num_beams finished hypotheses of one row.
struct Hypotheses {
  struct Entry {
    double score;
    std::vector<int64_t> tokens;
  };
  int64_t num_beams;
  double length_penalty;
  std::string early_stopping;
  int64_t max_new_tokens;
  std::vector<Entry> beams;
  double worst_score = 1e9;

  void add(const std::vector<int64_t>& tokens, double sum_logprobs, int64_t generated_len) {
    const double score = sum_logprobs / std::pow(static_cast<double>(generated_len), length_penalty);
    if (static_cast<int64_t>(beams.size()) < num_beams || score > worst_score) {
      beams.push_back({score, tokens});
      if (static_cast<int64_t>(beams.size()) > num_beams) {
        // Drop the worst (the first of equals, as Python's sort of (score, index) pairs).
        std::vector<std::pair<double, size_t>> order;
        for (size_t i = 0; i < beams.size(); ++i) order.emplace_back(beams[i].score, i);
        std::sort(order.begin(), order.end());
        beams.erase(beams.begin() + static_cast<std::ptrdiff_t>(order[0].second));
        worst_score = order[1].first;
      } else {
        worst_score = std::min(score, worst_score);
      }
    }
  }

  // best_sum_logprobs: the row's best candidate score this step; cur_len counts the
  // generated tokens including that candidate.
  bool is_done(double best_sum_logprobs, int64_t cur_len) const {
    if (static_cast<int64_t>(beams.size()) < num_beams) return false;
    if (early_stopping == "true") return true;
    const int64_t len = early_stopping == "never" && length_penalty > 0 ? max_new_tokens : cur_len;
    return worst_score >= best_sum_logprobs / std::pow(static_cast<double>(len), length_penalty);
  }

  // The best hypothesis; on equal scores the one added last (Python's stable sort + pop()).
  const Entry& best() const {
    size_t b = 0;
    for (size_t i = 1; i < beams.size(); ++i)
      if (beams[i].score >= beams[b].score) b = i;
    return beams.at(b);
  }
};

void check_inputs(const Tensor& ids, const Tensor& mask) {
  VCC_USER_CHECK(ids.defined() && ids.dim() == 2, "generate: input_ids must be [B, N]");
  VCC_USER_CHECK(!mask.defined() || mask.shape() == ids.shape(), "generate: attention_mask ", mask.describe(),
                 " does not match input_ids ", ids.describe());
}

void check_options(const GenerationOptions& o) {
  VCC_USER_CHECK(o.max_new_tokens >= 1, "generate: max_new_tokens must be >= 1, got ", o.max_new_tokens);
  VCC_USER_CHECK(o.num_beams >= 1, "generate: num_beams must be >= 1, got ", o.num_beams);
  VCC_USER_CHECK(o.early_stopping == "true" || o.early_stopping == "false" || o.early_stopping == "never",
                 "generate: early_stopping must be true, false or never, got '", o.early_stopping, "'");
}

}  // namespace

GenerationOutput greedy_search(TokenScorer& scorer, int64_t B, int64_t V, const GenerationOptions& o,
                               const SpecialIds& id) {
  check_options(o);
  std::vector<std::vector<int64_t>> seqs(B, std::vector<int64_t>{id.start});
  std::vector<bool> unfinished(B, true);
  std::vector<Tensor> step_logits;
  for (int64_t step = 0; step < o.max_new_tokens; ++step) {
    const Tensor logits = scorer.next_logits(seqs);
    if (o.output_step_logits) step_logits.push_back(logits.clone());
    const float* l = logits.data<float>();
    bool any = false;
    for (int64_t b = 0; b < B; ++b) {
      const float* row = l + b * V;
      const int64_t best = std::max_element(row, row + V) - row;  // first maximum, as argmax
      const int64_t token = unfinished[b] ? best : id.pad;
      seqs[b].push_back(token);
      if (token == id.eos) unfinished[b] = false;
      any = any || unfinished[b];
    }
    if (!any) break;
  }
  GenerationOutput out;
  out.sequences = ids_tensor(seqs);
  if (o.output_step_logits) {
    const int64_t steps = static_cast<int64_t>(step_logits.size());
    out.step_logits = Tensor::empty({B, steps, V}, DType::F32);
    for (int64_t s = 0; s < steps; ++s) out.step_logits.select(1, s).copy_(step_logits[s]);
  }
  return out;
}

GenerationOutput beam_search(TokenScorer& scorer, int64_t B, int64_t V, const GenerationOptions& o,
                             const SpecialIds& id) {
  check_options(o);
  const int64_t K = o.num_beams;

  std::vector<std::vector<int64_t>> seqs(B * K, std::vector<int64_t>{id.start});
  // Only beam 0 of each row is live at the start, so step 1 expands it alone.
  std::vector<float> beam_scores(B * K, 0.0f);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t j = 1; j < K; ++j) beam_scores[b * K + j] = -1e9f;
  std::vector<Hypotheses> hyps(B, Hypotheses{K, o.length_penalty, o.early_stopping, o.max_new_tokens, {}, 1e9});
  std::vector<bool> done(B, false);

  const int64_t n_cand = std::min(2 * K, K * V);
  for (int64_t step = 0; step < o.max_new_tokens; ++step) {
    Tensor logp;
    {
      NoGradGuard no_grad;
      logp = log_softmax(Var(scorer.next_logits(seqs)), -1).value().contiguous();
    }
    const float* lp = logp.data<float>();
    std::vector<float> next_scores(B * K, 0.0f);
    std::vector<int64_t> next_tokens(B * K, id.pad), next_rows(B * K, 0);
    std::vector<float> cand(K * V);
    std::vector<int64_t> order(K * V);
    for (int64_t b = 0; b < B; ++b) {
      if (done[b]) continue;  // finished rows feed pad tokens from row 0, as Hugging Face does
      // Running score + log-probability of every (beam, token) of the row, in float32.
      for (int64_t j = 0; j < K; ++j)
        for (int64_t v = 0; v < V; ++v) cand[j * V + v] = lp[(b * K + j) * V + v] + beam_scores[b * K + j];
      std::iota(order.begin(), order.end(), 0);
      std::partial_sort(order.begin(), order.begin() + n_cand, order.end(), [&](int64_t x, int64_t y) {
        return cand[x] != cand[y] ? cand[x] > cand[y] : x < y;
      });
      int64_t filled = 0;
      for (int64_t r = 0; r < n_cand && filled < K; ++r) {
        const int64_t beam = order[r] / V, token = order[r] % V, row = b * K + beam;
        const float score = cand[order[r]];
        if (token == id.eos) {
          // Only an eos among the top K closes a hypothesis; lower-ranked ones are dropped.
          if (r >= K) continue;
          hyps[b].add(seqs[row], score, step + 1);
        } else {
          next_scores[b * K + filled] = score;
          next_tokens[b * K + filled] = token;
          next_rows[b * K + filled] = row;
          ++filled;
        }
      }
      VCC_CHECK(filled == K, "beam search: only ", filled, " live beams for ", K, " (too few candidates)");
      done[b] = hyps[b].is_done(cand[order[0]], step + 1);
    }
    std::vector<std::vector<int64_t>> next_seqs(B * K);
    for (int64_t i = 0; i < B * K; ++i) {
      next_seqs[i] = seqs[next_rows[i]];
      next_seqs[i].push_back(next_tokens[i]);
    }
    seqs = std::move(next_seqs);
    beam_scores = next_scores;
    if (std::all_of(done.begin(), done.end(), [](bool d) { return d; })) break;
    scorer.reorder(next_rows);
  }

  // Rows still open add their live beams, scored at their full length.
  for (int64_t b = 0; b < B; ++b) {
    if (done[b]) continue;
    for (int64_t j = 0; j < K; ++j)
      hyps[b].add(seqs[b * K + j], beam_scores[b * K + j], static_cast<int64_t>(seqs[b * K + j].size()) - 1);
  }
  std::vector<const Hypotheses::Entry*> best(B);
  size_t longest = 0;
  for (int64_t b = 0; b < B; ++b) {
    best[b] = &hyps[b].best();
    longest = std::max(longest, best[b]->tokens.size());
  }
  const int64_t width = std::min<int64_t>(static_cast<int64_t>(longest) + 1, o.max_new_tokens + 1);
  GenerationOutput out;
  out.sequences = Tensor::full({B, width}, static_cast<double>(id.pad), DType::I64);
  out.sequence_scores = Tensor::empty({B}, DType::F64);
  int64_t* s = out.sequences.data<int64_t>();
  for (int64_t b = 0; b < B; ++b) {
    const auto& t = best[b]->tokens;
    std::copy(t.begin(), t.end(), s + b * width);
    // A hypothesis that ended with eos is stored without it; put it back where it fits.
    if (static_cast<int64_t>(t.size()) < width) s[b * width + static_cast<int64_t>(t.size())] = id.eos;
    out.sequence_scores.data<double>()[b] = best[b]->score;
  }
  return out;
}

GenerationOutput greedy_search(const T5Model& model, const Tensor& input_ids, const Tensor& attention_mask,
                               const GenerationOptions& o, const Tensor& importance_mask) {
  check_inputs(input_ids, attention_mask);
  T5Scorer scorer(model, encode_no_grad(model, input_ids, attention_mask, importance_mask), attention_mask, o.max_new_tokens + 1,
                  o.use_cache);
  return greedy_search(scorer, input_ids.size(0), model.config().vocab_size, o, resolve_ids(model, o));
}

GenerationOutput beam_search(const T5Model& model, const Tensor& input_ids, const Tensor& attention_mask,
                             const GenerationOptions& o, const Tensor& importance_mask) {
  check_inputs(input_ids, attention_mask);
  // Every input's encoder states repeated for its beams (input b, beam j -> row b * K + j).
  std::vector<int64_t> expand;
  for (int64_t b = 0; b < input_ids.size(0); ++b)
    for (int64_t j = 0; j < o.num_beams; ++j) expand.push_back(b);
  Var enc = encode_no_grad(model, input_ids, attention_mask, importance_mask);
  T5Scorer scorer(model, Var(take_rows(enc.value(), expand)), take_rows(attention_mask, expand), o.max_new_tokens + 1,
                  o.use_cache);
  return beam_search(scorer, input_ids.size(0), model.config().vocab_size, o, resolve_ids(model, o));
}

GenerationOutput generate(const T5Model& model, const Tensor& input_ids, const Tensor& attention_mask,
                          const GenerationOptions& options, const Tensor& importance_mask) {
  return options.num_beams == 1 ? greedy_search(model, input_ids, attention_mask, options, importance_mask)
                                : beam_search(model, input_ids, attention_mask, options, importance_mask);
}

Tensor score_sequences(const T5Model& model, const Tensor& input_ids, const Tensor& attention_mask,
                       const Tensor& sequences, double length_penalty, int64_t eos_token_id) {
  const int64_t eos = eos_token_id >= 0 ? eos_token_id : model.config().eos_token_id;
  const int64_t B = sequences.size(0), L = sequences.size(1);
  VCC_USER_CHECK(L >= 2, "score_sequences: sequences need a start id and at least one token");
  Tensor logp;
  {
    NoGradGuard no_grad;
    Var logits = model.forward(input_ids, attention_mask, sequences.narrow(1, 0, L - 1).contiguous());
    logp = log_softmax(logits, -1).value().to(DType::F32).to(Device::cpu()).contiguous();
  }
  const int64_t V = logp.size(2);
  const std::vector<int64_t> seq = sequences.to(DType::I64).to_vector<int64_t>();
  const float* lp = logp.data<float>();
  std::vector<double> scores(B);
  for (int64_t b = 0; b < B; ++b) {
    float sum = 0.0f;  // accumulated in float32 like the beam scores
    int64_t n = 0;
    for (int64_t t = 1; t < L; ++t) {
      const int64_t token = seq[b * L + t];
      sum += lp[(b * (L - 1) + t - 1) * V + token];
      ++n;
      if (token == eos) break;
    }
    scores[b] = sum / std::pow(static_cast<double>(n), length_penalty);
  }
  return Tensor::from_vector<double>(scores, {B});
}

}  // namespace vcc::models
