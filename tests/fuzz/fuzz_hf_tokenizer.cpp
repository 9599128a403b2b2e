// Hugging Face tokenizer.json files (--tokenizer tokenizer.json or a model folder): load,
// then encode and decode a text with added tokens, accents and CJK.
#include "data/tokenizer.h"
#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string& path = vcc::fuzz::input_file(data, size, "-tokenizer.json");
  VCC_FUZZ_EXPECT_ONLY_VCC_ERRORS({
    auto tokenizer = vcc::data::Tokenizer::load(path);
    auto encoding = tokenizer.encode_with_offsets("<s>Which magazine, Café 東京 or Arthur's?</s> [SEP]", true);
    tokenizer.decode(encoding.ids);
  });
  return 0;
}
