#include <gtest/gtest.h>

#include <cctype>

#include "data/example_encoder.h"
#include "data/hotpotqa_reader.h"
#include "data/narrativeqa_reader.h"
#include "test_util.h"

namespace vcc::data {
namespace {

using testing::error_of;

// SQuAD-style normalisation (ASCII): lower case, drop punctuation and articles, single spaces.
std::string normalize(const std::string& s) {
  std::string t;
  for (char c : s)
    if (!std::ispunct(static_cast<unsigned char>(c))) t += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string out, word;
  auto flush = [&] {
    if (!word.empty() && word != "a" && word != "an" && word != "the") out += (out.empty() ? "" : " ") + word;
    word.clear();
  };
  for (char c : t) {
    if (std::isspace(static_cast<unsigned char>(c)))
      flush();
    else
      word += c;
  }
  flush();
  return out;
}

Tokenizer hotpot_tokenizer() {
  TokenizerOptions o;
  o.added_tokens = hotpotqa_added_tokens();
  return Tokenizer::load(testing::t5_model(), o);
}

TEST(ExampleEncoder, VipMaskIsTheQueryAloneWithItsEosSlot) {
  Tokenizer tok = hotpot_tokenizer();
  Example ex;
  ex.id = "e";
  ex.query = "[qs]Were Scott Derrickson and Ed Wood of the same nationality?[qe]";
  ex.context = "[ts]Ed Wood[te][ss]Ed Wood was an American filmmaker.";
  ex.answers = {"yes"};
  ex.target = "yes";
  ex.answer_type = AnswerType::Yes;
  EncoderOptions o;
  o.max_length = 64;
  o.max_target_length = 8;
  ExampleEncoder enc(tok, o);
  EncodeStats stats;
  EncodedExample e = *enc.encode(ex, stats);
  const auto q = tok.encode(ex.query, true);  // as the collator: tokenizer(query).attention_mask
  EXPECT_EQ(e.query_length, static_cast<int32_t>(q.size()));
  for (int i = 0; i < 64; ++i) EXPECT_EQ(e.importance_mask[i], i < e.query_length ? 1 : 0) << i;
  // The input is query + context + </s>; the VIP slot after [qe] holds the first context token.
  auto full = tok.encode(ex.query + "\n\n\n" + ex.context, true);
  ASSERT_LT(full.size(), 64u);
  for (size_t i = 0; i < full.size(); ++i) EXPECT_EQ(e.input_ids[i], full[i]) << i;
  EXPECT_EQ(e.input_ids[q.size() - 1], tok.token_to_id("[ts]"));
  for (size_t i = full.size(); i < 64; ++i) {
    EXPECT_EQ(e.input_ids[i], tok.pad_id());
    EXPECT_EQ(e.attention_mask[i], 0);
  }
  EXPECT_EQ(e.input_length, static_cast<int32_t>(full.size()));
  // Labels: "yes" </s> then -100.
  EXPECT_EQ(e.labels, (std::vector<int32_t>{4273, 1, -100, -100, -100, -100, -100, -100}));
  EXPECT_EQ(tok.encode("yes"), (std::vector<int32_t>{4273}));
}

TEST(ExampleEncoder, SeparateQueryAndContextTokensEqualTheJoinedString) {
  Tokenizer tok = hotpot_tokenizer();
  for (const Example& ex : read_hotpotqa(testing::hotpot_sample())) {
    auto joined = tok.encode(ex.query + "\n\n\n" + ex.context);
    auto q = tok.encode(ex.query), c = tok.encode(ex.context);
    q.insert(q.end(), c.begin(), c.end());
    ASSERT_EQ(joined, q) << ex.id;
  }
}

TEST(ExampleEncoder, OverflowPoliciesTruncateDropOrFail) {
  Tokenizer tok = Tokenizer::load(testing::t5_model());
  Example ex;
  ex.id = "long";
  ex.query = "Hello";
  ex.context = "world world world world world world world world world world";
  ex.answers = {"world"};
  ex.target = "world world world world";
  EncoderOptions o;
  o.max_length = 6;
  o.max_target_length = 3;
  EncodeStats stats;
  EncodedExample e = *ExampleEncoder(tok, o).encode(ex, stats);
  EXPECT_EQ(e.input_ids, (std::vector<int32_t>{8774, 296, 296, 296, 296, 1}));  // ends in </s>
  EXPECT_EQ(e.labels, (std::vector<int32_t>{296, 296, 1}));
  EXPECT_EQ(stats.truncated, 1);
  EXPECT_EQ(stats.targets_truncated, 1);
  o.overflow = Overflow::Drop;
  EXPECT_FALSE(ExampleEncoder(tok, o).encode(ex, stats).has_value());
  EXPECT_EQ(stats.dropped, 1);
  o.overflow = Overflow::Error;
  std::string msg = error_of([&] { ExampleEncoder(tok, o).encode(ex, stats); });
  EXPECT_NE(msg.find("example long: input longer than --max-length 6"), std::string::npos) << msg;
  // A long context is tokenized only as far as needed, with the same result.
  Example big = ex;
  for (int i = 0; i < 20000; ++i) big.context += " world";
  EncodeStats s2;
  EXPECT_EQ(ExampleEncoder(tok, EncoderOptions{6, 3, Overflow::Truncate, Task::Seq2Seq}).encode(big, s2)->input_ids,
            e.input_ids);
}

TEST(ExampleEncoder, LocatesSpansFirstOccurrenceCaseFallbackAndTruncation) {
  Tokenizer tok = Tokenizer::load(testing::t5_model());
  EncoderOptions o;
  o.max_length = 32;
  o.task = Task::QaExtractive;
  ExampleEncoder enc(tok, o);
  Example ex;
  ex.id = "s";
  ex.query = "Where?";
  ex.context = "He lived in Paris. Later, Paris again.";
  ex.answers = {"Paris"};
  EncodeStats stats;
  EncodedExample e = *enc.encode(ex, stats);
  ASSERT_GE(e.answer_start, 0);
  EXPECT_EQ(tok.decode(std::vector<int32_t>(e.input_ids.begin() + e.answer_start, e.input_ids.begin() + e.answer_end + 1)),
            "Paris");
  EXPECT_LT(e.answer_start, 8);  // the first occurrence
  EXPECT_EQ(e.answer_type, AnswerType::Span);
  ex.answers = {"paris"};  // only the case-insensitive fallback finds it
  e = *enc.encode(ex, stats);
  EXPECT_GE(e.answer_start, 0);
  ex.answers = {"Rome"};
  e = *enc.encode(ex, stats);
  EXPECT_EQ(e.answer_start, kNoSpan);
  EXPECT_EQ(e.answer_type, AnswerType::None);
  ex.answers = {"again"};
  e = *ExampleEncoder(tok, EncoderOptions{8, 0, Overflow::Truncate, Task::QaExtractive}).encode(ex, stats);
  EXPECT_EQ(e.answer_start, kNoSpan);  // cut off by truncation
  EXPECT_EQ(stats.spans_located, 2);
  EXPECT_EQ(stats.spans_case_insensitive, 1);
  EXPECT_EQ(stats.spans_not_found, 1);
  EXPECT_EQ(stats.spans_truncated, 1);
}

TEST(ExampleEncoder, HotpotQaSampleSpansAreLocatedOrCounted) {
  Tokenizer tok = hotpot_tokenizer();
  EncoderOptions o = testing::hotpot_span_options();
  ExampleEncoder enc(tok, o);
  EncodeStats stats;
  int exact = 0, contained = 0;
  for (const Example& ex : read_hotpotqa(testing::hotpot_sample())) {
    EncodedExample e = *enc.encode(ex, stats);
    if (e.answer_start < 0) continue;
    ASSERT_LE(e.answer_start, e.answer_end);
    std::vector<int32_t> span(e.input_ids.begin() + e.answer_start, e.input_ids.begin() + e.answer_end + 1);
    // The answer as the tokenizer can write it (T5 has no "í": "Pedro Rodríguez" decodes
    // without it, as does the answer itself).
    std::string got = normalize(tok.decode(span)), want = normalize(tok.decode(tok.encode(ex.answers[0])));
    exact += got == want;
    contained += got.find(want) != std::string::npos;
  }
  EXPECT_EQ(stats.examples, 103);
  EXPECT_EQ(stats.truncated, 0);
  EXPECT_EQ(stats.yes_no, 12);
  EXPECT_EQ(stats.spans_located + stats.spans_not_found + stats.spans_truncated, 91);
  EXPECT_EQ(stats.spans_located, 91);  // every span answer of the sample occurs in its context
  EXPECT_EQ(stats.spans_case_insensitive, 0);
  EXPECT_EQ(stats.spans_not_found, 0);
  EXPECT_EQ(contained, stats.spans_located);  // every located span decodes to text holding the answer
  EXPECT_EQ(exact, 91);  // and decodes to exactly the answer, normalised

  // At 512 tokens most contexts are cut; answers beyond the cut are counted, not located.
  o.max_length = 512;
  ExampleEncoder short_enc(tok, o);
  EncodeStats s512;
  for (const Example& ex : read_hotpotqa(testing::hotpot_sample())) short_enc.encode(ex, s512);
  EXPECT_EQ(s512.truncated, 102);
  EXPECT_EQ(s512.spans_located, 40);
  EXPECT_EQ(s512.spans_truncated, 51);
}

}  // namespace
}  // namespace vcc::data
