// Checkpoint tensor files (model.h5, optimizer.h5: resume, vcc-eval, vcc-convert export).
#include "fuzz/fuzz_input.h"
#include "io/checkpoint_tensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string& path = vcc::fuzz::input_file(data, size, ".h5");
  VCC_FUZZ_EXPECT_ONLY_VCC_ERRORS(vcc::io::read_tensor_file(path));
  return 0;
}
