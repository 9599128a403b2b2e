#include <set>

#include "metric_vectors.h"

using namespace vcc::eval::testing;

// Every kind in the file must have a test below; a new kind would otherwise go unchecked.
TEST(MetricVectorFile, EveryKindHasATest) {
  const std::set<std::string> checked = {"squad_em_f1",  "squad_corpus",      "hotpot_answer", "hotpot_sp",
                                         "hotpot_joint", "hotpot_corpus",     "rouge",         "rouge_multi",
                                         "rouge_corpus_mean", "scrolls_rouge", "rouge_tokenize", "porter_stem"};
  std::set<std::string> ids;
  for (const nlohmann::json& v : all_metric_vectors()) {
    const std::string id = v.at("id").get<std::string>();
    EXPECT_TRUE(checked.count(v.at("metric").get<std::string>())) << "vector " << id << " has unknown kind "
                                                                    << v.at("metric");
    EXPECT_TRUE(ids.insert(id).second) << "duplicate vector id " << id;
  }
  if (using_default_vectors()) {
    EXPECT_EQ(all_metric_vectors().size(), 565u);
  }
}

TEST(MetricVectorFile, KindCountsMatchTheShippedFile) {
  if (!using_default_vectors()) GTEST_SKIP() << "counts are those of the shipped file";
  const std::vector<std::pair<std::string, size_t>> counts = {
      {"porter_stem", 226}, {"rouge", 118},        {"squad_em_f1", 87},   {"hotpot_answer", 50},
      {"rouge_tokenize", 23}, {"rouge_multi", 20}, {"hotpot_sp", 18},     {"hotpot_joint", 13},
      {"rouge_corpus_mean", 3}, {"squad_corpus", 3}, {"hotpot_corpus", 2}, {"scrolls_rouge", 2}};
  for (const auto& [metric, n] : counts) EXPECT_EQ(metric_vectors(metric).size(), n) << metric;
}
