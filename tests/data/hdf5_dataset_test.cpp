#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "data/hdf5_dataset.h"
#include "data/hotpotqa_reader.h"
#include "io/hdf5_file.h"
#include "test_util.h"

namespace vcc::data {
namespace {

using testing::error_of;

// Encodes the first `n` HotpotQA sample examples into `path`; returns what was written.
std::vector<EncodedExample> write_hotpot(const std::string& path, int n, Task task, EncodeStats* stats_out = nullptr) {
  TokenizerOptions to;
  to.added_tokens = hotpotqa_added_tokens();
  Tokenizer tok = Tokenizer::load(testing::t5_model(), to);
  EncoderOptions o;
  o.max_length = 512;
  o.max_target_length = 16;
  o.task = task;
  ExampleEncoder enc(tok, o);
  auto examples = read_hotpotqa(testing::hotpot_sample());
  DatasetWriter w(path, dataset_info_for(tok, o, "hotpotqa"));
  EncodeStats stats;
  std::vector<EncodedExample> out;
  for (int i = 0; i < n; ++i) {
    out.push_back(*enc.encode(examples[i], stats));
    w.add(examples[i], out.back());
  }
  w.finish(stats);
  if (stats_out) *stats_out = stats;
  return out;
}

TEST(HDF5Dataset, WriteThenReadGivesTheSameArrays) {
  testing::ScratchDir dir;
  std::string path = dir.file("hp.h5");
  EncodeStats stats;
  auto written = write_hotpot(path, 103, Task::QaExtractive, &stats);
  DatasetReader r(path);
  ASSERT_EQ(r.size(), 103);
  const DatasetInfo& info = r.info();
  EXPECT_EQ(info.format_version, 1);
  EXPECT_EQ(info.max_length, 512);
  EXPECT_EQ(info.max_target_length, 16);
  EXPECT_EQ(info.task, Task::QaExtractive);
  EXPECT_EQ(info.source, "hotpotqa");
  EXPECT_EQ(info.vocab_size, 32106);
  EXPECT_EQ(info.added_tokens_json, "[\"[cls]\",\"[qs]\",\"[qe]\",\"[ts]\",\"[te]\",\"[ss]\"]");
  EXPECT_EQ(info.stats.examples, 103);
  EXPECT_EQ(info.stats.truncated, stats.truncated);
  EXPECT_EQ(info.stats.spans_located, stats.spans_located);
  EXPECT_EQ(r.ids()[0], "5a8b57f25542995d1e6f1371");
  EXPECT_EQ(r.answers(0), (std::vector<std::string>{"yes"}));

  DatasetRows all = r.read(0, 103);
  EXPECT_EQ(all.input_ids.shape(), (Shape{103, 512}));
  EXPECT_EQ(all.labels.shape(), (Shape{103, 16}));
  auto ids = all.input_ids.to_vector<int32_t>();
  auto attn = all.attention_mask.to_vector<uint8_t>();
  auto imp = all.importance_mask.to_vector<uint8_t>();
  auto labels = all.labels.to_vector<int32_t>();
  auto start = all.answer_start.to_vector<int32_t>(), end = all.answer_end.to_vector<int32_t>();
  auto type = all.answer_type.to_vector<int32_t>(), qlen = all.query_length.to_vector<int32_t>();
  for (int i = 0; i < 103; ++i) {
    const EncodedExample& e = written[i];
    ASSERT_TRUE(std::equal(e.input_ids.begin(), e.input_ids.end(), ids.begin() + i * 512)) << i;
    ASSERT_TRUE(std::equal(e.attention_mask.begin(), e.attention_mask.end(), attn.begin() + i * 512)) << i;
    ASSERT_TRUE(std::equal(e.importance_mask.begin(), e.importance_mask.end(), imp.begin() + i * 512)) << i;
    ASSERT_TRUE(std::equal(e.labels.begin(), e.labels.end(), labels.begin() + i * 16)) << i;
    EXPECT_EQ(start[i], e.answer_start);
    EXPECT_EQ(end[i], e.answer_end);
    EXPECT_EQ(type[i], static_cast<int32_t>(e.answer_type));
    EXPECT_EQ(qlen[i], e.query_length);
  }
  // Gathered rows, from memory and from the file, equal the written ones.
  DatasetReader lazy(path, /*preload=*/false);
  for (const DatasetReader* reader : {&r, &lazy}) {
    DatasetRows g = reader->gather({7, 3, 4, 5, 100});
    auto gi = g.input_ids.to_vector<int32_t>();
    int k = 0;
    for (int i : {7, 3, 4, 5, 100})
      ASSERT_TRUE(std::equal(written[i].input_ids.begin(), written[i].input_ids.end(), gi.begin() + 512 * k++));
    EXPECT_EQ(g.answer_start.to_vector<int32_t>()[0], written[7].answer_start);
  }
}

TEST(HDF5Dataset, Seq2SeqFilesHaveLabelsButNoSpans) {
  testing::ScratchDir dir;
  std::string path = dir.file("s.h5");
  write_hotpot(path, 5, Task::Seq2Seq);
  DatasetReader r(path);
  EXPECT_EQ(r.size(), 5);
  DatasetRows rows = r.read(0, 5);
  EXPECT_TRUE(rows.labels.defined());
  EXPECT_FALSE(rows.answer_start.defined());
  io::H5File f = io::H5File::open(path);
  EXPECT_FALSE(f.exists("answer_start"));
}

TEST(HDF5Dataset, ReaderRejectsTruncatedForeignAndOldFilesByName) {
  testing::ScratchDir dir;
  std::string good = dir.file("good.h5");
  write_hotpot(good, 10, Task::QaExtractive);

  std::string cut = dir.file("cut.h5");
  std::filesystem::copy_file(good, cut);
  std::filesystem::resize_file(cut, std::filesystem::file_size(good) * 2 / 3);
  std::string msg = error_of([&] { DatasetReader r(cut); });
  EXPECT_NE(msg.find(cut), std::string::npos) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;

  std::string foreign = dir.file("foreign.h5");
  {
    io::H5File f = io::H5File::create(foreign);
    f.write("x", std::vector<int32_t>{1});
    f.commit();
  }
  msg = error_of([&] { DatasetReader r(foreign); });
  EXPECT_NE(msg.find(foreign + ": not a vcc dataset"), std::string::npos) << msg;

  std::string newer = dir.file("newer.h5");
  {
    io::H5File f = io::H5File::create(newer);
    f.set_attr("/", "format_version", int64_t{99});
    f.commit();
  }
  msg = error_of([&] { DatasetReader r(newer); });
  EXPECT_NE(msg.find("dataset format version 99, this build reads version 1"), std::string::npos) << msg;

  std::string text = dir.file("text.h5");
  testing::write_file(text, "{\"not\": \"hdf5\"}");
  msg = error_of([&] { DatasetReader r(text); });
  EXPECT_NE(msg.find(text + ": not a readable HDF5 file"), std::string::npos) << msg;
}

}  // namespace
}  // namespace vcc::data

namespace vcc::data {

// Single-bit flips all over a split vcc writes (its metadata has checksums, its data
// Fletcher-32): opening and reading it all either gives the original contents (the bit was
// in unused space) or a one-line vcc::Error, never a crash or wrong data. Under the sanitizer
// build this is also a deterministic fuzz of libhdf5's checked paths.
TEST(DatasetReader, EveryBitFlipIsDetectedOrHarmless) {
  const std::string seed =
      std::string(VCC_SOURCE_DIR) + "/tests/fuzz/corpus/fuzz_hdf5_dataset/synthetic-1-example-checksummed.h5";
  std::ifstream in(seed, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_GT(bytes.size(), 1000u);
  // Everything a training or evaluation run reads, as one list of numbers.
  auto contents = [](const std::string& path) {
    DatasetReader r(path);
    const DatasetRows rows = r.read(0, r.size());
    std::vector<int32_t> all;
    for (const Tensor& t : {rows.input_ids, rows.attention_mask, rows.importance_mask, rows.answer_start, rows.answer_end,
                            rows.answer_type})
      if (t.defined())
        for (int64_t v : t.to_vector<int64_t>()) all.push_back(static_cast<int32_t>(v));
    std::string text = r.info().tokenizer_hash + r.info().source;
    for (int64_t i = 0; i < r.size(); ++i) {
      text += r.ids()[i];
      for (const std::string& a : r.answers(i)) text += a;
    }
    all.insert(all.end(), text.begin(), text.end());
    all.push_back(static_cast<int32_t>(r.size()));
    all.push_back(static_cast<int32_t>(r.max_length()));
    return all;
  };
  const std::vector<int32_t> original = contents(seed);
  testing::ScratchDir dir;
  const std::string path = dir.file("flipped.h5");
  int64_t detected = 0, harmless = 0;
  // Every third byte (a third of the file, spread over all of it), one bit each (the bit
  // rotates with the offset).
  for (size_t at = 0; at < bytes.size(); at += 3) {
    std::string flipped = bytes;
    flipped[at] = static_cast<char>(flipped[at] ^ (1 << (at % 8)));
    std::ofstream(path, std::ios::binary | std::ios::trunc) << flipped;
    try {
      ASSERT_EQ(contents(path), original) << "a flip at byte " << at << " changed what was read";
      ++harmless;
    } catch (const Error& e) {
      ASSERT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
      ++detected;
    }
  }
  ::testing::Test::RecordProperty("detected", std::to_string(detected));
  ::testing::Test::RecordProperty("harmless", std::to_string(harmless));
  EXPECT_GT(detected, harmless) << detected << " detected, " << harmless << " harmless";
}

}  // namespace vcc::data
