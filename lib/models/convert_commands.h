#pragma once
// The vcc-convert commands as library functions (the app only parses its command line):
// import a Hugging Face folder as a vcc checkpoint, export a checkpoint as a Hugging Face
// folder, and verify a checkpoint against Hugging Face reference outputs.
#include <memory>
#include <ostream>
#include <string>

#include "models/model_config.h"
#include "nn/module.h"

namespace vcc::models {

struct LoadedModel {
  ModelConfig config;
  std::shared_ptr<nn::Module> model;
};

// The model of a vcc checkpoint folder: config from model.yaml, weights loaded strictly
// (names, shapes, dtypes), then converted to `dtype` (e.g. F64 for tight reference checks).
LoadedModel load_model_checkpoint(const std::string& dir, DType dtype = DType::F32);

// HF_DIR (config.json + model.safetensors or shards, optional SentencePiece model) ->
// checkpoint folder `out`. An existing `out` is an error unless `force`; nothing is written
// when any check fails. A summary goes to `log`.
void import_command(const std::string& hf_dir, const std::string& out, bool force, std::ostream& log);

// Checkpoint -> folder with config.json, model.safetensors (and the tokenizer file), built
// under a temporary name and renamed into place; an existing `out` needs `force`.
void export_command(const std::string& checkpoint, const std::string& out, bool force, std::ostream& log);

// Runs every case of the reference folder's manifest model `name` (or the one whose
// architecture matches the checkpoint when `name` is empty) and prints one line per output
// with max abs / max rel error and PASS/FAIL. Returns true when all pass. With `float64`
// the model runs in double precision and float64 reference files are checked too (1e-10).
bool verify_command(const std::string& checkpoint, const std::string& reference_dir, const std::string& name,
                    bool float64, std::ostream& out);

}  // namespace vcc::models
