// rouge-score 0.1.2 (with NLTK 3.8's Porter stemmer) against its recorded outputs.
#include "eval/porter_stemmer.h"
#include "eval/rouge_corpus.h"
#include "eval/rouge_scorer.h"
#include "eval/rouge_tokenizer.h"
#include "eval/scrolls_rouge.h"
#include "metric_vectors.h"

using namespace vcc::eval;
using namespace vcc::eval::testing;
using nlohmann::json;

namespace {

bool stemmer_option(const json& v) { return v.at("options").at("use_stemmer").get<bool>(); }

void expect_rouge(const RougeScore& s, const json& expected, const std::string& id, const std::string& type) {
  expect_value(s.precision, expected.at("precision"), id, type + ".precision");
  expect_value(s.recall, expected.at("recall"), id, type + ".recall");
  expect_value(s.fmeasure, expected.at("fmeasure"), id, type + ".fmeasure");
}

}  // namespace

TEST(RougeVectors, PorterStemNltkExtensions) {
  const auto vectors = metric_vectors("porter_stem");
  ASSERT_FALSE(vectors.empty());
  for (const json& v : vectors) {
    const std::string id = v.at("id");
    const std::string word = v.at("prediction");
    EXPECT_EQ(porter_stem(word), v.at("expected").at("nltk_extensions").get<std::string>())
        << "vector " << id << ", word '" << word << "'";
    EXPECT_EQ(rouge_tokenize(word, /*use_stemmer=*/true),
              v.at("expected").at("rouge_score_token").get<std::vector<std::string>>())
        << "vector " << id << ", word '" << word << "'";
  }
}

TEST(RougeVectors, Tokenizer) {
  const auto vectors = metric_vectors("rouge_tokenize");
  ASSERT_FALSE(vectors.empty());
  for (const json& v : vectors) {
    EXPECT_EQ(rouge_tokenize(v.at("prediction").get<std::string>(), stemmer_option(v)),
              v.at("expected").at("tokens").get<std::vector<std::string>>())
        << "vector " << v.at("id").get<std::string>();
  }
}

TEST(RougeVectors, SingleReference) {
  const auto vectors = metric_vectors("rouge");
  ASSERT_FALSE(vectors.empty());
  for (const json& v : vectors) {
    const std::string id = v.at("id");
    ASSERT_FALSE(v.at("options").value("split_summaries", false)) << id;
    const RougeScorer scorer(standard_rouge_types(), stemmer_option(v));
    const std::vector<RougeScore> scores =
        scorer.score(v.at("references").at(0).get<std::string>(), v.at("prediction").get<std::string>());
    for (size_t t = 0; t < scorer.types().size(); ++t)
      expect_rouge(scores[t], v.at("expected").at(scorer.types()[t].name()), id, scorer.types()[t].name());
  }
}

TEST(RougeVectors, ScoreMultiPicksBestFirstReferencePerType) {
  const auto vectors = metric_vectors("rouge_multi");
  ASSERT_FALSE(vectors.empty());
  for (const json& v : vectors) {
    const std::string id = v.at("id");
    const RougeScorer scorer(standard_rouge_types(), stemmer_option(v));
    const RougeMultiScore multi = scorer.score_multi(v.at("references").get<std::vector<std::string>>(),
                                                     v.at("prediction").get<std::string>());
    const json& expected = v.at("expected");
    for (size_t t = 0; t < scorer.types().size(); ++t) {
      const std::string& type = scorer.types()[t].name();
      expect_rouge(multi.scores[t], expected.at(type), id, type);
      EXPECT_EQ(multi.chosen_target[t], expected.at("chosen_reference_index").at(type).get<size_t>())
          << "vector " << id << ", chosen reference for " << type;
    }
  }
}

TEST(RougeVectors, CorpusArithmeticMean) {
  const auto vectors = metric_vectors("rouge_corpus_mean");
  ASSERT_FALSE(vectors.empty());
  for (const json& v : vectors) {
    const std::string id = v.at("id");
    const RougeScorer scorer(standard_rouge_types(), stemmer_option(v));
    const std::vector<RougeScore> means =
        rouge_corpus_mean(scorer, v.at("prediction").get<std::vector<std::string>>(),
                          v.at("references").get<std::vector<std::vector<std::string>>>());
    for (size_t t = 0; t < scorer.types().size(); ++t)
      expect_rouge(means[t], v.at("expected").at(scorer.types()[t].name()), id, scorer.types()[t].name());
  }
}

TEST(RougeVectors, ScrollsGeometricMean) {
  const auto vectors = metric_vectors("scrolls_rouge");
  ASSERT_FALSE(vectors.empty());
  for (const json& v : vectors) {
    const std::string id = v.at("id");
    const ScrollsRouge raw = scrolls_rouge(v.at("prediction").get<std::vector<std::string>>(),
                                           v.at("references").get<std::vector<std::vector<std::string>>>());
    const ScrollsRouge rounded = round_scrolls_rouge(raw);
    for (const auto& [name, values] : {std::pair{std::string("raw"), raw}, std::pair{std::string("rounded_4"), rounded}}) {
      const json& expected = v.at("expected").at(name);
      expect_value(values.rouge1, expected.at("rouge1"), id, name + ".rouge1");
      expect_value(values.rouge2, expected.at("rouge2"), id, name + ".rouge2");
      expect_value(values.rougeL, expected.at("rougeL"), id, name + ".rougeL");
      expect_value(values.geometric_mean, expected.at("geometric_mean"), id, name + ".geometric_mean");
    }
  }
}
