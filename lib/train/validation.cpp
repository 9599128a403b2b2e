#include "train/validation.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <tuple>

#include "autograd/variable.h"
#include "core/error.h"
#include "eval/rouge_scorer.h"
#include "eval/squad_metrics.h"

namespace vcc::train {

std::vector<std::pair<std::string, double>> ValidationMetrics::named() const {
  std::vector<std::pair<std::string, double>> out = {{"loss", loss}};
  if (has_answers) {
    out.emplace_back("em", em);
    out.emplace_back("f1", f1);
  }
  if (has_rouge) {
    out.emplace_back("rouge1", rouge1);
    out.emplace_back("rouge2", rouge2);
    out.emplace_back("rougeL", rougeL);
    out.emplace_back("rougeLsum", rougeLsum);
  }
  return out;
}

double ValidationMetrics::get(const std::string& name) const {
  for (const auto& [n, v] : named())
    if (n == name) return v;
  VCC_USER_CHECK(false, "validation metric '", name, "' was not computed (valid.predict / valid.rouge)");
  return 0;
}

namespace {

// Rows of the batch whose dataset index is below `limit` (the batch is in dataset order).
int64_t rows_below(const data::Batch& batch, int64_t limit) {
  int64_t n = 0;
  while (n < batch.size() && batch.example_indices[n] < limit) ++n;
  return n;
}

}  // namespace

ValidationMetrics validate(ModelTask& task, const data::DatasetReader& split, dist::Communicator& comm,
                           const ValidationOptions& options) {
  const auto t0 = std::chrono::steady_clock::now();
  data::BatcherOptions bo;
  bo.batch_size = options.batch_size;
  bo.rank = comm.rank();
  bo.world_size = comm.world_size();
  bo.shuffle = false;
  bo.drop_last = false;
  data::Batcher batcher(split, bo);
  const int64_t limit = options.max_examples > 0 ? std::min(options.max_examples, split.size()) : split.size();
  const int64_t batches = (limit + options.batch_size - 1) / options.batch_size;

  const std::vector<eval::RougeType> rouge_types = eval::standard_rouge_types();
  const eval::RougeScorer scorer(rouge_types, /*use_stemmer=*/true);
  // loss*weight, weight, scored examples, em, f1, rouge-scored examples, rouge1, rouge2, rougeL, rougeLsum
  std::vector<double> sums(10, 0.0);
  for (int64_t i = 0; i < batches; ++i) {
    const data::Batch full = batcher.next();
    const int64_t rows = rows_below(full, limit);
    if (rows == 0) continue;
    const data::Batch batch = slice_batch(full, 0, rows);
    const double w = task.loss_weight(batch);
    double batch_loss = 0;
    std::vector<TaskPrediction> preds;
    if (options.predict) {
      std::tie(batch_loss, preds) = task.loss_and_predict(batch);
    } else {
      NoGradGuard no_grad;
      batch_loss = task.loss(batch, /*training=*/false).value().item<double>();
    }
    if (w > 0) {
      sums[0] += batch_loss * w;
      sums[1] += w;
    }
    if (!options.predict) continue;
    for (int64_t r = 0; r < rows; ++r) {
      const std::vector<std::string> refs = split.answers(batch.example_indices[r]);
      if (refs.empty()) continue;
      const eval::EmF1 s = eval::squad_em_f1(preds[r].text, refs);
      sums[2] += 1;
      sums[3] += s.em;
      sums[4] += s.f1;
      if (options.rouge) {
        const eval::RougeMultiScore m = scorer.score_multi(refs, preds[r].text);
        sums[5] += 1;
        for (size_t k = 0; k < 4; ++k) sums[6 + k] += m.scores[k].fmeasure;
      }
    }
  }
  sums = dist::all_reduce_sum(comm, sums);

  ValidationMetrics m;
  m.loss = sums[1] > 0 ? sums[0] / sums[1] : std::nan("");
  m.examples = static_cast<int64_t>(sums[2]);
  if (options.predict && sums[2] > 0) {
    m.has_answers = true;
    m.em = 100.0 * sums[3] / sums[2];
    m.f1 = 100.0 * sums[4] / sums[2];
  }
  if (options.rouge && sums[5] > 0) {
    m.has_rouge = true;
    m.rouge1 = 100.0 * sums[6] / sums[5];
    m.rouge2 = 100.0 * sums[7] / sums[5];
    m.rougeL = 100.0 * sums[8] / sums[5];
    m.rougeLsum = 100.0 * sums[9] / sums[5];
  }
  if (m.examples == 0) m.examples = limit;
  m.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return m;
}

std::vector<TaskPrediction> predict_split(ModelTask& task, const data::DatasetReader& split, int64_t batch_size,
                                          int64_t max_examples, const std::function<void(int64_t)>& progress) {
  VCC_USER_CHECK(batch_size > 0, "batch size must be positive, got ", batch_size);
  data::BatcherOptions bo;
  bo.batch_size = batch_size;
  bo.shuffle = false;
  bo.drop_last = false;
  data::Batcher batcher(split, bo);
  const int64_t limit = max_examples > 0 ? std::min(max_examples, split.size()) : split.size();
  std::vector<TaskPrediction> out;
  out.reserve(limit);
  while (static_cast<int64_t>(out.size()) < limit) {
    const data::Batch full = batcher.next();
    const int64_t rows = rows_below(full, limit);
    VCC_CHECK(rows > 0, "empty batch before the end of the split");
    std::vector<TaskPrediction> p = task.predict(slice_batch(full, 0, rows));
    out.insert(out.end(), p.begin(), p.end());
    if (progress) progress(static_cast<int64_t>(out.size()));
  }
  return out;
}

BestTracker::BestTracker(std::string metric, bool higher_is_better, int64_t patience)
    : metric_(std::move(metric)), higher_(higher_is_better), patience_(patience) {}

bool BestTracker::update(double value, int64_t step) {
  const bool better = !has_best() || (std::isfinite(value) && (higher_ ? value > best_ : value < best_)) ||
                      (!std::isfinite(best_) && std::isfinite(value));
  if (better) {
    best_ = value;
    best_step_ = step;
    stalled_ = 0;
    return true;
  }
  ++stalled_;
  return false;
}

void BestTracker::save(io::TrainerState& s) const {
  s.set("best.metric", metric_);
  s.set("best.value", best_);
  s.set("best.step", best_step_);
  s.set("best.stalled", stalled_);
}

void BestTracker::restore(const io::TrainerState& s) {
  if (!s.has("best.metric") || s.get_string("best.metric") != metric_) {
    best_ = 0;
    best_step_ = -1;
    stalled_ = 0;
    return;
  }
  best_ = s.get_double("best.value");
  best_step_ = s.get_int("best.step");
  stalled_ = s.get_int("best.stalled");
}

}  // namespace vcc::train
