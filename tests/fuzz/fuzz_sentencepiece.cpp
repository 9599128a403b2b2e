// SentencePiece tokenizer models (--tokenizer x.model): load, then encode and decode.
#include "data/tokenizer.h"
#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string& path = vcc::fuzz::input_file(data, size, ".model");
  VCC_FUZZ_EXPECT_ONLY_VCC_ERRORS({
    auto tokenizer = vcc::data::Tokenizer::load(path);
    auto encoding = tokenizer.encode_with_offsets("Which magazine was started first? Arthur's Magazine", true);
    tokenizer.decode(encoding.ids);
  });
  return 0;
}
