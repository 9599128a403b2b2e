// CSV tables (vcc-eval score inputs).
#include "data/csv.h"
#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  VCC_FUZZ_EXPECT_ONLY_VCC_ERRORS(vcc::data::parse_csv(vcc::fuzz::input_text(data, size), "fuzz.csv"));
  return 0;
}
