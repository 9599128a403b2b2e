// Named ROUGE and Porter behaviours from the metric spec (the vectors cover them too; these say why).
#include <gtest/gtest.h>

#include "core/error.h"
#include "eval/porter_stemmer.h"
#include "eval/rouge_scorer.h"
#include "eval/rouge_tokenizer.h"
#include "eval/scrolls_rouge.h"

using namespace vcc::eval;

namespace {

RougeScore score_one(const char* type, const char* target, const char* prediction, bool stem = false) {
  const RougeScorer scorer({RougeType::parse(type)}, stem);
  return scorer.score(target, prediction).at(0);
}

}  // namespace

TEST(PorterStemmer, NltkExtensionsDifferFromMartinsCode) {
  EXPECT_EQ(porter_stem("news"), "news");
  EXPECT_EQ(porter_stem("skies"), "sky");
  EXPECT_EQ(porter_stem("dying"), "die");
  EXPECT_EQ(porter_stem("enjoy"), "enjoy");
  EXPECT_EQ(porter_stem("happy"), "happi");
  EXPECT_EQ(porter_stem("hopefully"), "hope");
  EXPECT_EQ(porter_stem("geology"), "geolog");
  EXPECT_EQ(porter_stem("aping"), "ape");
  EXPECT_EQ(porter_stem("spied"), "spi");
  EXPECT_EQ(porter_stem("died"), "die");
  EXPECT_EQ(porter_stem("dies"), "die");
  EXPECT_EQ(porter_stem("proceed"), "proceed");
  EXPECT_EQ(porter_stem("generously"), "gener");
}

TEST(PorterStemmer, LongRunsOfYNeedNoRecursion) {
  // y alternates consonant/vowel along a run; an even-length run ends "consonant y" + "y",
  // so step 1c turns the last y into i. NLTK recurses per letter; the port must not.
  const std::string word(100000, 'y');
  EXPECT_EQ(porter_stem(word), std::string(99999, 'y') + "i");
}

TEST(RougeTokenizer, OnlyTokensLongerThanThreeAreStemmed) {
  EXPECT_EQ(rouge_tokenize("this was his buses", true), (std::vector<std::string>{"thi", "was", "his", "buse"}));
}

TEST(RougeTokenizer, NonAsciiCharactersSeparateTokens) {
  EXPECT_EQ(rouge_tokenize("Caf\u00E9 na\u00EFve $1,000.50 don't", false),
            (std::vector<std::string>{"caf", "na", "ve", "1", "000", "50", "don", "t"}));
  EXPECT_TRUE(rouge_tokenize("\u6771\u4EAC\u30BF\u30EF\u30FC", false).empty());
}

TEST(RougeScorer, EmptyOrTooShortSidesScoreZero) {
  const RougeScore s = score_one("rouge2", "12345", "12345");
  EXPECT_EQ(s.precision, 0.0);
  EXPECT_EQ(s.recall, 0.0);
  EXPECT_EQ(s.fmeasure, 0.0);
  EXPECT_EQ(score_one("rougeL", "", "a b").fmeasure, 0.0);
  EXPECT_EQ(score_one("rougeLsum", "a b", "\n\n").fmeasure, 0.0);
}

TEST(RougeScorer, TargetComesFirst) {
  const RougeScore s = score_one("rouge1", "a b c d", "a b");
  EXPECT_EQ(s.precision, 1.0);
  EXPECT_EQ(s.recall, 0.5);
}

TEST(RougeScorer, LsumBacktrackTieMovesAlongTheReference) {
  // Target "a b", prediction "b a\na": the backtrack takes "a" from "b a", so R = 1/2.
  const RougeScore s = score_one("rougeLsum", "a b", "b a\na");
  EXPECT_EQ(s.precision, 1.0 / 3.0);
  EXPECT_EQ(s.recall, 0.5);
  // Target "a b a", prediction "a\na b": the union of LCS indices is {0, 1, 2}.
  EXPECT_EQ(score_one("rougeLsum", "a b a", "a\na b").recall, 1.0);
}

TEST(RougeScorer, LsumSplitsOnLineFeedOnly) {
  // Without "\n" Lsum equals L; "\r" and U+2028 are ordinary separators.
  const char* target = "the cat sat on the mat. the dog ran";
  const char* prediction = "the dog sat\r on the mat\u2028 the cat ran";
  EXPECT_EQ(score_one("rougeLsum", target, prediction).fmeasure, score_one("rougeL", target, prediction).fmeasure);
  EXPECT_NE(score_one("rougeLsum", "the cat sat\nthe dog ran", "the dog ran\nthe cat sat").fmeasure,
            score_one("rougeL", "the cat sat\nthe dog ran", "the dog ran\nthe cat sat").fmeasure);
}

TEST(RougeScorer, OnlyRougeScoreTypeNamesAreAccepted) {
  EXPECT_EQ(RougeType::parse("rouge9").n(), 9);
  EXPECT_THROW(RougeType::parse("rouge0"), vcc::Error);
  EXPECT_THROW(RougeType::parse("rouge10"), vcc::Error);
  EXPECT_THROW(RougeType::parse("rougel"), vcc::Error);
}

TEST(RougeScorer, ScoreMultiKeepsTheFirstOfEqualMaxima) {
  const RougeScorer scorer(standard_rouge_types(), false);
  const RougeMultiScore m = scorer.score_multi({"x y", "a b", "a b"}, "a b");
  for (size_t t = 0; t < m.scores.size(); ++t) {
    EXPECT_EQ(m.chosen_target[t], 1u) << scorer.types()[t].name();
    EXPECT_EQ(m.scores[t].fmeasure, 1.0);
  }
}

TEST(ScrollsRouge, RoundsLikePythonRound) {
  EXPECT_EQ(python_round(72.22222222222221, 4), 72.2222);
  EXPECT_EQ(python_round(0.03125, 4), 0.0312);  // exact tie goes to even
  EXPECT_EQ(python_round(2.675, 2), 2.67);      // 2.675 is really 2.67499999...
}
