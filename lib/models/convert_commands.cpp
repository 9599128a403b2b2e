#include "models/convert_commands.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "io/checkpoint.h"
#include "io/config.h"
#include "io/safetensors.h"
#include "models/hf_convert.h"
#include "models/hf_reference.h"
#include "models/model_factory.h"

namespace vcc::models {
namespace fs = std::filesystem;

namespace {

void refuse_existing(const std::string& out, bool force) {
  VCC_USER_CHECK(force || !fs::exists(out), out, " already exists (pass --force to replace it)");
}

// The tokenizer to keep with the model: spiece.model (T5's name) first, then Hugging Face's
// tokenizer.json, then vocab.txt, else the first SentencePiece model of the folder.
std::string pick_tokenizer(const std::vector<std::string>& files) {
  for (const char* name : {"spiece.model", "tokenizer.json", "vocab.txt"})
    for (const auto& f : files)
      if (fs::path(f).filename() == name) return f;
  return files.empty() ? "" : files.front();
}

}  // namespace

LoadedModel load_model_checkpoint(const std::string& dir, DType dtype) {
  const io::Checkpoint ck = io::Checkpoint::open(dir);
  LoadedModel m;
  m.config = model_config_from_yaml(ck.model_config(), ck.file("model.yaml"));
  m.model = build_model(m.config);
  ck.load_model(*m.model);
  if (dtype != DType::F32) {
    // Checkpoints store float32; the same architecture in `dtype` takes a converted copy.
    auto converted = build_model(m.config, dtype);
    const auto from = m.model->named_parameters(), to = converted->named_parameters();
    VCC_CHECK(from.size() == to.size(), "models of one config differ in parameter count");
    for (size_t i = 0; i < from.size(); ++i) {
      Tensor dst = to[i].second.value();
      dst.copy_(from[i].second.value());
    }
    m.model = converted;
  }
  return m;
}

void import_command(const std::string& hf_dir, const std::string& out, bool force, std::ostream& log) {
  refuse_existing(out, force);
  const HfImport imported = import_hf_folder(hf_dir);
  const ModelConfig& config = imported.spec.config();
  auto model = build_model(config);
  load_parameters(*model, imported.weights, hf_dir);
  io::CheckpointContents contents;
  contents.set_model(*model);
  contents.model_config = model_config_to_yaml(config);
  contents.tokenizer_file = pick_tokenizer(imported.tokenizer_files);
  io::save_checkpoint(out, contents, force);

  log << "imported " << imported.spec.hf_model_type() << " from " << hf_dir << " -> " << out << "\n";
  log << "  " << config.describe() << "\n";
  log << "  " << imported.weights.size() << " tensors, " << model->parameter_count() << " parameters, "
      << imported.spec.hf_aliases().size() << " tied aliases\n";
  if (!imported.dropped.empty()) log << "  dropped (no vcc counterpart): " << list_names(imported.dropped) << "\n";
  log << "  tokenizer: " << (contents.tokenizer_file.empty() ? "none in the folder" : contents.tokenizer_file) << "\n";
}

void export_command(const std::string& checkpoint, const std::string& out, bool force, std::ostream& log) {
  refuse_existing(out, force);
  const io::Checkpoint ck = io::Checkpoint::open(checkpoint);
  const LoadedModel loaded = load_model_checkpoint(checkpoint);
  const HfExport exported = export_hf(loaded.config, *loaded.model);

  // Build the folder under a temporary name; swap it in only when complete.
  const std::string tmp = out + ".tmp-" + std::to_string(::getpid());
  fs::remove_all(tmp);
  try {
    fs::create_directories(tmp);
    io::write_text_file_atomically(tmp + "/config.json", exported.config_json);
    io::write_safetensors(tmp + "/model.safetensors", exported.tensors);
    if (auto tok = ck.tokenizer_path()) fs::copy_file(*tok, fs::path(tmp) / fs::path(*tok).filename());
    if (fs::exists(out)) {
      const std::string old = out + ".old-" + std::to_string(::getpid());
      fs::rename(out, old);
      fs::rename(tmp, out);
      fs::remove_all(old);
    } else {
      fs::rename(tmp, out);
    }
  } catch (const fs::filesystem_error& e) {
    std::error_code ec;
    fs::remove_all(tmp, ec);
    throw Error(out + ": cannot write the export: " + e.what());
  } catch (...) {
    std::error_code ec;
    fs::remove_all(tmp, ec);
    throw;
  }
  log << "exported " << checkpoint << " -> " << out << " (" << exported.tensors.size()
      << " tensors, config.json, model.safetensors" << (ck.tokenizer_path() ? ", tokenizer" : "") << ")\n";
}

bool verify_command(const std::string& checkpoint, const std::string& reference_dir, const std::string& name,
                    bool float64, std::ostream& out) {
  const LoadedModel loaded = load_model_checkpoint(checkpoint, float64 ? DType::F64 : DType::F32);
  std::string model_name = name;
  if (model_name.empty()) {
    const std::vector<std::string> matches = matching_reference_models(loaded.config, reference_dir);
    VCC_USER_CHECK(!matches.empty(), reference_dir, "/manifest.json: no reference model has the checkpoint's ",
                   "architecture (", loaded.config.describe(), "); name one with --name");
    VCC_USER_CHECK(matches.size() == 1, reference_dir, "/manifest.json: several reference models match (",
                   list_names(matches), "); name one with --name");
    model_name = matches.front();
  }
  const VerifyReport report = verify_against_reference(*loaded.model, loaded.config, reference_dir, model_name);
  out << "verify " << checkpoint << " against " << reference_dir << " [" << model_name << "]"
      << (float64 ? " in float64" : "") << "\n";
  size_t passed = 0;
  for (const Comparison& c : report.comparisons) {
    out << "  " << format_comparison(c) << "\n";
    passed += c.pass;
  }
  const bool ok = report.all_pass();
  out << (ok ? "PASS" : "FAIL") << ": " << passed << "/" << report.comparisons.size() << " outputs within tolerance\n";
  return ok;
}

}  // namespace vcc::models
