// Python str semantics (lower, isspace, \w) and the SQuAD normaliser built on them.
#include <gtest/gtest.h>

#include "core/error.h"
#include "eval/answer_normalization.h"
#include "eval/python_text.h"
#include "eval/squad_metrics.h"

using namespace vcc::eval;

TEST(PythonText, SplitSeparatorsAreExactlyPythonsWhitespaceSet) {
  // The code points for which CPython's str.isspace() is true (Unicode 14, Python 3.11).
  auto expected = [](char32_t c) {
    return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
           c == 0x3000;
  };
  for (char32_t c = 0; c < 0x110000; ++c) {
    if (c >= 0xD800 && c < 0xE000) continue;
    ASSERT_EQ(python_isspace(c), expected(c)) << "U+" << std::hex << static_cast<uint32_t>(c);
  }
}

TEST(PythonText, LowerAppliesPythonSpecialCases) {
  auto lower = [](const char* s) { return code_points_to_utf8(python_lower(utf8_to_code_points(s))); };
  EXPECT_EQ(lower("\u0130"), "i\u0307");          // İ becomes two code points
  EXPECT_EQ(lower("\u212A"), "k");                 // Kelvin sign
  EXPECT_EQ(lower("\u039F\u0394\u039F\u03A3"), "\u03BF\u03B4\u03BF\u03C2");  // final sigma
  EXPECT_EQ(lower("\u03A3\u039F"), "\u03C3\u03BF");                          // not final
  EXPECT_EQ(lower("\u039F\u03A3 \u039F"), "\u03BF\u03C2 \u03BF");            // final before a space
  EXPECT_EQ(lower("STRASSE Stra\u00DFe"), "strasse stra\u00DFe");            // no case folding
  EXPECT_EQ(lower("\u1E9E"), "\u00DF");                                      // capital sharp s
}

TEST(PythonText, WordCharactersAreAlnumOrUnderscore) {
  EXPECT_TRUE(python_is_word_char(U'_'));
  EXPECT_TRUE(python_is_word_char(U'\u00E9'));   // é
  EXPECT_TRUE(python_is_word_char(U'\u00B2'));   // superscript two is numeric
  EXPECT_TRUE(python_is_word_char(U'\u6771'));   // CJK ideograph
  EXPECT_FALSE(python_is_word_char(U'\u0301'));  // combining acute is a mark
  EXPECT_FALSE(python_is_word_char(U'\u2019'));  // right single quote
  EXPECT_FALSE(python_is_word_char(U'-'));
}

TEST(PythonText, IllFormedUtf8IsAnError) {
  EXPECT_THROW(utf8_to_code_points("abc\xFF"), vcc::Error);
  EXPECT_THROW(utf8_to_code_points("\xED\xA0\x80"), vcc::Error);  // an encoded surrogate
}

TEST(AnswerNormalization, DeletesAsciiPunctuationInsteadOfSplitting) {
  EXPECT_EQ(normalize_answer("U.S.A."), "usa");
  EXPECT_EQ(normalize_answer("state-of-the-art"), "stateoftheart");
  EXPECT_EQ(normalize_answer("3.14"), "314");
  EXPECT_EQ(normalize_answer("1,000"), "1000");
  EXPECT_EQ(normalize_answer("the_end"), "theend");
  EXPECT_EQ(normalize_answer("the-end"), "theend");  // punctuation goes first: not an article
  EXPECT_EQ(normalize_answer("\u201CApollo\u201D \u2013 11"), "\u201Capollo\u201D \u2013 11");
}

TEST(AnswerNormalization, ArticlesUseUnicodeWordBoundaries) {
  EXPECT_EQ(normalize_answer("The cat and a dog, an owl"), "cat and dog owl");
  EXPECT_EQ(normalize_answer("\u00E9the cat"), "\u00E9the cat");       // é is a word char
  EXPECT_EQ(normalize_answer("the\u0301 cat"), "\u0301 cat");           // NFD mark is not
  EXPECT_EQ(normalize_answer("th\u00E9 cat"), "th\u00E9 cat");          // NFC é is kept
  EXPECT_EQ(normalize_answer("\uFF54\uFF48\uFF45 cat"), "\uFF54\uFF48\uFF45 cat");  // fullwidth
  EXPECT_EQ(normalize_answer("an"), "");
  EXPECT_EQ(normalize_answer("anthem a"), "anthem");
}

TEST(AnswerNormalization, SplitsOnPythonWhitespaceOnly) {
  EXPECT_EQ(answer_tokens("New\u00A0York"), (std::vector<std::string>{"new", "york"}));
  EXPECT_EQ(answer_tokens("New\u200BYork"), (std::vector<std::string>{"new\u200Byork"}));
  EXPECT_EQ(answer_tokens("a\u001Fb\u3000c"), (std::vector<std::string>{"b", "c"}));
  EXPECT_EQ(answer_tokens("\u6771\u4EAC \u30BF\u30EF\u30FC"), (std::vector<std::string>{"\u6771\u4EAC", "\u30BF\u30EF\u30FC"}));
}

TEST(SquadMetrics, EmptyAgainstEmptyIsExactButHasNoF1) {
  EXPECT_EQ(exact_match("the", ""), 1.0);
  EXPECT_EQ(exact_match(".", "!"), 1.0);
  EXPECT_EQ(f1_score("", ""), 0.0);
}

TEST(SquadMetrics, F1FollowsTheScriptsEvaluationOrder) {
  // ((2*p)*r)/(p+r) with p = 3/3, r = 3/5 is 0.7499999999999999, not 2*3/(3+5) = 0.75.
  EXPECT_EQ(f1_score("to marry her", "He wants to marry her"), 0.7499999999999999);
}

TEST(SquadMetrics, MaxOverReferencesIsTakenPerMetric) {
  // EM comes from the second reference, F1 from the first.
  const EmF1 s = squad_em_f1("paris france", {"paris france city", "Paris, France"});
  EXPECT_EQ(s.em, 1.0);
  EXPECT_EQ(s.f1, 1.0);
  const EmF1 t = squad_em_f1("big red barn", {"red barn", "nothing"});
  EXPECT_EQ(t.em, 0.0);
  EXPECT_EQ(t.f1, 0.8);
  EXPECT_THROW(squad_em_f1("x", {}), vcc::Error);
}
