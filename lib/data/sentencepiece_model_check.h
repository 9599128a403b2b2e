#pragma once
// A check of a serialized SentencePiece ModelProto that libsentencepiece itself cannot be
// trusted to make: a piece holding a NUL byte makes its trie builder (Darts) throw through
// code that cannot pass the exception on, so the process aborts (found by
// tests/fuzz/fuzz_sentencepiece.cpp). Only the protobuf wire format is walked (the
// ModelProto header is not installed by Debian's libsentencepiece-dev).
#include <string>
#include <string_view>

namespace vcc::data {

// Throws vcc::Error naming `path` when a piece holds a NUL byte or the protobuf framing is
// broken (a length or varint past the end); anything else is left to SentencePiece's parser.
void check_sentencepiece_model(std::string_view bytes, const std::string& path);

}  // namespace vcc::data
