#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "io/hdf5_file.h"
#include "test_util.h"

namespace vcc::io {
namespace {

using vcc::data::testing::error_of;
using vcc::data::testing::ScratchDir;

TEST(H5File, RoundTripsTypedDatasetsStringsAndAttributes) {
  ScratchDir dir;
  std::string path = dir.file("a.h5");
  {
    H5File f = H5File::create(path);
    f.write("f32", Tensor::from_vector<float>({1.5f, -2.0f, 3.25f, 0.0f, 1e-8f, 7.0f}, {2, 3}));
    f.write("grp/sub/f64", std::vector<double>{3.141592653589793, -1e300});
    f.write("i32", std::vector<int32_t>{-5, 0, 2147483647}, Shape{3});
    f.write("i64", std::vector<int64_t>{int64_t{1} << 40, -7}, Shape{2, 1});
    f.write("u8", std::vector<uint8_t>{0, 255, 7, 8}, Shape{2, 2});
    f.write("scalar", std::vector<float>{42.0f}, Shape{});
    f.write("empty", std::vector<int32_t>{}, Shape{0, 4});
    f.write_strings("names", {"alpha", "", "ünïcødé ✓", std::string(1000, 'x')});
    f.create_group("meta");
    f.set_attr("/", "title", "hello");
    f.set_attr("/", "count", int64_t{-12345678901});
    f.set_attr("meta", "ratio", 0.125);
    f.set_attr("f32", "unit", "m/s");
    // The file appears only on commit.
    EXPECT_FALSE(std::filesystem::exists(path));
    EXPECT_TRUE(std::filesystem::exists(path + ".tmp"));
    f.commit();
  }
  EXPECT_TRUE(std::filesystem::exists(path));
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));

  H5File f = H5File::open(path);
  EXPECT_FALSE(f.writable());
  Tensor a = f.read("f32");
  EXPECT_EQ(a.dtype(), DType::F32);
  EXPECT_EQ(a.shape(), (Shape{2, 3}));
  EXPECT_EQ(a.to_vector<float>(), (std::vector<float>{1.5f, -2.0f, 3.25f, 0.0f, 1e-8f, 7.0f}));
  EXPECT_EQ(f.read_vector<double>("grp/sub/f64"), (std::vector<double>{3.141592653589793, -1e300}));
  EXPECT_EQ(f.read_vector<int32_t>("i32"), (std::vector<int32_t>{-5, 0, 2147483647}));
  EXPECT_EQ(f.read("i64").shape(), (Shape{2, 1}));
  EXPECT_EQ(f.read_vector<int64_t>("i64"), (std::vector<int64_t>{int64_t{1} << 40, -7}));
  EXPECT_EQ(f.read("u8").dtype(), DType::U8);
  EXPECT_EQ(f.read_vector<uint8_t>("u8"), (std::vector<uint8_t>{0, 255, 7, 8}));
  EXPECT_EQ(f.read_vector<int64_t>("u8"), (std::vector<int64_t>{0, 255, 7, 8}));  // converted on read
  EXPECT_EQ(f.read("scalar").dim(), 0);
  EXPECT_EQ(f.read("scalar").item<float>(), 42.0f);
  EXPECT_EQ(f.shape("empty"), (Shape{0, 4}));
  EXPECT_EQ(f.read("empty").numel(), 0);
  EXPECT_EQ(f.read_strings("names"), (std::vector<std::string>{"alpha", "", "ünïcødé ✓", std::string(1000, 'x')}));
  EXPECT_EQ(f.attr_string("/", "title"), "hello");
  EXPECT_EQ(f.attr_int("/", "count"), -12345678901);
  EXPECT_EQ(f.attr_double("meta", "ratio"), 0.125);
  EXPECT_EQ(f.attr_string("f32", "unit"), "m/s");
  EXPECT_TRUE(f.has_attr("/", "title"));
  EXPECT_FALSE(f.has_attr("/", "nope"));
  EXPECT_TRUE(f.exists("grp/sub/f64"));
  EXPECT_FALSE(f.exists("grp/nope/x"));
  EXPECT_EQ(f.list("/"), (std::vector<std::string>{"empty", "f32", "grp", "i32", "i64", "meta", "names", "scalar", "u8"}));
}

TEST(H5File, RowDatasetsGrowAndReadBackBySlices) {
  ScratchDir dir;
  std::string path = dir.file("rows.h5");
  {
    H5File f = H5File::create(path);
    f.create_rows("x", DType::I32, {3});
    f.append_rows("x", Tensor::from_vector<int32_t>({0, 1, 2, 3, 4, 5}, {2, 3}));
    f.append_rows("x", Tensor::from_vector<int32_t>({6, 7, 8}, {1, 3}));
    EXPECT_NE(error_of([&] { f.append_rows("x", Tensor::from_vector<int32_t>({1, 2}, {1, 2})); }).find("rows of shape"),
              std::string::npos);
    f.commit();
  }
  H5File f = H5File::open(path);
  EXPECT_EQ(f.shape("x"), (Shape{3, 3}));
  EXPECT_EQ(f.read_rows("x", 1, 2).to_vector<int32_t>(), (std::vector<int32_t>{3, 4, 5, 6, 7, 8}));
  EXPECT_EQ(f.read_rows("x", 0, 1, DType::I64).to_vector<int64_t>(), (std::vector<int64_t>{0, 1, 2}));
  EXPECT_NE(error_of([&] { f.read_rows("x", 2, 5); }).find("out of range"), std::string::npos);
}

TEST(H5File, AbandonedWriterLeavesNothingBehind) {
  ScratchDir dir;
  std::string path = dir.file("abandoned.h5");
  {
    H5File f = H5File::create(path);
    f.write("x", std::vector<int32_t>{1, 2, 3});
  }
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
}

TEST(H5File, FailuresAreOneLineErrorsNamingFileAndObject) {
  ScratchDir dir;
  std::string path = dir.file("e.h5");
  {
    H5File f = H5File::create(path);
    f.write("x", std::vector<int32_t>{1, 2, 3});
    f.set_attr("/", "n", int64_t{3});
    std::string dup = error_of([&] { f.write("x", std::vector<int32_t>{1}); });
    EXPECT_NE(dup.find("'x'"), std::string::npos) << dup;
    EXPECT_NE(dup.find("already exists"), std::string::npos) << dup;
    f.commit();
  }
  H5File f = H5File::open(path);
  std::string missing = error_of([&] { f.read("nope"); });
  EXPECT_NE(missing.find(path), std::string::npos) << missing;
  EXPECT_NE(missing.find("'nope'"), std::string::npos) << missing;
  EXPECT_NE(missing.find("no such dataset"), std::string::npos) << missing;
  std::string attr = error_of([&] { f.attr_int("/", "missing_attr"); });
  EXPECT_NE(attr.find("missing attribute 'missing_attr'"), std::string::npos) << attr;
  EXPECT_NE(error_of([&] { f.attr_string("/", "n"); }).find("is not a string"), std::string::npos);
  EXPECT_NE(error_of([&] { f.read("x", DType::F32); }).find("cannot read as float32"), std::string::npos);
  EXPECT_NE(error_of([&] { f.write("y", std::vector<int32_t>{1}); }).find("read-only"), std::string::npos);
  EXPECT_NE(error_of([&] { H5File::open(dir.file("absent.h5")); }).find("no such file"), std::string::npos);

  // A file cut short and a file of garbage: errors name the file, in one line.
  std::string cut = dir.file("cut.h5");
  std::filesystem::copy_file(path, cut);
  std::filesystem::resize_file(cut, std::filesystem::file_size(path) / 2);
  std::string truncated = error_of([&] { H5File::open(cut).read("x"); });
  EXPECT_NE(truncated.find(cut), std::string::npos) << truncated;
  EXPECT_EQ(truncated.find('\n'), std::string::npos) << truncated;
  std::string junk = dir.file("junk.h5");
  vcc::data::testing::write_file(junk, std::string(4096, 'j'));
  std::string corrupt = error_of([&] { H5File::open(junk); });
  EXPECT_NE(corrupt.find(junk), std::string::npos) << corrupt;
  EXPECT_NE(corrupt.find("not a readable HDF5 file"), std::string::npos) << corrupt;
}

}  // namespace
}  // namespace vcc::io

namespace vcc::io {
namespace {

// Flips one bit of the first occurrence of `pattern` in the file; false if it is not there.
bool flip_bit_in(const std::string& path, const std::string& pattern) {
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t at = bytes.find(pattern);
  if (at == std::string::npos) return false;
  bytes[at + pattern.size() / 2] ^= 0x10;
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
  return true;
}

std::string bytes_of_values(const std::vector<int32_t>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(int32_t));
}

}  // namespace

TEST(H5File, AFlippedByteInATensorTokenRowsOrStringsIsReportedNotRead) {
  ScratchDir dir;
  // Distinctive values, so the test can find their bytes in the file.
  std::vector<int32_t> values(1000);
  for (size_t i = 0; i < values.size(); ++i) values[i] = 0x51000000 + static_cast<int32_t>(i);
  const std::vector<std::string> names = {"answer-one-of-a-kind-string", "answer-two"};
  for (const std::string what : {"tensor", "rows", "strings"}) {
    SCOPED_TRACE(what);
    const std::string path = dir.file(what + ".h5");
    {
      H5File f = H5File::create(path);
      if (what == "tensor") f.write("x", Tensor::from_vector<int32_t>(values, {10, 100}));
      if (what == "rows") {
        RowDatasetOptions uncompressed;  // so that the test finds the values' bytes
        uncompressed.compression_level = 0;
        f.create_rows("x", DType::I32, {100}, uncompressed);
        f.append_rows("x", Tensor::from_vector<int32_t>(values, {10, 100}));
      }
      if (what == "strings") f.write_strings("x", names);
      f.commit();
    }
    // Intact, it reads back.
    {
      H5File f = H5File::open(path);
      if (what == "strings")
        EXPECT_EQ(f.read_strings("x"), names);
      else
        EXPECT_EQ(f.read_rows("x", 0, 10).to_vector<int32_t>(), values);
    }
    ASSERT_TRUE(flip_bit_in(path, what == "strings" ? names[0] : bytes_of_values({values.begin() + 500, values.begin() + 504})));
    H5File f = H5File::open(path);
    const std::string e = error_of([&] {
      if (what == "strings")
        f.read_strings("x");
      else if (what == "tensor")
        f.read("x");
      else
        f.read_rows("x", 0, 10);
    });
    EXPECT_NE(e.find(path), std::string::npos) << e;
    EXPECT_NE(e.find("checksum"), std::string::npos) << e;
    EXPECT_EQ(e.find('\n'), std::string::npos) << e;
  }
}

}  // namespace vcc::io

namespace vcc::io {

// What open() relies on: files vcc writes use the 1.10 format (superblock version 3, with
// checksummed metadata); files without checksums are read only on request.
TEST(H5File, WritesChecksummedMetadataAndRefusesUncheckedFilesByDefault) {
  ScratchDir dir;
  const std::string path = dir.file("new.h5");
  {
    H5File f = H5File::create(path);
    f.write("x", std::vector<int32_t>{1, 2, 3});
    f.commit();
  }
  std::ifstream in(path, std::ios::binary);
  char head[9] = {};
  in.read(head, 9);
  EXPECT_EQ(static_cast<int>(head[8]), 3) << "superblock version";
  const std::string legacy = std::string(VCC_SOURCE_DIR) + "/tests/fuzz/corpus/fuzz_hdf5_dataset/synthetic-2-examples.h5";
  EXPECT_NE(error_of([&] { H5File::open(legacy); }).find("without metadata checksums"), std::string::npos);
  ::setenv("VCC_READ_LEGACY_HDF5", "1", 1);
  EXPECT_NO_THROW(H5File::open(legacy));
  ::unsetenv("VCC_READ_LEGACY_HDF5");
}

}  // namespace vcc::io
