// YAML training configs: every option vcc-train knows, then the model section's checks.
#include "fuzz/fuzz_input.h"
#include "io/config.h"
#include "models/model_config.h"
#include "train/train_options.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text = vcc::fuzz::input_text(data, size);
  VCC_FUZZ_EXPECT_ONLY_VCC_ERRORS({
    vcc::io::Config config(vcc::train::training_registry());
    config.merge_yaml(text, "fuzz.yaml");
    vcc::models::model_config_from(config);
  });
  return 0;
}
