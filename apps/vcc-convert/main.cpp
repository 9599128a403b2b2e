// vcc-convert: Hugging Face checkpoints <-> vcc checkpoints, and verification against
// Hugging Face reference outputs. Thin over lib/models/convert_commands.h.
//
//   vcc-convert import --from HF_DIR --out CKPT [--force]
//   vcc-convert export --from CKPT --out HF_DIR [--force]
//   vcc-convert verify --model CKPT --reference REF_DIR [--name MODEL] [--float64]
#include <CLI/CLI.hpp>
#include <iostream>

#include "core/error.h"
#include "models/convert_commands.h"

int main(int argc, char** argv) {
  CLI::App app{"Convert Hugging Face RoBERTa/BERT/XLM-R/T5 checkpoints to vcc checkpoints and back, and verify them"};
  app.require_subcommand(1);
  std::string from, out, model, reference, name;
  bool force = false, float64 = false;

  CLI::App* import = app.add_subcommand("import", "Hugging Face folder (config.json + safetensors) -> vcc checkpoint");
  import->add_option("--from", from, "Hugging Face model folder")->required()->check(CLI::ExistingDirectory);
  import->add_option("--out", out, "checkpoint folder to create")->required();
  import->add_flag("--force", force, "replace an existing output");

  CLI::App* export_ = app.add_subcommand("export", "vcc checkpoint -> Hugging Face folder");
  export_->add_option("--from", from, "vcc checkpoint folder")->required()->check(CLI::ExistingDirectory);
  export_->add_option("--out", out, "Hugging Face folder to create")->required();
  export_->add_flag("--force", force, "replace an existing output");

  CLI::App* verify = app.add_subcommand("verify", "compare a checkpoint with Hugging Face reference outputs");
  verify->add_option("--model", model, "vcc checkpoint folder")->required()->check(CLI::ExistingDirectory);
  verify->add_option("--reference", reference, "reference folder with manifest.json")->required()->check(CLI::ExistingDirectory);
  verify->add_option("--name", name, "manifest model to check (default: the one matching the checkpoint)");
  verify->add_flag("--float64", float64, "run the model in float64 and check the float64 reference files too");

  CLI11_PARSE(app, argc, argv);
  try {
    if (*import) vcc::models::import_command(from, out, force, std::cout);
    if (*export_) vcc::models::export_command(from, out, force, std::cout);
    if (*verify) return vcc::models::verify_command(model, reference, name, float64, std::cout) ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "vcc-convert: error: " << vcc::user_error_text(e.what()) << "\n";
    return 1;
  }
  return 0;
}
