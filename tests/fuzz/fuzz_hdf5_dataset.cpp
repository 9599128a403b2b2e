// HDF5 dataset splits (vcc-train, vcc-eval run): open, then read every row and answer.
#include "data/hdf5_dataset.h"
#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string& path = vcc::fuzz::input_file(data, size, ".h5");
  VCC_FUZZ_EXPECT_ONLY_VCC_ERRORS({
    vcc::data::DatasetReader reader(path);
    if (reader.size() > 0) reader.read(0, reader.size());
    for (int64_t i = 0; i < reader.size(); ++i) reader.answers(i);
  });
  return 0;
}
