// Hugging Face tokenizers: every line of the parity files (made by HF `tokenizers` 0.23.3 from
// the real roberta-base, bert-base-uncased and t5-small files) must come out of
// `vcc-preprocess tokenize` with the same ids, token types, sequence ids and byte offsets.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <sstream>

#include "data/example_encoder.h"
#include "data/hotpotqa_reader.h"
#include "data/tokenizer.h"
#include "test_util.h"
#include "tokenizers/hf_tokenizer.h"

namespace vcc::data {
namespace {

using nlohmann::json;
using tokenizers::HfTokenizer;

std::string tok_dir(const std::string& name) { return testing::shared_path("tokenizers/" + name); }
std::string parity_file(const std::string& name) { return testing::shared_path("tokenizers/hf-parity/" + name + ".jsonl"); }

std::vector<json> read_jsonl(const std::string& path) {
  std::vector<json> out;
  std::istringstream in(testing::read_file(path));
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) out.push_back(json::parse(line));
  return out;
}

int run_cli(const std::string& args, const testing::ScratchDir& dir, std::string* out) {
  std::string log = dir.file("log.txt");
  std::string cmd = std::string(VCC_BIN_DIR) + "/vcc-preprocess " + args + " > " + log + " 2>&1";
  int rc = std::system(cmd.c_str());
  *out = testing::read_file(log);
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

// Tokenizes the parity file's own lines through the CLI and compares every field of every line.
void expect_parity(const std::string& name, const std::string& tokenizer_path) {
  testing::ScratchDir dir;
  std::string log, out = dir.file("out.jsonl");
  ASSERT_EQ(run_cli("tokenize --tokenizer " + tokenizer_path + " --input " + parity_file(name) + " --out " + out, dir, &log),
            0)
      << log;
  std::vector<json> ref = read_jsonl(parity_file(name)), got = read_jsonl(out);
  ASSERT_EQ(ref.size(), 152u);
  ASSERT_EQ(got.size(), ref.size());
  size_t tokens = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    ASSERT_EQ(got[i]["id"], ref[i]["id"]);
    for (const char* key : {"ids", "type_ids", "sequence_ids", "byte_offsets"})
      ASSERT_EQ(got[i][key], ref[i][key]) << name << " line " << i + 1 << " (" << ref[i]["id"] << ") " << key;
    tokens += ref[i]["ids"].size();
  }
  EXPECT_GT(tokens, 200000u);  // the files hold ~210k tokens each: the comparison covered them
}

TEST(HfTokenizerParity, RobertaBaseByteLevelBpeTokenizerJson) { expect_parity("roberta-base", tok_dir("roberta-base")); }
TEST(HfTokenizerParity, BertBaseUncasedWordPieceTokenizerJson) {
  expect_parity("bert-base-uncased", tok_dir("bert-base-uncased/tokenizer.json"));
}
TEST(HfTokenizerParity, T5SmallUnigramTokenizerJson) { expect_parity("t5-small", tok_dir("t5-small/tokenizer.json")); }
TEST(HfTokenizerParity, RobertaLegacyVocabJsonAndMerges) {
  expect_parity("roberta-base", tok_dir("roberta-base/vocab.json"));
}
TEST(HfTokenizerParity, BertLegacyVocabTxt) { expect_parity("bert-base-uncased", tok_dir("bert-base-uncased/vocab.txt")); }

// T5's tokenizer.json and its spiece.model agree on 47 of the 49 single texts. On two
// NarrativeQA stories one word is segmented differently (tokenizer.json "RU M" vs spiece.model
// "R UM", "IC ERS" vs "ICE RS"): HF's Unigram sums float64 scores, SentencePiece float32, and
// near-ties fall differently. vcc follows HF there (the parity test above); the pieces still
// spell the same text.
TEST(HfTokenizer, T5TokenizerJsonGivesTheIdsOfTheSentencePieceModel) {
  HfTokenizer hf = HfTokenizer::load(tok_dir("t5-small/tokenizer.json"));
  Tokenizer sp = Tokenizer::load(testing::t5_model());
  size_t compared = 0;
  std::vector<std::string> differing;
  for (const json& line : read_jsonl(parity_file("t5-small"))) {
    if (!line["pair"].is_null()) continue;
    std::string text = line["text"].get<std::string>();
    std::vector<int32_t> want = sp.encode(text, /*add_eos=*/true);
    std::vector<int32_t> got = hf.encode(text).ids;
    ++compared;
    if (got == want) continue;
    differing.push_back(line["id"].get<std::string>());
    std::string a, b;
    for (int32_t id : got) a += hf.id_to_token(id);
    for (int32_t id : want) b += sp.id_to_token(id);
    EXPECT_EQ(a, b) << line["id"];
  }
  EXPECT_EQ(compared, 49u);
  EXPECT_EQ(differing, (std::vector<std::string>{"narrativeqa-4f485054f9d450534fddba184f0996e32575d1be",
                                                 "narrativeqa-8b801dd3b69733e83206589fe5646f63838e5e1b"}));
}

TEST(HfTokenizer, FolderPicksTokenizerJsonAndKnowsItsSpecialTokens) {
  HfTokenizer r = HfTokenizer::load(tok_dir("roberta-base"));
  EXPECT_EQ(r.kind(), "BPE");
  EXPECT_EQ(r.vocab_size(), 50265);
  EXPECT_EQ(r.bos_id(), 0);
  EXPECT_EQ(r.pad_id(), 1);
  EXPECT_EQ(r.eos_id(), 2);
  EXPECT_EQ(r.token_to_id("<mask>"), 50264);
  EXPECT_TRUE(r.is_special(50264));
  HfTokenizer b = HfTokenizer::load(tok_dir("bert-base-uncased"));
  EXPECT_EQ(b.kind(), "WordPiece");
  EXPECT_EQ(b.vocab_size(), 30522);
  EXPECT_EQ(b.bos_id(), 101);
  EXPECT_EQ(b.eos_id(), 102);
  HfTokenizer t = HfTokenizer::load(tok_dir("t5-small"));
  EXPECT_EQ(t.kind(), "Unigram");
  EXPECT_EQ(t.vocab_size(), 32100);
  EXPECT_EQ(t.token_to_id("<extra_id_0>"), 32099);
  EXPECT_TRUE(b.file_sets_truncation_or_padding());  // bert's file truncates at 128 and pads
  EXPECT_FALSE(r.file_sets_truncation_or_padding());
  // <mask> takes the space before it (lstrip), as in HF.
  auto e = r.encode("a <mask>", false);
  ASSERT_EQ(e.ids.size(), 2u);
  EXPECT_EQ(e.ids[1], 50264);
  EXPECT_EQ(e.begin[1], 1);
  EXPECT_EQ(e.end[1], 8);
}

TEST(HfTokenizer, BadFilesAreOneLineErrorsNamingTheFile) {
  testing::ScratchDir dir;
  std::string missing = dir.file("nope/tokenizer.json");
  EXPECT_EQ(testing::error_of([&] { HfTokenizer::load(missing); }), missing + ": no such file or folder");

  std::string bad = dir.file("bad.json");
  testing::write_file(bad, "{\"model\": {\"vocab\": ");
  EXPECT_EQ(testing::error_of([&] { HfTokenizer::load(bad); }), bad + ": malformed JSON");

  std::string unknown = dir.file("unknown.json");
  testing::write_file(unknown, R"({"model": {"type": "WordLevel", "vocab": {"a": 0}, "unk_token": "a"}})");
  EXPECT_EQ(testing::error_of([&] { HfTokenizer::load(unknown); }),
            unknown + ": model type \"WordLevel\" is not supported (BPE, WordPiece, Unigram are)");

  std::string fallback = dir.file("fallback.json");
  testing::write_file(fallback, R"({"model": {"type": "Unigram", "vocab": [["a", 0.0]], "unk_id": 0, "byte_fallback": true}})");
  EXPECT_EQ(testing::error_of([&] { HfTokenizer::load(fallback); }), fallback + ": Unigram byte_fallback is not supported");

  std::string wrong = dir.file("wrong.json");
  testing::write_file(wrong, R"({"model": {"type": "WordPiece", "vocab": {"[UNK]": "zero"}}})");
  EXPECT_EQ(testing::error_of([&] { HfTokenizer::load(wrong); }).rfind(wrong + ": unexpected tokenizer.json structure", 0), 0u);

  std::string empty = dir.file("empty");
  std::filesystem::create_directories(empty);
  EXPECT_EQ(testing::error_of([&] { HfTokenizer::load(empty); }),
            empty + ": folder holds no tokenizer.json, vocab.json + merges.txt, or vocab.txt");

  std::string log;
  EXPECT_EQ(run_cli("tokenize --tokenizer " + bad + " --input " + bad + " --out " + dir.file("o.jsonl"), dir, &log), 1);
  EXPECT_EQ(log, "vcc-preprocess: error: " + bad + ": malformed JSON\n");
  EXPECT_FALSE(std::filesystem::exists(dir.file("o.jsonl")));
}

// HotpotQA through a Hugging Face folder: every span answer is located, and its tokens decode
// to text holding the answer (RoBERTa: byte for byte; BERT: as the tokenizer writes the answer,
// lowercased). Exactly the answer where token bounds allow: "Yellowcraig" lies inside the token
// "craigs" of "Yellowcraigs", and RoBERTa merges "Inc.," into one token.
void expect_hotpot_spans_round_trip(const std::string& tokenizer_path, bool byte_exact, int want_exact) {
  Tokenizer tok = Tokenizer::load(tokenizer_path, {-1, hotpotqa_added_tokens()});
  EXPECT_TRUE(tok.is_hugging_face());
  ExampleEncoder enc(tok, testing::hotpot_span_options());
  EncodeStats stats;
  int exact = 0;
  for (const Example& ex : read_hotpotqa(testing::hotpot_sample())) {
    EncodedExample e = *enc.encode(ex, stats);
    if (e.answer_start < 0) continue;
    std::vector<int32_t> span(e.input_ids.begin() + e.answer_start, e.input_ids.begin() + e.answer_end + 1);
    std::string got = tok.decode(span);
    while (!got.empty() && got.front() == ' ') got.erase(0, 1);
    std::string want = byte_exact ? ex.answers[0] : tok.decode(tok.encode(ex.answers[0]));
    EXPECT_NE(got.find(want), std::string::npos) << ex.id << ": " << got << " vs " << want;
    exact += got == want;
  }
  EXPECT_EQ(stats.examples, 103);
  EXPECT_EQ(stats.yes_no, 12);
  EXPECT_EQ(stats.spans_located, 91);
  EXPECT_EQ(stats.spans_not_found, 0);
  EXPECT_EQ(exact, want_exact);
}

TEST(HfTokenizer, HotpotQaSpansRoundTripThroughRobertaFolder) {
  expect_hotpot_spans_round_trip(tok_dir("roberta-base"), true, 89);
}
TEST(HfTokenizer, HotpotQaSpansRoundTripThroughBertFolder) {
  expect_hotpot_spans_round_trip(tok_dir("bert-base-uncased"), false, 90);
}

TEST(HfTokenizer, PreprocessHotpotQaTakesAFolder) {
  testing::ScratchDir dir;
  std::string log, h5 = dir.file("hp.h5");
  ASSERT_EQ(run_cli("hotpotqa --input " + testing::hotpot_sample() + " --tokenizer " + tok_dir("roberta-base") + " --out " +
                        h5 + " --max-length 4096 --task qa_extractive --quiet",
                    dir, &log),
            0)
      << log;
  EXPECT_NE(log.find("Hugging Face BPE, 50265 pieces"), std::string::npos) << log;
  EXPECT_NE(log.find("spans: 91 located (0 ignoring case), 0 not found"), std::string::npos) << log;
}

}  // namespace
}  // namespace vcc::data
