#include "io/checkpoint.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "io/config.h"
#include "nn/module.h"

namespace vcc::io {
namespace fs = std::filesystem;
namespace {

constexpr const char* kModel = "model.h5";
constexpr const char* kModelConfig = "model.yaml";
constexpr const char* kOptimizer = "optimizer.h5";
constexpr const char* kTrainer = "trainer.yaml";
constexpr const char* kTokenizerDir = "tokenizer";
constexpr const char* kDone = "DONE";

// Flushes a file or folder to disk so that a rename after it never exposes lost data.
void sync_path(const fs::path& p) {
  const int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  VCC_USER_CHECK(fd >= 0, "cannot open ", p.string(), " to sync it: ", std::strerror(errno));
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  VCC_USER_CHECK(rc == 0, "cannot sync ", p.string(), ": ", std::strerror(err));
}

void write_text(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  VCC_USER_CHECK(!out.fail(), "cannot write ", p.string(), ": ", std::strerror(errno));
}

void sync_tree(const fs::path& dir) {
  for (const auto& entry : fs::recursive_directory_iterator(dir)) sync_path(entry.path());
  sync_path(dir);
}

}  // namespace

void CheckpointContents::set_model(const nn::Module& module) {
  weights = module_tensors(module);
  aliases = module.parameter_aliases();
}

void save_checkpoint(const std::string& dir_arg, const CheckpointContents& c, bool replace) {
  fs::path dir = fs::path(dir_arg).lexically_normal();
  if (!dir.has_filename()) dir = dir.parent_path();  // "runs/step-000100/" -> "runs/step-000100"
  std::error_code ec;
  VCC_USER_CHECK(replace || !fs::exists(dir, ec), "checkpoint folder ", dir.string(),
                 " already exists (pass replace = true to overwrite it)");
  VCC_USER_CHECK(!c.weights.empty(), "checkpoint ", dir.string(), ": no model weights to save");
  const fs::path tmp = dir.string() + ".tmp-" + std::to_string(::getpid());
  fs::remove_all(tmp, ec);  // a leftover of an earlier failed attempt by a process with our pid
  fs::create_directories(tmp, ec);
  VCC_USER_CHECK(!ec, "cannot create checkpoint folder ", tmp.string(), ": ", ec.message());
  try {
    write_tensor_file((tmp / kModel).string(), c.weights, c.aliases, "model");
    write_text(tmp / kModelConfig, c.model_config);
    if (c.optimizer_state) write_tensor_file((tmp / kOptimizer).string(), *c.optimizer_state, {}, "optimizer");
    if (c.trainer_state) write_text(tmp / kTrainer, c.trainer_state->to_yaml());
    if (!c.tokenizer_file.empty()) {
      const fs::path src(c.tokenizer_file);
      VCC_USER_CHECK(fs::is_regular_file(src, ec), "checkpoint ", dir.string(), ": tokenizer file ",
                     src.string(), " not found");
      fs::create_directories(tmp / kTokenizerDir);
      fs::copy_file(src, tmp / kTokenizerDir / src.filename(), ec);
      VCC_USER_CHECK(!ec, "cannot copy tokenizer ", src.string(), " into ", tmp.string(), ": ", ec.message());
    }
    // Everything else is on disk before DONE exists, and DONE before the folder gets its name.
    sync_tree(tmp);
    write_text(tmp / kDone, "format_version: " + std::to_string(kCheckpointFormatVersion) + "\n");
    sync_path(tmp / kDone);
    sync_path(tmp);

    if (fs::exists(dir, ec)) {
      // rename() cannot replace a non-empty folder: move the old one aside first.
      const fs::path old = dir.string() + ".old-" + std::to_string(::getpid());
      fs::remove_all(old, ec);
      fs::rename(dir, old, ec);
      VCC_USER_CHECK(!ec, "cannot move old checkpoint ", dir.string(), " aside: ", ec.message());
      fs::rename(tmp, dir, ec);
      if (ec) {
        std::error_code ignored;
        fs::rename(old, dir, ignored);
        VCC_USER_CHECK(false, "cannot rename ", tmp.string(), " to ", dir.string(), ": ", ec.message());
      }
      fs::remove_all(old, ec);
    } else {
      fs::rename(tmp, dir, ec);
      VCC_USER_CHECK(!ec, "cannot rename ", tmp.string(), " to ", dir.string(), ": ", ec.message());
    }
    sync_path(dir.has_parent_path() ? dir.parent_path() : fs::path("."));
  } catch (...) {
    std::error_code ignored;
    fs::remove_all(tmp, ignored);
    throw;
  }
}

bool is_complete_checkpoint(const std::string& dir) {
  std::error_code ec;
  return fs::is_directory(dir, ec) && fs::is_regular_file(fs::path(dir) / kDone, ec);
}

Checkpoint Checkpoint::open(const std::string& dir) {
  std::error_code ec;
  VCC_USER_CHECK(fs::is_directory(dir, ec), "checkpoint folder ", dir, " not found");
  VCC_USER_CHECK(is_complete_checkpoint(dir), "checkpoint folder ", dir,
                 " is incomplete (no DONE marker: its writer did not finish)");
  return Checkpoint(dir);
}

void Checkpoint::load_model(nn::Module& module) const { load_module(file(kModel), module); }

TensorFile Checkpoint::model_tensors() const { return read_tensor_file(file(kModel)); }

std::string Checkpoint::model_config() const { return read_text_file(file(kModelConfig), "model config"); }

std::optional<NamedTensors> Checkpoint::optimizer_state() const {
  std::error_code ec;
  if (!fs::exists(file(kOptimizer), ec)) return std::nullopt;
  return read_tensor_file(file(kOptimizer)).tensors;
}

std::optional<TrainerState> Checkpoint::trainer_state() const {
  std::error_code ec;
  if (!fs::exists(file(kTrainer), ec)) return std::nullopt;
  return TrainerState::from_yaml(read_text_file(file(kTrainer), "trainer state"), file(kTrainer));
}

std::optional<std::string> Checkpoint::tokenizer_path() const {
  std::error_code ec;
  const fs::path folder = file(kTokenizerDir);
  if (!fs::is_directory(folder, ec)) return std::nullopt;
  std::optional<std::string> found;
  for (const auto& entry : fs::directory_iterator(folder)) {
    VCC_USER_CHECK(!found, folder.string(), ": more than one tokenizer file");
    found = entry.path().string();
  }
  return found;
}

}  // namespace vcc::io
