#pragma once
// Safetensors files (Hugging Face's weight format): a validating memory-mapped reader, a
// writer that never leaves a partial file, and model folders sharded by an index file.
//
// Layout: 8-byte little-endian header length N, N bytes of JSON header
//   {"__metadata__": {...}, "<name>": {"dtype": "F32", "shape": [..], "data_offsets": [b, e]}, ...}
// then the data buffer; offsets are relative to the buffer. The reader checks every entry
// (known dtype, shape, offsets inside the buffer, size = numel x element size, no overlaps
// or gaps) when the file is opened; each problem is a one-line vcc::Error naming the file
// and the tensor.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/tensor.h"

namespace vcc::io {

struct SafetensorsEntry {
  std::string name;
  std::string dtype_name;  // as written in the file, e.g. "F32", "BF16"
  DType dtype;             // the vcc dtype it is read as (BOOL -> uint8)
  Shape shape;
  uint64_t begin = 0;      // byte range in the data buffer
  uint64_t end = 0;
};

class SafetensorsReader {
 public:
  // Maps the file and validates its header; errors name the file (and tensor).
  static SafetensorsReader open(const std::string& path);

  const std::string& path() const { return path_; }
  // Tensor names, sorted.
  std::vector<std::string> names() const;
  bool contains(const std::string& name) const { return entries_.count(name) > 0; }
  const SafetensorsEntry& entry(const std::string& name) const;
  const std::map<std::string, std::string>& metadata() const { return metadata_; }

  // A new contiguous CPU tensor holding a copy of the stored values: float32/64,
  // int32/64, uint8 (and BOOL) and bfloat16 keep their dtype; float16 is widened to float32.
  Tensor read(const std::string& name) const;
  // read() converted to float32 (floating-point tensors only).
  Tensor read_float32(const std::string& name) const;

 private:
  struct Mapping;
  std::string path_;
  std::shared_ptr<const Mapping> map_;
  uint64_t data_start_ = 0;
  std::map<std::string, SafetensorsEntry> entries_;
  std::map<std::string, std::string> metadata_;
};

// The weights of a Hugging Face model folder: `model.safetensors`, or the shards listed by
// `model.safetensors.index.json` ("weight_map": tensor -> shard file). A tensor named in two
// shards, or an index entry whose shard lacks it, is an error.
class SafetensorsFolder {
 public:
  static SafetensorsFolder open(const std::string& dir);
  // True if the folder holds model.safetensors or model.safetensors.index.json.
  static bool present(const std::string& dir);

  std::vector<std::string> names() const;  // sorted
  bool contains(const std::string& name) const { return where_.count(name) > 0; }
  const SafetensorsEntry& entry(const std::string& name) const;
  // Which file holds the tensor (for messages).
  const std::string& file_of(const std::string& name) const;
  Tensor read(const std::string& name) const;
  Tensor read_float32(const std::string& name) const;

 private:
  std::vector<SafetensorsReader> shards_;
  std::map<std::string, size_t> where_;  // tensor -> shard index
};

// Writes tensors (CPU or device, any strides; float32/64, bfloat16, int32/64, uint8) to
// `path`: the header lists "__metadata__" first and then the tensors sorted by name, data
// in the same order, header padded with spaces to a multiple of 8 bytes. Written to a
// temporary file in the same folder and renamed into place. Duplicate names are an error.
void write_safetensors(const std::string& path, const std::vector<std::pair<std::string, Tensor>>& tensors,
                       const std::map<std::string, std::string>& metadata = {{"format", "pt"}});

}  // namespace vcc::io
