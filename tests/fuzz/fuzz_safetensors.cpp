// Safetensors weights (vcc-convert import): open validates the header; read every tensor.
#include "fuzz/fuzz_input.h"
#include "io/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string& path = vcc::fuzz::input_file(data, size, ".safetensors");
  VCC_FUZZ_EXPECT_ONLY_VCC_ERRORS({
    auto reader = vcc::io::SafetensorsReader::open(path);
    for (const auto& name : reader.names()) reader.read(name);
  });
  return 0;
}
