// SentencePiece tokenizer models (--tokenizer x.model).
#include "fuzz/tokenizer_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  vcc::fuzz::load_and_use_tokenizer(data, size, ".model");
  return 0;
}
