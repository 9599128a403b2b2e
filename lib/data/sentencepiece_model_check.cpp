#include "data/sentencepiece_model_check.h"

#include <cstdint>

#include "core/error.h"

namespace vcc::data {
namespace {

// Protobuf wire format: a message is a sequence of (tag varint, value) fields; the tag's low
// three bits give the value's encoding.
enum WireType : uint64_t { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

class WireReader {
 public:
  WireReader(std::string_view bytes, const std::string& path) : bytes_(bytes), path_(path) {}
  bool done() const { return pos_ >= bytes_.size(); }

  uint64_t varint() {
    uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      VCC_USER_CHECK(pos_ < bytes_.size(), path_, ": not a SentencePiece model (protobuf varint past the end)");
      const auto c = static_cast<uint8_t>(bytes_[pos_++]);
      value |= static_cast<uint64_t>(c & 0x7f) << shift;
      if (c < 0x80) return value;
    }
    VCC_USER_CHECK(false, path_, ": not a SentencePiece model (protobuf varint longer than 10 bytes)");
    return 0;
  }

  std::string_view take(uint64_t n) {
    VCC_USER_CHECK(n <= bytes_.size() - pos_, path_, ": not a SentencePiece model (protobuf field of ", n,
                   " bytes past the end)");
    const std::string_view v = bytes_.substr(pos_, n);
    pos_ += n;
    return v;
  }

  // Skips a value of `wire_type`; returns the bytes of a length-delimited one.
  std::string_view value(uint64_t wire_type) {
    switch (wire_type) {
      case kVarint: varint(); return {};
      case kFixed64: take(8); return {};
      case kFixed32: take(4); return {};
      case kLengthDelimited: return take(varint());
      default:
        VCC_USER_CHECK(false, path_, ": not a SentencePiece model (protobuf wire type ", wire_type, ")");
        return {};
    }
  }

 private:
  std::string_view bytes_;
  const std::string& path_;
  size_t pos_ = 0;
};

}  // namespace

void check_sentencepiece_model(std::string_view bytes, const std::string& path) {
  // ModelProto field 1: repeated SentencePiece { string piece = 1; float score = 2; Type type = 3; }
  WireReader model(bytes, path);
  for (int64_t index = 0; !model.done();) {
    const uint64_t tag = model.varint();
    const std::string_view value = model.value(tag & 7);
    if (tag >> 3 != 1 || (tag & 7) != kLengthDelimited) continue;
    WireReader piece(value, path);
    while (!piece.done()) {
      const uint64_t t = piece.varint();
      const std::string_view v = piece.value(t & 7);
      if (t >> 3 == 1 && (t & 7) == kLengthDelimited)
        VCC_USER_CHECK(v.find('\0') == std::string_view::npos, path, ": corrupt SentencePiece model (piece ", index,
                       " holds a NUL byte)");
    }
    ++index;
  }
}

}  // namespace vcc::data
