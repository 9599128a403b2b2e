// .npy arrays (reference outputs, converter inputs): the parser on raw bytes.
#include "fuzz/fuzz_input.h"
#include "io/npy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  VCC_FUZZ_EXPECT_ONLY_VCC_ERRORS(vcc::io::parse_npy(vcc::fuzz::input_text(data, size), "fuzz.npy"));
  return 0;
}
