#include "io/npy.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <fstream>
#include <sstream>

#include "io/config.h"

namespace vcc::io {
namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicSize = 6;

// The header is a Python dict literal, e.g.
//   {'descr': '<f4', 'fortran_order': False, 'shape': (3, 300), }
// This parser accepts exactly the value kinds .npy headers use: quoted strings, True/False,
// and tuples of non-negative integers.
class HeaderParser {
 public:
  HeaderParser(const std::string& text, const std::string& source) : s_(text), source_(source) {}

  void parse(std::string& descr, bool& fortran, Shape& shape) {
    bool have_descr = false, have_order = false, have_shape = false;
    expect('{');
    while (true) {
      skip_space();
      if (peek() == '}') break;
      const std::string key = quoted();
      expect(':');
      skip_space();
      if (key == "descr") {
        if (peek() != '\'' && peek() != '"') fail("'descr' is not a simple dtype string (structured arrays are not supported)");
        descr = quoted();
        have_descr = true;
      } else if (key == "fortran_order") {
        fortran = boolean();
        have_order = true;
      } else if (key == "shape") {
        shape = tuple();
        have_shape = true;
      } else {
        fail("unexpected key '" + key + "' in the header");
      }
      skip_space();
      if (peek() == ',') ++pos_;
    }
    if (!have_descr || !have_order || !have_shape)
      fail("header lacks one of 'descr', 'fortran_order', 'shape'");
  }

 private:
  [[noreturn]] void fail(const std::string& what) const { throw Error(source_ + ": malformed .npy header: " + what); }
  char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  void skip_space() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }
  void expect(char c) {
    skip_space();
    if (peek() != c) fail(std::string("expected '") + c + "' at offset " + std::to_string(pos_));
    ++pos_;
  }
  std::string quoted() {
    skip_space();
    const char q = peek();
    if (q != '\'' && q != '"') fail("expected a quoted string at offset " + std::to_string(pos_));
    const size_t end = s_.find(q, pos_ + 1);
    if (end == std::string::npos) fail("unterminated string");
    std::string out = s_.substr(pos_ + 1, end - pos_ - 1);
    pos_ = end + 1;
    return out;
  }
  bool boolean() {
    if (s_.compare(pos_, 4, "True") == 0) {
      pos_ += 4;
      return true;
    }
    if (s_.compare(pos_, 5, "False") == 0) {
      pos_ += 5;
      return false;
    }
    fail("'fortran_order' must be True or False");
  }
  Shape tuple() {
    expect('(');
    std::vector<int64_t> dims;
    while (true) {
      skip_space();
      if (peek() == ')') {
        ++pos_;
        break;
      }
      if (!std::isdigit(static_cast<unsigned char>(peek()))) fail("shape entries must be non-negative integers");
      int64_t v = 0;
      while (std::isdigit(static_cast<unsigned char>(peek()))) {
        v = v * 10 + (s_[pos_++] - '0');
        if (v > (int64_t{1} << 48)) fail("shape entry too large");
      }
      dims.push_back(v);
      skip_space();
      if (peek() == ',') ++pos_;
    }
    if (static_cast<int>(dims.size()) > kMaxDims) fail("more than " + std::to_string(kMaxDims) + " dimensions");
    return Shape(dims);
  }

  const std::string& s_;
  const std::string& source_;
  size_t pos_ = 0;
};

// NumPy dtype string -> DType, or an error naming the string.
DType dtype_from_descr(const std::string& descr, const std::string& source) {
  if (descr == "<f4") return DType::F32;
  if (descr == "<f8") return DType::F64;
  if (descr == "<i4") return DType::I32;
  if (descr == "<i8") return DType::I64;
  if (descr == "|u1" || descr == "|b1") return DType::U8;
  if (!descr.empty() && descr[0] == '>')
    throw Error(source + ": big-endian dtype '" + descr + "' is not supported (save with '<' byte order)");
  throw Error(source + ": unsupported .npy dtype '" + descr + "' (supported: <f4 <f8 <i4 <i8 |u1 |b1)");
}

std::string descr_of(DType dt) {
  switch (dt) {
    case DType::F32: return "<f4";
    case DType::F64: return "<f8";
    case DType::I32: return "<i4";
    case DType::I64: return "<i8";
    case DType::U8: return "|u1";
    default: VCC_FAIL("write_npy: unsupported dtype ", dtype_name(dt), " (float32/64, int32/64, uint8 expected)");
  }
}

}  // namespace

Tensor parse_npy(const std::string& bytes, const std::string& source) {
  VCC_USER_CHECK(bytes.size() >= kMagicSize + 4 && bytes.compare(0, kMagicSize, kMagic, kMagicSize) == 0, source,
                 ": not a .npy file (bad magic)");
  const int major = static_cast<unsigned char>(bytes[6]);
  size_t header_len = 0, header_start = 0;
  if (major == 1) {
    header_len = static_cast<unsigned char>(bytes[8]) | (static_cast<size_t>(static_cast<unsigned char>(bytes[9])) << 8);
    header_start = 10;
  } else if (major == 2 || major == 3) {
    VCC_USER_CHECK(bytes.size() >= 12, source, ": truncated .npy header");
    for (int i = 3; i >= 0; --i) header_len = (header_len << 8) | static_cast<unsigned char>(bytes[8 + i]);
    header_start = 12;
  } else {
    throw Error(source + ": unsupported .npy format version " + std::to_string(major));
  }
  VCC_USER_CHECK(header_start + header_len <= bytes.size(), source, ": truncated .npy header (", header_len,
                 " header bytes announced, file has ", bytes.size(), ")");
  const std::string header = bytes.substr(header_start, header_len);
  std::string descr;
  bool fortran = false;
  Shape shape;
  HeaderParser(header, source).parse(descr, fortran, shape);
  const DType dtype = dtype_from_descr(descr, source);
  VCC_USER_CHECK(!fortran, source, ": Fortran-order arrays are not supported (save a C-contiguous array, e.g. with np.ascontiguousarray)");

  // Size check before allocating: a 132-byte file must not make us allocate gigabytes, and
  // a crafted shape must not overflow the element count.
  const size_t data_start = header_start + header_len;
  const size_t have = bytes.size() - data_start;
  // The strides multiply the dimensions with zeros counted as ones, so [0, 2^40, 2^40] holds no
  // element and still overflows them: check that product, then the element count.
  int64_t numel = 1, need = 0, span = 1;
  for (int64_t d : shape) {
    VCC_USER_CHECK(!__builtin_mul_overflow(span, std::max<int64_t>(d, 1), &span), source, ": shape ", shape.str(),
                   " of ", descr, " is too large (element count overflows)");
    numel *= d;
  }
  VCC_USER_CHECK(!__builtin_mul_overflow(numel, static_cast<int64_t>(dtype_size(dtype)), &need) &&
                     static_cast<uint64_t>(need) == have,
                 source, ": data has ", have, " bytes, shape ", shape.str(), " of ", descr, " needs ",
                 need ? std::to_string(need) : std::string("more than 2^63"));
  Tensor t = Tensor::empty(shape, dtype);
  if (t.nbytes()) std::memcpy(t.raw_data(), bytes.data() + data_start, t.nbytes());
  if (descr == "|b1") {
    // NumPy booleans are stored as 0/1 bytes; normalise any other nonzero byte.
    uint8_t* p = t.data<uint8_t>();
    for (int64_t i = 0; i < t.numel(); ++i) p[i] = p[i] != 0;
  }
  return t;
}

Tensor read_npy(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  VCC_USER_CHECK(in.good(), path, ": cannot open .npy file");
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse_npy(ss.str(), path);
}

std::string format_npy(const Tensor& t) {
  const std::string descr = descr_of(t.dtype());
  std::string shape = "(";
  for (int i = 0; i < t.dim(); ++i) shape += std::to_string(t.size(i)) + (t.dim() == 1 ? "," : (i + 1 < t.dim() ? ", " : ""));
  shape += ")";
  std::string header = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
  // Version 1.0: 10 bytes of preamble; pad with spaces so the data starts 64-byte aligned.
  const size_t unpadded = 10 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header += '\n';
  VCC_CHECK(header.size() < 65536, "npy header too long: ", header.size());
  std::string out(kMagic, kMagicSize);
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>(header.size() >> 8);
  out += header;
  const Tensor c = t.to(Device::cpu()).contiguous();
  if (c.nbytes()) out.append(static_cast<const char*>(c.raw_data()), c.nbytes());
  return out;
}

void write_npy(const std::string& path, const Tensor& t) { write_text_file_atomically(path, format_npy(t)); }

}  // namespace vcc::io
