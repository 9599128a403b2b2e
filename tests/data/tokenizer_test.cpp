#include <gtest/gtest.h>

#include "data/hotpotqa_reader.h"
#include "data/sha256.h"
#include "data/spm_train.h"
#include "data/tokenizer.h"
#include "test_util.h"

namespace vcc::data {
namespace {

using testing::error_of;
using testing::t5_model;

TEST(Sha256, MatchesFipsTestVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  // Fed in uneven pieces: the same digest as in one call.
  std::string million(1000000, 'a');
  Sha256 h;
  for (size_t i = 0; i < million.size(); i += 777) h.update(std::string_view(million).substr(i, 777));
  EXPECT_EQ(h.hex_digest(), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Tokenizer, T5IdsMatchThePublishedOnes) {
  Tokenizer t = Tokenizer::load(t5_model());
  EXPECT_EQ(t.base_vocab_size(), 32000);
  EXPECT_EQ(t.extra_ids(), 100);
  EXPECT_EQ(t.vocab_size(), 32100);
  EXPECT_EQ(t.pad_id(), 0);
  EXPECT_EQ(t.eos_id(), 1);
  EXPECT_EQ(t.unk_id(), 2);
  EXPECT_EQ(t.encode("translate English to German: The house is wonderful.", true),
            (std::vector<int32_t>{13959, 1566, 12, 2968, 10, 37, 629, 19, 1627, 5, 1}));
  EXPECT_EQ(t.encode("Studies have been shown that owning a dog is good for you", true),
            (std::vector<int32_t>{6536, 43, 118, 2008, 24, 293, 53, 3, 9, 1782, 19, 207, 21, 25, 1}));
  EXPECT_EQ(t.encode("Hello world", true), (std::vector<int32_t>{8774, 296, 1}));
  EXPECT_EQ(t.decode(t.encode("Hello world", true)), "Hello world");
}

TEST(Tokenizer, T5SentinelsCountDownFromTheTopAsInHuggingFace) {
  Tokenizer t = Tokenizer::load(t5_model());
  EXPECT_EQ(t.sentinel_id(0), 32099);
  EXPECT_EQ(t.sentinel_id(99), 32000);
  EXPECT_EQ(t.token_to_id("<extra_id_0>"), 32099);
  EXPECT_EQ(t.id_to_token(32098), "<extra_id_1>");
  // Sentinels in text are split out and the text between them is encoded on its own.
  EXPECT_EQ(t.encode("Hello<extra_id_0> world</s>"), (std::vector<int32_t>{8774, 32099, 296, 1}));
  EXPECT_EQ(t.decode({8774, 32099, 296, 1}, false), "Hello <extra_id_0> world </s>");
  EXPECT_EQ(t.decode({8774, 32099, 296, 1}, true), "Hello world");
  EXPECT_NE(error_of([&] { t.sentinel_id(100); }).find("out of range"), std::string::npos);
}

TEST(Tokenizer, AddedTokensTakeIdsAfterTheSentinelsAndAreSplitOut) {
  TokenizerOptions o;
  o.added_tokens = hotpotqa_added_tokens();  // [cls] [qs] [qe] [ts] [te] [ss]
  Tokenizer t = Tokenizer::load(t5_model(), o);
  EXPECT_EQ(t.vocab_size(), 32106);
  EXPECT_EQ(t.token_to_id("[cls]"), 32100);
  EXPECT_EQ(t.token_to_id("[qs]"), 32101);
  EXPECT_EQ(t.token_to_id("[ss]"), 32105);
  Encoding e = t.encode_with_offsets("[qs]Hello world[qe]");
  EXPECT_EQ(e.ids, (std::vector<int32_t>{32101, 8774, 296, 32102}));
  // Byte offsets into the input: "[qs]" = [0,4), "Hello" = [4,9), " world" = [9,15), "[qe]" = [15,19).
  EXPECT_EQ(e.begin, (std::vector<int64_t>{0, 4, 9, 15}));
  EXPECT_EQ(e.end, (std::vector<int64_t>{4, 9, 15, 19}));
  // Text around an added token is encoded as if alone: the same pieces with or without spaces.
  EXPECT_EQ(t.encode("[qs] Hello world [qe]"), e.ids);
  EXPECT_EQ(t.decode(e.ids), "[qs] Hello world [qe]");
  // A marker that is not an added token stays text.
  EXPECT_NE(t.encode("[xx]")[0], 32100);
}

TEST(Tokenizer, HashIsStableAndCoversAddedTokens) {
  Tokenizer a = Tokenizer::load(t5_model());
  Tokenizer b = Tokenizer::load(t5_model());
  TokenizerOptions o;
  o.added_tokens = {"[qs]"};
  Tokenizer c = Tokenizer::load(t5_model(), o);
  EXPECT_EQ(a.hash().size(), 64u);
  EXPECT_EQ(a.hash(), b.hash());
  EXPECT_NE(a.hash(), c.hash());
}

TEST(Tokenizer, BadInputGivesOneLineErrorsNamingTheFile) {
  testing::ScratchDir dir;
  std::string bogus = dir.file("bogus.model");
  testing::write_file(bogus, "not a model");
  std::string msg = error_of([&] { Tokenizer::load(bogus); });
  EXPECT_NE(msg.find(bogus), std::string::npos) << msg;
  EXPECT_NE(msg.find("not a SentencePiece model"), std::string::npos) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos);
  EXPECT_NE(error_of([&] { Tokenizer::load(dir.file("missing.model")); }).find("cannot open"), std::string::npos);
  TokenizerOptions dup;
  dup.added_tokens = {"[a]", "[a]"};
  EXPECT_NE(error_of([&] { Tokenizer::load(t5_model(), dup); }).find("given twice"), std::string::npos);
  TokenizerOptions existing;
  existing.added_tokens = {"▁Hello"};
  EXPECT_NE(error_of([&] { Tokenizer::load(t5_model(), existing); }).find("already a piece"), std::string::npos);
}

// A model whose piece 18 is a NUL byte (the fuzzer's find): libsentencepiece's trie builder
// throws through code that cannot pass it on and the process aborted; now it is refused.
TEST(Tokenizer, AModelWithANulBytePieceIsRefusedNotAborted) {
  const std::string found = std::string(VCC_SOURCE_DIR) + "/tests/fuzz/corpus/fuzz_sentencepiece/found-nul-byte-piece.model";
  EXPECT_EQ(error_of([&] { Tokenizer::load(found); }), found + ": corrupt SentencePiece model (piece 18 holds a NUL byte)");
  // The framing check: a length running past the end.
  testing::ScratchDir dir;
  const std::string cut = dir.file("cut.model");
  testing::write_file(cut, std::string("\x0a\x7f\x0a\x01a", 5));
  EXPECT_EQ(error_of([&] { Tokenizer::load(cut); }),
            cut + ": not a SentencePiece model (protobuf field of 127 bytes past the end)");
  // Real models pass (T5's 32,000 pieces).
  EXPECT_EQ(Tokenizer::load(t5_model()).vocab_size(), 32100);
}

TEST(SpmTrain, TrainsAReproducibleModelWithUserSymbols) {
  std::vector<std::string> lines;
  for (int i = 0; i < 200; ++i)
    lines.push_back("the quick brown fox " + std::to_string(i) + " jumps over the lazy dog zorblat");
  SpmTrainOptions o;
  o.vocab_size = 60;
  o.hard_vocab_limit = false;
  o.user_defined_symbols = {"\xE2\x96\x81zorblat"};
  std::string m1 = train_sentencepiece(lines, o), m2 = train_sentencepiece(lines, o);
  EXPECT_EQ(m1, m2);
  testing::ScratchDir dir;
  testing::write_file(dir.file("m.model"), m1);
  Tokenizer t = Tokenizer::load(dir.file("m.model"));
  EXPECT_EQ(t.pad_id(), 0);
  EXPECT_EQ(t.eos_id(), 1);
  EXPECT_EQ(t.unk_id(), 2);
  EXPECT_EQ(t.extra_ids(), 0);
  EXPECT_EQ(t.encode("zorblat").size(), 1u);
  EXPECT_EQ(t.decode(t.encode("the lazy dog zorblat")), "the lazy dog zorblat");
}

}  // namespace
}  // namespace vcc::data
