#pragma once
// Named-tensor HDF5 files of checkpoints (model.h5, optimizer.h5): one root dataset per
// tensor, named by its path ("encoder.layer.0.attention.self.query.weight"); tied weights
// stored once, with the other names in the dataset's "aliases" attribute; root attributes
// "format_version" and "kind". Strict loading into an nn::Module.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/tensor.h"

namespace vcc::nn {
class Module;
}

namespace vcc::io {

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;
// (alias, target): `alias` names the same tensor as `target` (nn::Module::parameter_aliases).
using TensorAliases = std::vector<std::pair<std::string, std::string>>;

// Version of the checkpoint layout; readers refuse files from a newer writer.
inline constexpr int64_t kCheckpointFormatVersion = 1;

struct TensorFile {
  NamedTensors tensors;   // in HDF5's (alphabetical) order, on the host
  TensorAliases aliases;  // sorted by alias
};

// Writes `tensors` (any device; float32/64, int32/64, uint8) to `path` (via "<path>.tmp",
// see io/hdf5_file.h). Names must be unique and free of '/' and ','; every alias target
// must be one of the tensors. `kind` ("model", "optimizer") is stored for readers.
void write_tensor_file(const std::string& path, const NamedTensors& tensors, const TensorAliases& aliases,
                       const std::string& kind);
// Every tensor and alias of a file; checks format_version.
TensorFile read_tensor_file(const std::string& path);

// The module's parameters (first registered name of each) and its aliases.
NamedTensors module_tensors(const nn::Module& module);
void save_module(const std::string& path, const nn::Module& module);

// Copies the tensors of `path` into the module's parameters (in place, any device) after
// checking that every parameter is found exactly once (under its name or one of its tied
// names), with the same shape and dtype, and that the file holds nothing else. Nothing is
// copied unless every check passes. Errors are one line naming the file and the tensor:
//   run/step-000100/model.h5: missing tensor 'encoder.layer.0.output.dense.bias' (model expects float32[768])
//   run/step-000100/model.h5: tensor 'lm_head.weight' is float32[100,64], model expects float32[64,100]
//   run/step-000100/model.h5: 2 tensors not in the model: pooler.dense.bias, pooler.dense.weight
void load_module(const std::string& path, nn::Module& module);

}  // namespace vcc::io
