#include <gtest/gtest.h>

#include "data/example_encoder.h"
#include "data/synthetic_task.h"
#include "test_util.h"

namespace vcc::data {
namespace {

class SyntheticTask : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    vocab_ = new SyntheticVocabulary(synthetic_vocabulary(512, 128));
    dir_ = new testing::ScratchDir();
    testing::write_file(dir_->file("tok.model"), synthetic_tokenizer_model(*vocab_));
    TokenizerOptions o;
    o.extra_ids = 0;
    tok_ = new Tokenizer(Tokenizer::load(dir_->file("tok.model"), o));
  }
  static void TearDownTestSuite() {
    delete tok_;
    delete dir_;
    delete vocab_;
  }
  static SyntheticVocabulary* vocab_;
  static testing::ScratchDir* dir_;
  static Tokenizer* tok_;
};
SyntheticVocabulary* SyntheticTask::vocab_ = nullptr;
testing::ScratchDir* SyntheticTask::dir_ = nullptr;
Tokenizer* SyntheticTask::tok_ = nullptr;

// Extractive encoding of synthetic documents of `length` tokens (they fill it exactly).
EncoderOptions extractive_options(int64_t length) {
  EncoderOptions eo;
  eo.max_length = length;
  eo.max_target_length = 4;
  eo.task = Task::QaExtractive;
  eo.overflow = Overflow::Error;
  return eo;
}

TEST_F(SyntheticTask, ReproducibleBySeedAndDifferentAcrossSeedsAndSplits) {
  SyntheticOptions o;
  o.length = 1024;
  o.seed = 3;
  Example a = synthetic_example(*vocab_, o, 0, 17), b = synthetic_example(*vocab_, o, 0, 17);
  EXPECT_EQ(a.context, b.context);
  EXPECT_EQ(a.query, b.query);
  EXPECT_EQ(a.answers, b.answers);
  EXPECT_NE(synthetic_example(*vocab_, o, 1, 17).context, a.context);
  o.seed = 4;
  EXPECT_NE(synthetic_example(*vocab_, o, 0, 17).context, a.context);
  // The vocabulary, and so the tokenizer, does not depend on the seed.
  EXPECT_EQ(synthetic_vocabulary(512, 128).keys, vocab_->keys);
  EXPECT_EQ(synthetic_tokenizer_model(*vocab_), testing::read_file(dir_->file("tok.model")));
}

TEST_F(SyntheticTask, EveryWordIsOneTokenAndTheInputFillsTheLengthExactly) {
  for (SyntheticVariant variant : {SyntheticVariant::Front, SyntheticVariant::Middle})
    for (int64_t length : {1024, 2048}) {
      SyntheticOptions o;
      o.length = length;
      o.variant = variant;
      o.seed = 1;
      for (int64_t i = 0; i < 5; ++i) {
        SyntheticGold gold;
        Example ex = synthetic_example(*vocab_, o, 0, i, &gold);
        auto q = tok_->encode(ex.query), c = tok_->encode(ex.context);
        ASSERT_EQ(static_cast<int64_t>(q.size()), synthetic_query_words(o));
        ASSERT_EQ(static_cast<int64_t>(q.size() + c.size() + 1), length);
        EXPECT_EQ(tok_->decode({c[gold.value_token]}), ex.answers[0]);
        EXPECT_EQ(ex.context.find(ex.answers[0]), static_cast<size_t>(gold.value_byte));  // first occurrence
        EXPECT_EQ(tok_->encode(ex.context).size(), c.size());
        EXPECT_GE(gold.value_token, static_cast<int64_t>(0.45 * c.size()));  // deep: default depth >= 0.5 of filler
      }
    }
}

TEST_F(SyntheticTask, AnswerSpanIsAlwaysLocatedAtTheGoldToken) {
  SyntheticOptions o;
  o.length = 1024;
  o.seed = 9;
  ExampleEncoder enc(*tok_, extractive_options(1024));
  EncodeStats stats;
  for (int64_t i = 0; i < 50; ++i) {
    SyntheticGold gold;
    Example ex = synthetic_example(*vocab_, o, 0, i, &gold);
    EncodedExample e = *enc.encode(ex, stats);
    ASSERT_EQ(e.answer_start, e.answer_end);
    EXPECT_EQ(e.answer_start, synthetic_query_words(o) + gold.value_token);
    EXPECT_EQ(e.input_length, 1024);
    EXPECT_EQ(e.query_length, 5);  // "what is KEY ?" + </s>
    EXPECT_EQ(e.labels[1], tok_->eos_id());
    EXPECT_EQ(e.labels[2], kIgnoreLabel);
  }
  EXPECT_EQ(stats.spans_located, 50);
  EXPECT_EQ(stats.truncated, 0);
}

TEST_F(SyntheticTask, FactAnswersSpanTheAskedKeyColonAndValue) {
  SyntheticOptions o;
  o.length = 512;
  o.seed = 5;
  o.answer_is_fact = true;
  ExampleEncoder enc(*tok_, extractive_options(512));
  EncodeStats stats;
  for (int64_t i = 0; i < 20; ++i) {
    SyntheticGold gold;
    Example ex = synthetic_example(*vocab_, o, 0, i, &gold);
    const std::string key = ex.query.substr(8, ex.query.size() - 10);  // "what is KEY ?"
    ASSERT_EQ(ex.answers.size(), 1u);
    const std::string value = tok_->decode({tok_->encode(ex.context)[gold.value_token]});
    EXPECT_EQ(ex.answers[0], key + " : " + value);
    EXPECT_EQ(ex.target, ex.answers[0]);
    EncodedExample e = *enc.encode(ex, stats);
    // Three tokens: the key two before the value, then ":" and the value itself.
    EXPECT_EQ(e.answer_end, synthetic_query_words(o) + gold.value_token);
    EXPECT_EQ(e.answer_start, e.answer_end - 2);
    EXPECT_EQ(e.labels[3], tok_->eos_id());
  }
  EXPECT_EQ(stats.spans_located, 20);
  // The same seed gives the same document whichever the answer form.
  SyntheticOptions value_form = o;
  value_form.answer_is_fact = false;
  EXPECT_EQ(synthetic_example(*vocab_, value_form, 0, 3).context, synthetic_example(*vocab_, o, 0, 3).context);
}

TEST_F(SyntheticTask, DistractorsLookLikeTheAnswer) {
  SyntheticOptions o;
  o.length = 2048;
  o.facts = 32;
  o.seed = 2;
  Example ex = synthetic_example(*vocab_, o, 0, 0);
  std::string asked = ex.query.substr(8, 4);  // "what is KEY ?"
  int facts = 0, near = 0;
  for (size_t p = ex.context.find(" : "); p != std::string::npos; p = ex.context.find(" : ", p + 1)) {
    std::string key = ex.context.substr(p - 4, 4);
    ++facts;
    near += key != asked && (key.compare(0, 2, asked, 0, 2) == 0 || key.compare(2, 2, asked, 2, 2) == 0);
  }
  EXPECT_EQ(facts, 32);
  EXPECT_EQ(near, 16);  // near_miss 0.5 of the 31 distractors, rounded
  // Middle variant: the query says nothing about the key; the context states it once.
  o.variant = SyntheticVariant::Middle;
  Example m = synthetic_example(*vocab_, o, 0, 0);
  EXPECT_EQ(m.query, "what is the value of the asked key ?");
  EXPECT_NE(m.context.find("the asked key is "), std::string::npos);
}

}  // namespace
}  // namespace vcc::data
