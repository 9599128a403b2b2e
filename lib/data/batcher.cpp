#include "data/batcher.h"

#include <numeric>

#include "core/error.h"
#include "data/random.h"
#include "data/text_io.h"

namespace vcc::data {

std::string BatchPosition::to_json() const { return Json{{"epoch", epoch}, {"index", index}}.dump(); }

BatchPosition BatchPosition::from_json(const std::string& text) {
  Json j = parse_json(text, "batch position");
  BatchPosition p;
  const Json& e = json_field(j, "epoch", "batch position");
  const Json& i = json_field(j, "index", "batch position");
  VCC_USER_CHECK(e.is_number_integer() && i.is_number_integer(), "batch position: epoch and index must be integers");
  p.epoch = e.get<int64_t>();
  p.index = i.get<int64_t>();
  return p;
}

Batcher::Batcher(const DatasetReader& dataset, const BatcherOptions& options) : dataset_(&dataset), options_(options) {
  VCC_USER_CHECK(options.world_size >= 1 && options.rank >= 0 && options.rank < options.world_size,
                 "batcher: rank ", options.rank, " of world size ", options.world_size);
  VCC_USER_CHECK(options.batch_size >= 1, "batcher: batch size must be positive, got ", options.batch_size);
  VCC_USER_CHECK(options.batch_size % options.world_size == 0, "batcher: global batch size ", options.batch_size,
                 " is not a multiple of the world size ", options.world_size);
  VCC_USER_CHECK(batches_per_epoch() > 0, dataset.path(), ": ", dataset.size(), " examples make no batch of ",
                 options.batch_size, options.drop_last ? " (drop_last)" : "");
}

int64_t Batcher::batches_per_epoch() const {
  const int64_t n = dataset_->size(), b = options_.batch_size;
  return options_.drop_last ? n / b : (n + b - 1) / b;
}

const std::vector<int64_t>& Batcher::order(int64_t epoch) const {
  if (order_epoch_ != epoch) {
    if (options_.shuffle) {
      order_ = random_permutation(dataset_->size(), options_.seed, static_cast<uint64_t>(epoch));
    } else {
      order_.resize(static_cast<size_t>(dataset_->size()));
      std::iota(order_.begin(), order_.end(), int64_t{0});
    }
    order_epoch_ = epoch;
  }
  return order_;
}

std::vector<int64_t> Batcher::global_batch_indices(int64_t epoch, int64_t index) const {
  VCC_USER_CHECK(epoch >= 0 && index >= 0 && index < batches_per_epoch(), "batcher: batch ", index, " of epoch ",
                 epoch, " does not exist (", batches_per_epoch(), " batches per epoch)");
  const auto& o = order(epoch);
  const int64_t begin = index * options_.batch_size;
  const int64_t end = std::min<int64_t>(begin + options_.batch_size, static_cast<int64_t>(o.size()));
  return std::vector<int64_t>(o.begin() + begin, o.begin() + end);
}

std::vector<int64_t> Batcher::rank_batch_indices(int64_t epoch, int64_t index) const {
  std::vector<int64_t> g = global_batch_indices(epoch, index);
  const int64_t n = static_cast<int64_t>(g.size()), w = options_.world_size, r = options_.rank;
  const int64_t begin = r * n / w, end = (r + 1) * n / w;
  return std::vector<int64_t>(g.begin() + begin, g.begin() + end);
}

void Batcher::set_position(const BatchPosition& p) {
  VCC_USER_CHECK(p.epoch >= 0 && p.index >= 0 && p.index <= batches_per_epoch(), "batcher: cannot resume at epoch ",
                 p.epoch, " batch ", p.index, " (", batches_per_epoch(), " batches per epoch)");
  position_ = p;
}

Batch Batcher::next() {
  if (position_.index >= batches_per_epoch()) position_ = {position_.epoch + 1, 0};
  Batch batch;
  batch.position = position_;
  batch.example_indices = rank_batch_indices(position_.epoch, position_.index);
  ++position_.index;
  if (position_.index >= batches_per_epoch()) position_ = {position_.epoch + 1, 0};

  DatasetRows rows = dataset_->gather(batch.example_indices);
  auto widen = [](const Tensor& t) { return t.defined() ? t.to(DType::I64) : Tensor(); };
  batch.input_ids = widen(rows.input_ids);
  batch.attention_mask = widen(rows.attention_mask);
  batch.importance_mask = widen(rows.importance_mask);
  batch.query_length = widen(rows.query_length);
  batch.labels = widen(rows.labels);
  batch.answer_start = widen(rows.answer_start);
  batch.answer_end = widen(rows.answer_end);
  batch.answer_type = widen(rows.answer_type);
  return batch;
}

}  // namespace vcc::data
