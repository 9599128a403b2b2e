// Hugging Face tokenizer.json files (--tokenizer tokenizer.json or a model folder).
#include "fuzz/tokenizer_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  vcc::fuzz::load_and_use_tokenizer(data, size, "-tokenizer.json");
  return 0;
}
