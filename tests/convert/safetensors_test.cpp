// The safetensors reader and writer: Hugging Face files, byte-compatible writing, and a
// one-line error naming the file and tensor for every kind of damage.
#include <gtest/gtest.h>

#include "convert_test_util.h"
#include "io/safetensors.h"

using namespace vcc;
using namespace vcc::testing;

namespace {

// A file with a hand-written header and `data_bytes` bytes of data.
std::string with_header(const std::string& header, size_t data_bytes) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((static_cast<uint64_t>(header.size()) >> (8 * i)) & 0xff);
  return out + header + std::string(data_bytes, '\0');
}

std::string open_error(const std::string& path) {
  try {
    io::SafetensorsReader::open(path);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(Safetensors, ReadsHuggingFaceFiles) {
  const auto r = io::SafetensorsReader::open(hf_reference_dir() + "/models/roberta-tiny/model.safetensors");
  EXPECT_EQ(r.names().size(), 39u);
  EXPECT_EQ(r.metadata().at("format"), "pt");
  const Tensor pos = r.read("embeddings.position_embeddings.weight");
  EXPECT_EQ(pos.shape(), Shape({530, 64}));
  EXPECT_EQ(pos.dtype(), DType::F32);
  const auto t5 = io::SafetensorsFolder::open(hf_reference_dir() + "/models/t5-v1_0-tiny");
  EXPECT_TRUE(t5.contains("shared.weight"));
  EXPECT_FALSE(t5.contains("lm_head.weight"));  // tied: written once
}

TEST(Safetensors, RewritingAHuggingFaceFileGivesTheSameBytes) {
  ScratchDir dir;
  for (const char* model : {"roberta-tiny", "t5-v1_0-tiny", "t5-v1_1-tiny"}) {
    const std::string src = hf_reference_dir() + "/models/" + model + "/model.safetensors";
    const auto r = io::SafetensorsReader::open(src);
    std::vector<std::pair<std::string, Tensor>> tensors;
    for (const auto& n : r.names()) tensors.emplace_back(n, r.read(n));
    io::write_safetensors(dir / "out.safetensors", tensors);
    EXPECT_EQ(read_file(dir / "out.safetensors"), read_file(src)) << model;
  }
}

TEST(Safetensors, RoundTripOfDtypesAndShapes) {
  ScratchDir dir;
  const Tensor a = Tensor::from_vector<double>({1, 2, 3, 4, 5, 6}, {3, 2});
  const Tensor b = Tensor::from_vector<int64_t>({-1, 5}, {2});
  const Tensor c = Tensor::from_vector<float>({0.5f, 1.5f}, {2}).to(DType::BF16);
  const Tensor s = Tensor::scalar<int32_t>(9);
  io::write_safetensors(dir / "m.safetensors", {{"z.a", a.transpose(0, 1)}, {"b", b}, {"c", c}, {"s", s}}, {});
  const auto r = io::SafetensorsReader::open(dir / "m.safetensors");
  EXPECT_EQ(r.names(), (std::vector<std::string>{"b", "c", "s", "z.a"}));
  EXPECT_TRUE(r.metadata().empty());
  EXPECT_EQ(r.read("z.a").to_vector<double>(), (std::vector<double>{1, 3, 5, 2, 4, 6}));
  EXPECT_EQ(r.read("b").to_vector<int64_t>(), (std::vector<int64_t>{-1, 5}));
  EXPECT_EQ(r.read("c").dtype(), DType::BF16);
  EXPECT_EQ(r.read_float32("c").to_vector<float>(), (std::vector<float>{0.5f, 1.5f}));
  EXPECT_EQ(r.read("s").dim(), 0);
  EXPECT_EQ(r.entry("s").dtype_name, "I32");
  EXPECT_EQ(read_file(dir / "m.safetensors").size() % 8, 0u);
}

TEST(Safetensors, ReadsFloat16AsFloat32) {
  ScratchDir dir;
  // 1.0, -2.5, 65504 (max half), 2^-24 (smallest subnormal)
  const std::string header = R"({"h":{"dtype":"F16","shape":[4],"data_offsets":[0,8]}})";
  std::string file = with_header(header, 0);
  for (uint16_t h : {0x3C00, 0xC100, 0x7BFF, 0x0001}) {
    file += static_cast<char>(h & 0xff);
    file += static_cast<char>(h >> 8);
  }
  write_file(dir / "h.safetensors", file);
  EXPECT_EQ(io::SafetensorsReader::open(dir / "h.safetensors").read("h").to_vector<float>(),
            (std::vector<float>{1.0f, -2.5f, 65504.0f, 5.9604644775390625e-08f}));
}

TEST(Safetensors, DamagedFilesGiveOneLineErrorsNamingFileAndTensor) {
  ScratchDir dir;
  const std::string p = dir / "bad.safetensors";
  auto check = [&](const std::string& bytes, const std::string& expected) {
    write_file(p, bytes);
    const std::string e = open_error(p);
    EXPECT_EQ(e, p + ": " + expected);
    EXPECT_EQ(e.find('\n'), std::string::npos);
  };
  // A real file cut in the middle of its data.
  const std::string good = read_file(hf_reference_dir() + "/models/roberta-tiny/model.safetensors");
  write_file(p, good.substr(0, good.size() / 2));
  const std::string truncated = open_error(p);
  EXPECT_NE(truncated.find(p + ": tensor '"), std::string::npos) << truncated;
  EXPECT_NE(truncated.find("run past the end of the data"), std::string::npos) << truncated;
  EXPECT_NE(truncated.find("file truncated?"), std::string::npos) << truncated;

  check(std::string("\x05\x00\x00", 3), "truncated safetensors file (3 bytes, the 8-byte header length is missing)");
  check(with_header("{}", 0).substr(0, 9), "truncated safetensors file (header of 2 bytes announced, only 1 follow)");
  check(with_header(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"v":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})", 12),
        "tensor 'v': data_offsets [4, 12] overlap tensor 'w' [0, 8]");
  check(with_header(R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", 8),
        "tensor 'w': data_offsets [0, 16] run past the end of the data (8 bytes; file truncated?)");
  check(with_header(R"({"w":{"dtype":"Q4","shape":[2],"data_offsets":[0,8]}})", 8), "tensor 'w': unknown dtype 'Q4'");
  check(with_header(R"({"w":{"dtype":"I8","shape":[2],"data_offsets":[0,2]}})", 2),
        "tensor 'w': dtype I8 is not supported (F32, F64, F16, BF16, I32, I64, U8, BOOL are)");
  check(with_header(R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", 8),
        "tensor 'w': data_offsets [0, 8] hold 8 bytes but shape [3] of F32 needs 12");
  check(with_header(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})", 16),
        "tensor 'w': data_offsets start at 8 but the previous tensor ends at 0 (gap in the data buffer)");
  write_file(p, with_header(R"({"w":{"dtype":"F32","sh}})", 8));
  const std::string json_error = open_error(p);
  EXPECT_EQ(json_error.rfind(p + ": malformed safetensors header JSON: ", 0), 0u) << json_error;
  EXPECT_EQ(json_error.find('\n'), std::string::npos);
}

TEST(Safetensors, ShardedFolders) {
  ScratchDir dir;
  io::write_safetensors(dir / "model-00001-of-00002.safetensors", {{"a", Tensor::ones({2})}});
  io::write_safetensors(dir / "model-00002-of-00002.safetensors", {{"b", Tensor::zeros({3})}});
  write_file(dir / "model.safetensors.index.json",
             R"({"metadata": {}, "weight_map": {"a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00002.safetensors"}})");
  const auto f = io::SafetensorsFolder::open(dir.path().string());
  EXPECT_EQ(f.names(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(f.read("b").shape(), Shape({3}));
  write_file(dir / "model.safetensors.index.json",
             R"({"weight_map": {"a": "model-00002-of-00002.safetensors", "b": "model-00002-of-00002.safetensors"}})");
  try {
    io::SafetensorsFolder::open(dir.path().string());
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), dir / "model.safetensors.index.json" +
                                         ": tensor 'a' is mapped to model-00002-of-00002.safetensors, which does not contain it");
  }
}

TEST(Safetensors, WriterLeavesNoPartialFile) {
  ScratchDir dir;
  // A folder where the file should go makes the final rename fail; no temporary remains.
  std::filesystem::create_directories(dir / "taken.safetensors/x");
  EXPECT_THROW(io::write_safetensors(dir / "taken.safetensors", {{"a", Tensor::ones({2})}}), Error);
  size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) files += e.is_regular_file();
  EXPECT_EQ(files, 0u);
  EXPECT_THROW(io::write_safetensors(dir / "d.safetensors", {{"a", Tensor::ones({2})}, {"a", Tensor::ones({1})}}), Error);
}
