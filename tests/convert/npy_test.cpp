// The .npy reader and writer: NumPy-written files, round trips, and one-line errors.
#include <gtest/gtest.h>

#include "convert_test_util.h"
#include "io/npy.h"

using namespace vcc;
using namespace vcc::testing;

namespace {

// A .npy file as NumPy 1.x writes it (version 1.0, header padded to 64 bytes).
std::string npy_bytes(const std::string& header_dict, const std::string& data, int version = 1) {
  std::string header = header_dict;
  const size_t pre = version == 1 ? 10 : 12;
  header.append((64 - (pre + header.size() + 1) % 64) % 64, ' ');
  header += '\n';
  std::string out = "\x93NUMPY";
  out += static_cast<char>(version);
  out += '\0';
  if (version == 1) {
    out += static_cast<char>(header.size() & 0xff);
    out += static_cast<char>(header.size() >> 8);
  } else {
    for (int i = 0; i < 4; ++i) out += static_cast<char>((header.size() >> (8 * i)) & 0xff);
  }
  return out + header + data;
}

template <class T>
std::string raw(const std::vector<T>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
}

std::string error_of(const std::string& bytes) {
  try {
    io::parse_npy(bytes, "x.npy");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(Npy, ReadsTheReferenceFiles) {
  const Tensor ids = io::read_npy(hf_reference_dir() + "/refs/t5-v1_0-tiny/input_ids.npy");
  EXPECT_EQ(ids.dtype(), DType::I64);
  EXPECT_EQ(ids.shape(), Shape({3, 300}));
  EXPECT_EQ(ids.to_vector<int64_t>()[299], 1);  // row 0 is full length and ends with eos
  const Tensor h = io::read_npy(hf_reference_dir() + "/refs/roberta-tiny/padded_batch.last_hidden_state.npy");
  EXPECT_EQ(h.dtype(), DType::F32);
  EXPECT_EQ(h.shape(), Shape({3, 300, 64}));
}

TEST(Npy, ParsesEveryDtypeAndVersion) {
  const Tensor f = io::parse_npy(npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }",
                                           raw<double>({1.5, -2})), "a.npy");
  EXPECT_EQ(f.to_vector<double>(), (std::vector<double>{1.5, -2}));
  const Tensor i = io::parse_npy(npy_bytes("{'descr': '<i4', 'fortran_order': False, 'shape': (1, 2), }",
                                           raw<int32_t>({7, -3}), 2), "b.npy");
  EXPECT_EQ(i.shape(), Shape({1, 2}));
  EXPECT_EQ(i.to_vector<int32_t>(), (std::vector<int32_t>{7, -3}));
  const Tensor b = io::parse_npy(npy_bytes("{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }",
                                           std::string("\x01\x00\x01", 3)), "c.npy");
  EXPECT_EQ(b.dtype(), DType::U8);
  EXPECT_EQ(b.to_vector<uint8_t>(), (std::vector<uint8_t>{1, 0, 1}));
  const Tensor s = io::parse_npy(npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (), }",
                                           raw<float>({3.25f}), 3), "d.npy");
  EXPECT_EQ(s.dim(), 0);
  EXPECT_EQ(s.item<float>(), 3.25f);
}

TEST(Npy, WriteReadRoundTrip) {
  ScratchDir dir;
  for (DType dt : {DType::F32, DType::F64, DType::I32, DType::I64, DType::U8}) {
    const Tensor t = Tensor::from_vector<double>({1, 2, 3, 4, 5, 6}, {2, 3}).to(dt);
    const std::string path = dir / "t.npy";
    io::write_npy(path, t.transpose(0, 1));  // strided input is written in C order
    const Tensor back = io::read_npy(path);
    EXPECT_EQ(back.dtype(), dt);
    EXPECT_EQ(back.shape(), Shape({3, 2}));
    EXPECT_EQ(back.to(DType::F64).to_vector<double>(), (std::vector<double>{1, 4, 2, 5, 3, 6}));
    // The data starts 64-byte aligned, as NumPy writes it.
    EXPECT_EQ((read_file(path).size() - back.nbytes()) % 64, 0u);
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "t.npy.tmp-" + std::to_string(::getpid())));
}

TEST(Npy, ErrorsAreOneLineAndNameTheFile) {
  const std::string data = raw<float>({1, 2, 3, 4});
  EXPECT_EQ(error_of(npy_bytes("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", data)),
            "x.npy: Fortran-order arrays are not supported (save a C-contiguous array, e.g. with np.ascontiguousarray)");
  EXPECT_EQ(error_of(npy_bytes("{'descr': '>f4', 'fortran_order': False, 'shape': (4,), }", data)),
            "x.npy: big-endian dtype '>f4' is not supported (save with '<' byte order)");
  EXPECT_EQ(error_of(npy_bytes("{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }", data)),
            "x.npy: unsupported .npy dtype '<c8' (supported: <f4 <f8 <i4 <i8 |u1 |b1)");
  EXPECT_EQ(error_of(npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (5,), }", data)),
            "x.npy: data has 16 bytes, shape [5] of <f4 needs 20");
  // No element, yet the strides of [0, 2^40, 2^40] pass 2^63 (the fuzzer's find): refused, not UB.
  EXPECT_EQ(error_of(npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (0, 1099511627776, 1099511627776), }", "")),
            "x.npy: shape [0,1099511627776,1099511627776] of <f4 is too large (element count overflows)");
  EXPECT_EQ(error_of("PK\x03\x04 not numpy"), "x.npy: not a .npy file (bad magic)");
  EXPECT_NE(error_of(npy_bytes("{'descr': '<f4', 'shape': (4,), }", data)).find("x.npy: malformed .npy header"),
            std::string::npos);
  for (const std::string& e : {error_of(npy_bytes("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", data))})
    EXPECT_EQ(e.find('\n'), std::string::npos);
}
