#pragma once
// The tokenizer harnesses' body: load the input as a tokenizer file, then encode (with
// offsets, added tokens, accents, CJK) and decode; only vcc::Error may escape.
#include "data/tokenizer.h"
#include "fuzz/fuzz_input.h"

namespace vcc::fuzz {

inline void load_and_use_tokenizer(const uint8_t* data, size_t size, const char* extension) {
  const std::string& path = input_file(data, size, extension);
  VCC_FUZZ_EXPECT_ONLY_VCC_ERRORS({
    auto tokenizer = vcc::data::Tokenizer::load(path);
    auto encoding = tokenizer.encode_with_offsets("<s>Which magazine, Café 東京 or Arthur's?</s> [SEP]", true);
    tokenizer.decode(encoding.ids);
  });
}

}  // namespace vcc::fuzz
