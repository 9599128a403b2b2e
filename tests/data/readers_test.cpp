#include <gtest/gtest.h>

#include "data/csv.h"
#include "data/hotpotqa_reader.h"
#include "data/narrativeqa_reader.h"
#include "data/qa_jsonl.h"
#include "data/scrolls_reader.h"
#include "data/summarization_reader.h"
#include "data/text_io.h"

#include <map>
#include "test_util.h"

namespace vcc::data {
namespace {

using testing::error_of;
using testing::repo_path;
using testing::shared_path;

TEST(HotpotQaReader, ReadsThe103SampleExamplesInTheCollatorLayout) {
  std::vector<Example> ex = read_hotpotqa(testing::hotpot_sample());
  ASSERT_EQ(ex.size(), 103u);
  const Example& e = ex[0];
  EXPECT_EQ(e.id, "5a8b57f25542995d1e6f1371");
  EXPECT_EQ(e.query, "[qs]Were Scott Derrickson and Ed Wood of the same nationality?[qe]");
  EXPECT_EQ(e.context.rfind("[ts]Ed Wood (film)[te][ss]Ed Wood is a 1994 American biographical", 0), 0u);
  EXPECT_NE(e.context.find("[ss] The film concerns the period"), std::string::npos);
  EXPECT_EQ(e.answer_type, AnswerType::Yes);
  EXPECT_EQ(e.answers, (std::vector<std::string>{"yes"}));
  EXPECT_EQ(e.target, "yes");
  ASSERT_EQ(e.supporting_facts.size(), 2u);
  EXPECT_EQ(e.supporting_facts[0].title, "Scott Derrickson");
  EXPECT_EQ(e.supporting_facts[0].sentence, 0);
  int yes = 0, no = 0, span = 0, paragraphs_10 = 0;
  for (const Example& x : ex) {
    yes += x.answer_type == AnswerType::Yes;
    no += x.answer_type == AnswerType::No;
    span += x.answer_type == AnswerType::Span;
    size_t n = 0;
    for (size_t p = x.context.find("[ts]"); p != std::string::npos; p = x.context.find("[ts]", p + 1)) ++n;
    paragraphs_10 += n == 10;
  }
  EXPECT_EQ(yes + no, 12);
  EXPECT_EQ(span, 91);
  EXPECT_EQ(paragraphs_10, 102);  // one example has 2 paragraphs
}

TEST(HotpotQaReader, ShufflesParagraphsReproduciblyBySeed) {
  HotpotQaOptions o;
  o.shuffle_paragraphs = true;
  o.seed = 7;
  auto a = read_hotpotqa(testing::hotpot_sample(), o);
  auto b = read_hotpotqa(testing::hotpot_sample(), o);
  auto plain = read_hotpotqa(testing::hotpot_sample());
  EXPECT_EQ(a[5].context, b[5].context);
  EXPECT_NE(a[5].context, plain[5].context);
  EXPECT_EQ(a[5].context.size(), plain[5].context.size());
}

TEST(HotpotQaReader, MalformedJsonNamesFileAndLine) {
  testing::ScratchDir dir;
  std::string p = dir.file("bad.json");
  testing::write_file(p, "[\n{\"_id\": \"a\", \"question\": \"q\",\n \"context\" []}\n]");
  std::string msg = error_of([&] { read_hotpotqa(p); });
  EXPECT_NE(msg.find(p), std::string::npos) << msg;
  EXPECT_NE(msg.find("line 3"), std::string::npos) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  testing::write_file(p, "[{\"_id\": \"a\", \"context\": []}]");
  msg = error_of([&] { read_hotpotqa(p); });
  EXPECT_NE(msg.find("record 0 (a): missing field 'question'"), std::string::npos) << msg;
}

TEST(NarrativeQaReader, ReadsTheThreeBundledGutenbergStories) {
  NarrativeQaOptions o;
  o.qaps = repo_path("datasets/narrativeqa/qaps.csv");
  o.stories_dir = repo_path("datasets/narrativeqa/stories");
  o.context = NarrativeQaContext::Story;
  std::vector<Example> ex = read_narrativeqa(o);
  ASSERT_EQ(ex.size(), 89u);
  std::map<std::string, int> per_story;
  for (const Example& e : ex) per_story[e.id.substr(0, e.id.find('#'))]++;
  EXPECT_EQ(per_story.size(), 3u);
  EXPECT_EQ(per_story["86fc18a4b6b2079beea7ee8c92ec1850d24a04e2"], 29);  // The Sheik
  EXPECT_EQ(per_story["94dc6d01df88f97843813efb11e5d7e48562c869"], 30);  // Almayer's Folly
  EXPECT_EQ(per_story["ea371ba9cc41bf32aa8b37549662d2d3a38f084d"], 30);  // Summer
  EXPECT_EQ(ex[0].id, "86fc18a4b6b2079beea7ee8c92ec1850d24a04e2#0");
  EXPECT_EQ(ex[0].context.size(), 518281u);
  int two_answers = 0;
  for (const Example& e : ex) two_answers += e.answers.size() == 2;
  EXPECT_EQ(two_answers, 85);
  // The documents list is the official one.
  CsvTable docs = read_csv(repo_path("datasets/narrativeqa/documents.csv"));
  EXPECT_EQ(docs.rows.size(), 1572u);
}

TEST(NarrativeQaReader, CorpusFormRebuildsAllTenSharedStories) {
  auto stories = read_narrativeqa_corpus(shared_path("narrativeqa/dev_10_doc/narrativeqa_dev_10_doc_corpus.json"),
                                         shared_path("narrativeqa/dev_10_doc/questions_by_document.json"));
  ASSERT_EQ(stories.size(), 10u);
  size_t questions = 0;
  for (const auto& s : stories) questions += s.questions.size();
  EXPECT_EQ(questions, 293u);
  EXPECT_EQ(stories[3].title, "The Sheik (novel)");
  // Joined exactly as the bundled story file (which was rebuilt the same way).
  std::string bundled = read_text_file(repo_path(
      "datasets/narrativeqa/stories/86fc18a4b6b2079beea7ee8c92ec1850d24a04e2.content"));
  EXPECT_EQ(stories[3].text + "\n", bundled);
  auto gutenberg = read_narrativeqa_corpus(shared_path("narrativeqa/dev_10_doc/narrativeqa_dev_10_doc_corpus.json"),
                                           shared_path("narrativeqa/dev_10_doc/questions_by_document.json"),
                                           {"gutenberg"});
  EXPECT_EQ(gutenberg.size(), 3u);
  EXPECT_EQ(narrativeqa_corpus_examples(gutenberg).size(), 89u);
}

TEST(NarrativeQaReader, OfficialSummaryFormFromTheFormatSamples) {
  NarrativeQaOptions o;
  o.qaps = shared_path("narrativeqa/hf_datasets_dummy/qaps.csv");
  o.summaries = shared_path("narrativeqa/hf_datasets_dummy/summaries.csv");
  auto all = read_narrativeqa(o);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[1].query, "Who is Miss Delmer?");
  EXPECT_EQ(all[1].answers, (std::vector<std::string>{"the elderly spinster aunt of the Earl de Verseley and Captain Delmar",
                                                      "She's Captail Delmar's aunt."}));
  EXPECT_EQ(all[1].context.rfind(" At Madeline Hall, an old mansion-house", 0), 0u);
  o.split = "valid";
  auto valid = read_narrativeqa(o);
  ASSERT_EQ(valid.size(), 1u);
  EXPECT_EQ(valid[0].id, "01502137e4276712d118bd4bdaf481c89aed163b#0");
}

TEST(NarrativeQaReader, CsvErrorsNameFileAndLine) {
  testing::ScratchDir dir;
  std::string p = dir.file("qaps.csv");
  testing::write_file(p, "document_id,set,question,answer1\nd1,valid,\"What?\",yes\nd2,valid,\"broken,x\n");
  std::string msg = error_of([&] { read_csv(p); });
  EXPECT_NE(msg.find(p + ":3: unterminated quoted field"), std::string::npos) << msg;
  testing::write_file(p, "document_id,set,question\nd1,valid\n");
  msg = error_of([&] { read_csv(p); });
  EXPECT_NE(msg.find(p + ":2: 2 fields, the header has 3"), std::string::npos) << msg;
  testing::write_file(p, "document_id,set,question\nd1,valid,q\n");
  NarrativeQaOptions o;
  o.qaps = p;
  o.summaries = p;
  msg = error_of([&] { read_narrativeqa(o); });
  EXPECT_NE(msg.find("missing column 'answer1'"), std::string::npos) << msg;
}

TEST(ScrollsReader, SplitsQueryAtTheFirstBlankLineAndGroupsReferences) {
  testing::ScratchDir dir;
  std::string p = dir.file("nqa.jsonl");
  testing::write_file(p,
                      "{\"id\": \"x\", \"pid\": \"x_0\", \"input\": \"Who?\\n\\nPara one.\\n\\nPara two.\", \"output\": \"A\"}\n"
                      "\n"
                      "{\"id\": \"x\", \"pid\": \"x_1\", \"input\": \"Who?\\n\\nPara one.\\n\\nPara two.\", \"output\": \"B\"}\n");
  auto ex = read_scrolls(p);
  ASSERT_EQ(ex.size(), 2u);
  EXPECT_EQ(ex[0].id, "x_0");
  EXPECT_EQ(ex[0].query, "Who?");
  EXPECT_EQ(ex[0].context, "Para one.\n\nPara two.");
  EXPECT_EQ(ex[1].target, "B");
  EXPECT_EQ(ex[1].answers, (std::vector<std::string>{"A", "B"}));
  auto sum = read_scrolls(p, ScrollsQuery::Summarize);
  EXPECT_EQ(sum[0].query, "summarize");
  testing::write_file(p, "{\"id\": \"q\", \"input\": \"Q? (A) a (B) b (C) c (D) d\\nStory text\", \"output\": \"a\"}\n");
  auto q = read_scrolls(p, ScrollsQuery::Quality);
  EXPECT_EQ(q[0].query, "Q? (A) a (B) b (C) c (D) d");
  EXPECT_EQ(q[0].context, "Story text");
  testing::write_file(p, "{\"id\": \"x\", \"input\": \"no blank line\"}\n");
  std::string msg = error_of([&] { read_scrolls(p); });
  EXPECT_NE(msg.find(p + ":1: 'input' has no blank line"), std::string::npos) << msg;
}

TEST(JsonlReaders, GenericQaAndSummarisationWithLineNumbersInErrors) {
  testing::ScratchDir dir;
  std::string p = dir.file("qa.jsonl");
  testing::write_file(p,
                      "{\"id\": 1, \"question\": \"q1\", \"context\": \"c1\", \"answers\": [\"a\", \"b\"]}\n"
                      "{\"id\": \"2\", \"question\": \"q2\", \"context\": \"c2\", \"answers\": {\"text\": [\"z\"]}}\n"
                      "{\"id\": \"3\", \"question\": \"q3\", \"context\": \"c3\", \"answers\": \"yes\", \"answer_type\": \"yes\"}\n"
                      "{\"id\": \"4\", \"question\": \"q4\", \"context\": \"c4\"}\n");
  auto ex = read_qa_jsonl(p);
  ASSERT_EQ(ex.size(), 4u);
  EXPECT_EQ(ex[0].id, "1");
  EXPECT_EQ(ex[0].answers, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(ex[0].target, "a");
  EXPECT_EQ(ex[1].answers, (std::vector<std::string>{"z"}));
  EXPECT_EQ(ex[2].answer_type, AnswerType::Yes);
  EXPECT_EQ(ex[3].answer_type, AnswerType::None);
  // write -> read is the identity.
  write_qa_jsonl(dir.file("copy.jsonl"), ex);
  auto back = read_qa_jsonl(dir.file("copy.jsonl"));
  ASSERT_EQ(back.size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(back[i].id, ex[i].id);
    EXPECT_EQ(back[i].query, ex[i].query);
    EXPECT_EQ(back[i].answers, ex[i].answers);
    EXPECT_EQ(back[i].answer_type, ex[i].answer_type);
  }

  testing::write_file(p, "{\"id\": 1, \"question\": \"q\", \"context\": \"c\"}\n{\"id\": 2, \"question\": \"q\" \"context\": \"c\"}\n");
  std::string msg = error_of([&] { read_qa_jsonl(p); });
  EXPECT_NE(msg.find(p + ":2: invalid JSON"), std::string::npos) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  testing::write_file(p, "{\"id\": 1, \"question\": 5, \"context\": \"c\"}\n");
  msg = error_of([&] { read_qa_jsonl(p); });
  EXPECT_NE(msg.find(p + ":1: field 'question' must be a string, got number"), std::string::npos) << msg;

  std::string s = dir.file("sum.jsonl");
  testing::write_file(s, "{\"id\": \"d1\", \"document\": \"Long text.\", \"summary\": \"Short.\"}\n");
  auto su = read_summarization_jsonl(s);
  ASSERT_EQ(su.size(), 1u);
  EXPECT_EQ(su[0].query, "summarize");
  EXPECT_EQ(su[0].context, "Long text.");
  EXPECT_EQ(su[0].target, "Short.");
  testing::write_file(s, "[1, 2]\n");
  msg = error_of([&] { read_summarization_jsonl(s); });
  EXPECT_NE(msg.find(s + ":1: expected a JSON object per line"), std::string::npos) << msg;
}

}  // namespace
}  // namespace vcc::data
