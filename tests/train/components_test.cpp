// The small pieces of the trainer: span decoding, log formatting, best-so-far tracking,
// metrics-file truncation, batch slicing.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "data/synthetic_task.h"
#include "train/extractive_qa_task.h"
#include "train/seq2seq_task.h"
#include "train/train_log.h"
#include "train/validation.h"
#include "train_test_util.h"

using namespace vcc;
using namespace vcc::train;
using vcc::train::testing::Scratch;

TEST(SpanDecoding, PicksTheBestPairWithinTheRangeAndLength) {
  //                        0    1    2    3    4    5
  const float start[] = {9.0f, 1.0f, 0.5f, 3.0f, 0.0f, 0.0f};
  const float end[] = {9.0f, 0.0f, 2.0f, 0.1f, 4.0f, 0.0f};
  // Position 0 (the query) is outside [1, 6): the best is start 3 + end 4 = 7.
  SpanChoice c = best_span(start, end, 1, 6, 30);
  EXPECT_EQ(c.start, 3);
  EXPECT_EQ(c.end, 4);
  EXPECT_DOUBLE_EQ(c.score, 7.0);
  // With spans of one token the best is (4, 4): 0 + 4 beats 3 + 0.1.
  c = best_span(start, end, 1, 6, 1);
  EXPECT_EQ(c.start, 4);
  EXPECT_EQ(c.end, 4);
  // End before start is never chosen: start 3 with end 2 would score 5.
  c = best_span(start, end, 3, 6, 30);
  EXPECT_EQ(c.start, 3);
  EXPECT_EQ(c.end, 4);
  // An empty range gives no span.
  EXPECT_EQ(best_span(start, end, 4, 4, 30).start, -1);
}

TEST(SpanDecoding, TiesGoToTheFirstPair) {
  const float start[] = {1.0f, 1.0f, 1.0f};
  const float end[] = {1.0f, 1.0f, 1.0f};
  const SpanChoice c = best_span(start, end, 0, 3, 3);
  EXPECT_EQ(c.start, 0);
  EXPECT_EQ(c.end, 0);
}

TEST(SpanDecoding, ContextStartsAtTheQuerysLastVipSlotAndEndsBeforeEos) {
  // query of 5 tokens + its </s> slot = 6 VIP positions; the context starts at index 5 (the
  // slot the query's </s> would have had) and ends before the final </s>.
  EXPECT_EQ(context_range(6, 20), (std::pair<int64_t, int64_t>{5, 19}));
  EXPECT_EQ(context_range(0, 3), (std::pair<int64_t, int64_t>{0, 2}));
  EXPECT_EQ(context_range(6, 4), (std::pair<int64_t, int64_t>{5, 5}));
}

TEST(SpanDecoding, TokenTypesMarkTheQueryZeroAndTheContextOne) {
  data::Batch batch;
  batch.input_ids = Tensor::zeros({2, 7}, DType::I64);
  batch.query_length = Tensor::from_vector<int64_t>({4, 1}, {2});
  // Row 0: query of 3 tokens (+ its </s> slot) -> context from index 3; row 1: empty query.
  EXPECT_EQ(question_context_types(batch).to_vector<int64_t>(),
            (std::vector<int64_t>{0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}));
}

TEST(GeneratedText, StopsAtEosAndDropsIdsPastTheTokenizer) {
  Scratch scratch;
  const data::SyntheticVocabulary vocab = data::synthetic_vocabulary(16, 8);
  data::TokenizerOptions o;
  o.extra_ids = 0;
  const data::Tokenizer tok = data::Tokenizer::load(scratch.write("t.model", data::synthetic_tokenizer_model(vocab)), o);
  const std::vector<int32_t> what = tok.encode("what is");
  ASSERT_EQ(what.size(), 2u);
  const int64_t past = tok.vocab_size() + 5;  // a padding row of a larger model vocabulary
  EXPECT_EQ(generated_text({what[0], past, what[1], 1, what[0]}, 1, tok), "what is");
  EXPECT_EQ(generated_text({past, 1}, 1, tok), "");
}

TEST(TrainLog, DurationsBytesAndCounts) {
  EXPECT_EQ(format_duration(42.4), "42s");
  EXPECT_EQ(format_duration(725), "12m05s");
  EXPECT_EQ(format_duration(3 * 3600 + 125), "3h02m");
  EXPECT_EQ(format_duration(2 * 86400 + 4 * 3600 + 10), "2d04h");
  EXPECT_EQ(format_duration(NAN), "?");
  EXPECT_EQ(format_bytes(512ll << 20), "512 MiB");
  EXPECT_EQ(format_bytes(1288490189ll), "1.20 GiB");
  EXPECT_EQ(format_count(950), "950");
  EXPECT_EQ(format_count(12345), "12.3k");
  EXPECT_EQ(format_count(4.56e6), "4.56M");
}

TEST(TrainLog, TrainLinesAlignAndCarryEveryField) {
  TrainLine l;
  l.step = 7;
  l.total = 1200;
  l.epoch = 0.35;
  l.loss = 2.345678;
  l.grad_norm = 1.5;
  l.lr = 3e-4;
  l.ms_per_step = 123.45;
  l.tokens_per_s = 12345;
  l.memory_bytes = 1288490189ll;
  l.eta_seconds = 3725;
  const std::string a = format_train_line(l);
  EXPECT_EQ(a,
            "[train] step    7/1200 | ep  0.35 | loss 2.3457 | gnorm  1.500 | lr 3.00e-04 |  123.5 ms/step |  12.3k tok/s "
            "| mem  1.20 GiB | ETA 1h02m");
  l.step = 1200;
  EXPECT_EQ(format_train_line(l).find("| ep"), a.find("| ep"));  // fields line up across steps
  l.skipped = 2;
  EXPECT_NE(format_train_line(l).find("2 skipped (NaN/Inf)"), std::string::npos);
  const nlohmann::json j = nlohmann::json::parse(train_json(l));
  EXPECT_EQ(j["type"], "train");
  EXPECT_EQ(j["step"], 1200);
  EXPECT_DOUBLE_EQ(j["loss"].get<double>(), 2.345678);
  EXPECT_DOUBLE_EQ(j["lr"].get<double>(), 3e-4);
  l.loss = NAN;
  EXPECT_TRUE(nlohmann::json::parse(train_json(l))["loss"].is_null());
}

TEST(TrainLog, ValidLinesSayNewBestOrStalled) {
  ValidLine l;
  l.step = 400;
  l.total = 5000;
  l.metrics = {{"loss", 1.23456}, {"em", 85.2}, {"f1", 88.1}};
  l.examples = 200;
  l.seconds = 3.2;
  l.metric = "em";
  l.new_best = true;
  l.best_value = 85.2;
  l.best_step = 400;
  EXPECT_EQ(format_valid_line(l),
            "[valid] step  400/5000 | loss 1.2346 | em 85.20 | f1 88.10 | 200 ex in 3s | em 85.20 new best");
  l.step = 500;
  l.metrics = {{"loss", 1.3}, {"em", 84.0}, {"f1", 87.0}};
  l.new_best = false;
  l.best_step = 400;
  l.stalled = 1;
  l.patience = 5;
  EXPECT_EQ(format_valid_line(l),
            "[valid] step  500/5000 | loss 1.3000 | em 84.00 | f1 87.00 | 200 ex in 3s | em stalled 1/5 (best 85.20 at "
            "step 400)");
  const nlohmann::json j = nlohmann::json::parse(valid_json(l));
  EXPECT_EQ(j["type"], "valid");
  EXPECT_EQ(j["best"], false);
  EXPECT_EQ(j["stalled"], 1);
  EXPECT_DOUBLE_EQ(j["em"].get<double>(), 84.0);
}

TEST(TrainLog, ResumeDropsRecordsAfterTheCheckpoint) {
  Scratch dir;
  const std::string p = dir.write("metrics.jsonl",
                                  "{\"type\":\"train\",\"step\":1}\n{\"type\":\"valid\",\"step\":2}\n"
                                  "{\"type\":\"train\",\"step\":3}\nnot json\n");
  truncate_metrics_after(p, 2);
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_EQ(ss.str(), "{\"type\":\"train\",\"step\":1}\n{\"type\":\"valid\",\"step\":2}\nnot json\n");
  truncate_metrics_after(dir / "absent.jsonl", 0);
  EXPECT_FALSE(std::filesystem::exists(dir / "absent.jsonl"));
}

TEST(BestTracker, NewBestStalledAndPatience) {
  BestTracker em("em", /*higher_is_better=*/true, /*patience=*/2);
  EXPECT_TRUE(em.update(50, 100));
  EXPECT_FALSE(em.update(50, 200));  // equal is not better
  EXPECT_EQ(em.stalled(), 1);
  EXPECT_FALSE(em.should_stop());
  EXPECT_TRUE(em.update(60, 300));
  EXPECT_EQ(em.stalled(), 0);
  EXPECT_EQ(em.best_step(), 300);
  EXPECT_FALSE(em.update(10, 400));
  EXPECT_FALSE(em.update(20, 500));
  EXPECT_TRUE(em.should_stop());

  BestTracker loss("loss", /*higher_is_better=*/false, 0);
  EXPECT_TRUE(loss.update(NAN, 1));  // the first value is the best so far, even NaN
  EXPECT_TRUE(loss.update(3.0, 2));  // any finite value beats NaN
  EXPECT_TRUE(loss.update(2.0, 3));
  EXPECT_FALSE(loss.update(NAN, 4));
  EXPECT_FALSE(loss.should_stop());  // patience 0: never
}

TEST(BestTracker, SurvivesACheckpointForTheSameMetricOnly) {
  BestTracker a("f1", true, 3);
  a.update(70, 10);
  a.update(65, 20);
  io::TrainerState s;
  a.save(s);
  const io::TrainerState back = io::TrainerState::from_yaml(s.to_yaml(), "trainer.yaml");
  BestTracker b("f1", true, 3);
  b.restore(back);
  EXPECT_EQ(b.best_value(), 70);
  EXPECT_EQ(b.best_step(), 10);
  EXPECT_EQ(b.stalled(), 1);
  BestTracker c("em", true, 3);  // another metric starts afresh
  c.restore(back);
  EXPECT_FALSE(c.has_best());
}

TEST(SliceBatch, RowsAreViewsOfEveryField) {
  data::Batch b;
  b.input_ids = Tensor::arange(12).reshape({4, 3});
  b.attention_mask = Tensor::ones({4, 3}, DType::I64);
  b.answer_start = Tensor::arange(4);
  b.example_indices = {10, 11, 12, 13};
  const data::Batch s = slice_batch(b, 1, 2);
  EXPECT_EQ(s.size(), 2);
  EXPECT_EQ(s.input_ids.to_vector<int64_t>(), (std::vector<int64_t>{3, 4, 5, 6, 7, 8}));
  EXPECT_EQ(s.answer_start.to_vector<int64_t>(), (std::vector<int64_t>{1, 2}));
  EXPECT_FALSE(s.labels.defined());
  EXPECT_EQ(s.example_indices, (std::vector<int64_t>{11, 12}));
  EXPECT_EQ(batch_tokens(s), 6);
}
