#include "io/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "io/json_error.h"

namespace vcc::io {

// The whole file mapped read-only; unmapped when the last reader copy goes away.
struct SafetensorsReader::Mapping {
  const unsigned char* data = nullptr;
  size_t size = 0;
  ~Mapping() {
    if (data && size) ::munmap(const_cast<unsigned char*>(data), size);
  }
};

namespace {

using nlohmann::json;

// Safetensors dtype name -> (vcc dtype, element size). Names the format defines but vcc
// cannot hold are reported as unsupported, anything else as unknown.
struct DTypeInfo {
  DType dtype;
  size_t size;
  bool supported;
};
bool lookup_dtype(const std::string& s, DTypeInfo& out) {
  static const std::map<std::string, DTypeInfo> table = {
      {"F32", {DType::F32, 4, true}},   {"F64", {DType::F64, 8, true}},  {"I32", {DType::I32, 4, true}},
      {"I64", {DType::I64, 8, true}},   {"U8", {DType::U8, 1, true}},    {"BOOL", {DType::U8, 1, true}},
      {"BF16", {DType::BF16, 2, true}}, {"F16", {DType::F16, 2, true}},  {"I8", {DType::U8, 1, false}},
      {"I16", {DType::U8, 2, false}},   {"U16", {DType::U8, 2, false}},  {"U32", {DType::U8, 4, false}},
      {"U64", {DType::U8, 8, false}},   {"F8_E5M2", {DType::U8, 1, false}}, {"F8_E4M3", {DType::U8, 1, false}},
  };
  auto it = table.find(s);
  if (it == table.end()) return false;
  out = it->second;
  return true;
}

std::string safetensors_dtype_name(DType dt) {
  switch (dt) {
    case DType::F32: return "F32";
    case DType::F64: return "F64";
    case DType::I32: return "I32";
    case DType::I64: return "I64";
    case DType::U8: return "U8";
    case DType::BF16: return "BF16";
    default: VCC_FAIL("write_safetensors: unsupported dtype ", dtype_name(dt));
  }
}

// IEEE half -> float (exact: every half is a float).
float half_to_float(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h >> 15) << 31;
  uint32_t exp = (h >> 10) & 0x1f, man = h & 0x3ff, bits;
  if (exp == 0) {
    if (man == 0) {
      bits = sign;
    } else {  // subnormal: renormalise
      exp = 127 - 15 + 1;
      while (!(man & 0x400)) {
        man <<= 1;
        --exp;
      }
      bits = sign | (exp << 23) | ((man & 0x3ff) << 13);
    }
  } else if (exp == 31) {
    bits = sign | 0x7f800000u | (man << 13);
  } else {
    bits = sign | ((exp - 15 + 127) << 23) | (man << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

std::string read_file(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  VCC_USER_CHECK(in.good(), "cannot open ", what, " ", path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

SafetensorsReader SafetensorsReader::open(const std::string& path) {
  SafetensorsReader r;
  r.path_ = path;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  VCC_USER_CHECK(fd >= 0, path, ": cannot open safetensors file: ", std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    VCC_USER_CHECK(false, path, ": cannot stat: ", std::strerror(err));
  }
  auto mapping = std::make_shared<Mapping>();
  mapping->size = static_cast<size_t>(st.st_size);
  if (mapping->size > 0) {
    void* p = ::mmap(nullptr, mapping->size, PROT_READ, MAP_PRIVATE, fd, 0);
    const int err = errno;
    if (p == MAP_FAILED) {
      ::close(fd);
      VCC_USER_CHECK(false, path, ": cannot map file: ", std::strerror(err));
    }
    mapping->data = static_cast<const unsigned char*>(p);
  }
  ::close(fd);
  r.map_ = mapping;

  const size_t size = mapping->size;
  VCC_USER_CHECK(size >= 8, path, ": truncated safetensors file (", size, " bytes, the 8-byte header length is missing)");
  uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) header_len = (header_len << 8) | mapping->data[i];
  VCC_USER_CHECK(header_len <= size - 8, path, ": truncated safetensors file (header of ", header_len,
                 " bytes announced, only ", size - 8, " follow)");
  const std::string header(reinterpret_cast<const char*>(mapping->data) + 8, header_len);
  json h;
  try {
    h = json::parse(header);
  } catch (const json::exception& e) {
    throw Error(path + ": malformed safetensors header JSON: " + json_error_reason(e));
  }
  VCC_USER_CHECK(h.is_object(), path, ": safetensors header is not a JSON object");
  r.data_start_ = 8 + header_len;
  const uint64_t data_size = size - r.data_start_;

  for (auto it = h.begin(); it != h.end(); ++it) {
    const std::string& name = it.key();
    const json& v = it.value();
    if (name == "__metadata__") {
      VCC_USER_CHECK(v.is_object(), path, ": '__metadata__' must be an object of strings");
      for (auto m = v.begin(); m != v.end(); ++m) {
        VCC_USER_CHECK(m.value().is_string(), path, ": '__metadata__' entry '", m.key(), "' is not a string");
        r.metadata_[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    const std::string where = path + ": tensor '" + name + "'";
    VCC_USER_CHECK(v.is_object() && v.contains("dtype") && v.contains("shape") && v.contains("data_offsets"), where,
                   ": entry must have 'dtype', 'shape' and 'data_offsets'");
    VCC_USER_CHECK(v["dtype"].is_string(), where, ": 'dtype' is not a string");
    SafetensorsEntry e;
    e.name = name;
    e.dtype_name = v["dtype"].get<std::string>();
    DTypeInfo info{};
    VCC_USER_CHECK(lookup_dtype(e.dtype_name, info), where, ": unknown dtype '", e.dtype_name, "'");
    VCC_USER_CHECK(info.supported, where, ": dtype ", e.dtype_name,
                   " is not supported (F32, F64, F16, BF16, I32, I64, U8, BOOL are)");
    e.dtype = info.dtype;
    const json& shape = v["shape"];
    VCC_USER_CHECK(shape.is_array() && shape.size() <= static_cast<size_t>(kMaxDims), where,
                   ": 'shape' must be a list of at most ", kMaxDims, " sizes");
    uint64_t numel = 1;
    for (const json& d : shape) {
      VCC_USER_CHECK(d.is_number_unsigned() || (d.is_number_integer() && d.get<int64_t>() >= 0), where,
                     ": shape entries must be non-negative integers");
      const uint64_t dim = d.get<uint64_t>();
      VCC_USER_CHECK(dim < (uint64_t{1} << 40) && (dim == 0 || numel <= (uint64_t{1} << 48) / dim), where,
                     ": shape too large");
      numel *= dim;
      e.shape.push_back(static_cast<int64_t>(dim));
    }
    const json& off = v["data_offsets"];
    VCC_USER_CHECK(off.is_array() && off.size() == 2 && off[0].is_number_unsigned() && off[1].is_number_unsigned(),
                   where, ": 'data_offsets' must be two non-negative integers");
    e.begin = off[0].get<uint64_t>();
    e.end = off[1].get<uint64_t>();
    VCC_USER_CHECK(e.begin <= e.end, where, ": data_offsets [", e.begin, ", ", e.end, "] are reversed");
    VCC_USER_CHECK(e.end <= data_size, where, ": data_offsets [", e.begin, ", ", e.end,
                   "] run past the end of the data (", data_size, " bytes; file truncated?)");
    VCC_USER_CHECK(e.end - e.begin == numel * info.size, where, ": data_offsets [", e.begin, ", ", e.end, "] hold ",
                   e.end - e.begin, " bytes but shape ", e.shape.str(), " of ", e.dtype_name, " needs ",
                   numel * info.size);
    r.entries_.emplace(name, std::move(e));
  }

  // The byte ranges must tile the buffer: no overlap (two tensors sharing bytes would alias
  // silently) and no gap (the writers never leave one; a gap means a damaged header).
  std::vector<const SafetensorsEntry*> order;
  for (const auto& [name, e] : r.entries_) order.push_back(&e);
  std::sort(order.begin(), order.end(), [](const SafetensorsEntry* a, const SafetensorsEntry* b) {
    return a->begin != b->begin ? a->begin < b->begin : a->end < b->end;
  });
  uint64_t expected = 0;
  for (size_t i = 0; i < order.size(); ++i) {
    const SafetensorsEntry& e = *order[i];
    VCC_USER_CHECK(e.begin >= expected, path, ": tensor '", e.name, "': data_offsets [", e.begin, ", ", e.end,
                   "] overlap tensor '", order[i - 1]->name, "' [", order[i - 1]->begin, ", ", order[i - 1]->end, "]");
    VCC_USER_CHECK(e.begin == expected, path, ": tensor '", e.name, "': data_offsets start at ", e.begin,
                   " but the previous tensor ends at ", expected, " (gap in the data buffer)");
    expected = e.end;
  }
  VCC_USER_CHECK(expected == data_size, path, ": the tensors cover ", expected, " bytes of a ", data_size,
                 "-byte data buffer (trailing bytes)");
  return r;
}

std::vector<std::string> SafetensorsReader::names() const {
  std::vector<std::string> out;
  for (const auto& [name, e] : entries_) out.push_back(name);
  return out;
}

const SafetensorsEntry& SafetensorsReader::entry(const std::string& name) const {
  auto it = entries_.find(name);
  VCC_USER_CHECK(it != entries_.end(), path_, ": no tensor named '", name, "'");
  return it->second;
}

Tensor SafetensorsReader::read(const std::string& name) const {
  const SafetensorsEntry& e = entry(name);
  const unsigned char* src = map_->data + data_start_ + e.begin;
  if (e.dtype == DType::F16) {
    Tensor t = Tensor::empty(e.shape, DType::F32);
    float* dst = t.data<float>();
    for (int64_t i = 0; i < t.numel(); ++i) {
      uint16_t h;
      std::memcpy(&h, src + 2 * i, 2);
      dst[i] = half_to_float(h);
    }
    return t;
  }
  Tensor t = Tensor::empty(e.shape, e.dtype);
  if (t.nbytes()) std::memcpy(t.raw_data(), src, t.nbytes());
  if (e.dtype_name == "BOOL") {
    uint8_t* p = t.data<uint8_t>();
    for (int64_t i = 0; i < t.numel(); ++i) p[i] = p[i] != 0;
  }
  return t;
}

Tensor SafetensorsReader::read_float32(const std::string& name) const {
  const SafetensorsEntry& e = entry(name);
  VCC_USER_CHECK(is_floating(e.dtype), path_, ": tensor '", name, "' has dtype ", e.dtype_name,
                 ", a floating-point tensor was expected");
  return read(name).to(DType::F32);
}

// ---- folders ----

bool SafetensorsFolder::present(const std::string& dir) {
  namespace fs = std::filesystem;
  return fs::exists(fs::path(dir) / "model.safetensors") || fs::exists(fs::path(dir) / "model.safetensors.index.json");
}

SafetensorsFolder SafetensorsFolder::open(const std::string& dir) {
  namespace fs = std::filesystem;
  SafetensorsFolder f;
  const fs::path index = fs::path(dir) / "model.safetensors.index.json";
  const fs::path single = fs::path(dir) / "model.safetensors";
  if (fs::exists(index)) {
    json j;
    std::string text;
    try {
      text = read_file(index.string(), "safetensors index");
      j = json::parse(text);
    } catch (const json::exception& e) {
      throw Error(json_error_message(e, text, index.string()));
    }
    VCC_USER_CHECK(j.is_object() && j.contains("weight_map") && j["weight_map"].is_object(), index.string(),
                   ": expected an object with a 'weight_map' object");
    std::map<std::string, size_t> shard_index;
    for (auto it = j["weight_map"].begin(); it != j["weight_map"].end(); ++it) {
      VCC_USER_CHECK(it.value().is_string(), index.string(), ": weight_map entry '", it.key(), "' is not a file name");
      const std::string file = it.value().get<std::string>();
      VCC_USER_CHECK(file.find('/') == std::string::npos, index.string(), ": shard '", file,
                     "' must be a file name inside the folder");
      auto [pos, inserted] = shard_index.emplace(file, f.shards_.size());
      if (inserted) f.shards_.push_back(SafetensorsReader::open((fs::path(dir) / file).string()));
      const SafetensorsReader& shard = f.shards_[pos->second];
      VCC_USER_CHECK(shard.contains(it.key()), index.string(), ": tensor '", it.key(), "' is mapped to ", file,
                     ", which does not contain it");
      f.where_[it.key()] = pos->second;
    }
    // Every tensor of every shard must be indexed exactly once.
    for (size_t s = 0; s < f.shards_.size(); ++s)
      for (const std::string& name : f.shards_[s].names()) {
        auto it = f.where_.find(name);
        VCC_USER_CHECK(it != f.where_.end() && it->second == s, f.shards_[s].path(), ": tensor '", name,
                       "' is not mapped to this shard by ", index.string());
      }
    return f;
  }
  VCC_USER_CHECK(fs::exists(single), dir, ": no model.safetensors or model.safetensors.index.json (for a ",
                 "pytorch_model.bin, run tools/convert_pytorch_bin.py first)");
  f.shards_.push_back(SafetensorsReader::open(single.string()));
  for (const std::string& name : f.shards_[0].names()) f.where_[name] = 0;
  return f;
}

std::vector<std::string> SafetensorsFolder::names() const {
  std::vector<std::string> out;
  for (const auto& [name, s] : where_) out.push_back(name);
  return out;
}

const SafetensorsEntry& SafetensorsFolder::entry(const std::string& name) const {
  return shards_.at(where_.at(name)).entry(name);
}
const std::string& SafetensorsFolder::file_of(const std::string& name) const {
  auto it = where_.find(name);
  VCC_USER_CHECK(it != where_.end(), "no tensor named '", name, "' in the safetensors folder");
  return shards_[it->second].path();
}
Tensor SafetensorsFolder::read(const std::string& name) const {
  auto it = where_.find(name);
  VCC_USER_CHECK(it != where_.end(), "no tensor named '", name, "' in the safetensors folder");
  return shards_[it->second].read(name);
}
Tensor SafetensorsFolder::read_float32(const std::string& name) const {
  auto it = where_.find(name);
  VCC_USER_CHECK(it != where_.end(), "no tensor named '", name, "' in the safetensors folder");
  return shards_[it->second].read_float32(name);
}

// ---- writer ----

void write_safetensors(const std::string& path, const std::vector<std::pair<std::string, Tensor>>& tensors,
                       const std::map<std::string, std::string>& metadata) {
  std::vector<std::pair<std::string, Tensor>> sorted;
  sorted.reserve(tensors.size());
  for (const auto& [name, t] : tensors) {
    VCC_USER_CHECK(name != "__metadata__" && !name.empty(), path, ": invalid tensor name '", name, "'");
    sorted.emplace_back(name, t.to(Device::cpu()).contiguous());
  }
  std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (size_t i = 1; i < sorted.size(); ++i)
    VCC_USER_CHECK(sorted[i].first != sorted[i - 1].first, path, ": tensor '", sorted[i].first, "' given twice");

  // Compact JSON in the same shape Hugging Face writes: metadata first, then each tensor's
  // dtype, shape and offsets.
  std::string header = "{";
  if (!metadata.empty()) header += "\"__metadata__\":" + json(metadata).dump() + ",";
  uint64_t offset = 0;
  for (const auto& [name, t] : sorted) {
    json shape = json::array();
    for (int i = 0; i < t.dim(); ++i) shape.push_back(t.size(i));
    header += json(name).dump() + ":{\"dtype\":\"" + safetensors_dtype_name(t.dtype()) + "\",\"shape\":" + shape.dump() +
              ",\"data_offsets\":[" + std::to_string(offset) + "," + std::to_string(offset + t.nbytes()) + "]},";
    offset += t.nbytes();
  }
  if (header.back() == ',') header.pop_back();
  header += "}";
  // Pad so the data buffer starts 8-byte aligned (8-byte length + header).
  header.append((8 - header.size() % 8) % 8, ' ');

  const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  VCC_USER_CHECK(f != nullptr, path, ": cannot write (temporary file ", tmp, "): ", std::strerror(errno));
  bool ok = true;
  unsigned char len[8];
  for (int i = 0; i < 8; ++i) len[i] = static_cast<unsigned char>((static_cast<uint64_t>(header.size()) >> (8 * i)) & 0xff);
  ok = ok && std::fwrite(len, 1, 8, f) == 8;
  ok = ok && std::fwrite(header.data(), 1, header.size(), f) == header.size();
  for (const auto& [name, t] : sorted)
    if (ok && t.nbytes()) ok = std::fwrite(t.raw_data(), 1, t.nbytes(), f) == t.nbytes();
  ok = ok && std::fflush(f) == 0 && ::fsync(::fileno(f)) == 0;
  const int err = errno;
  ok = (std::fclose(f) == 0) && ok;
  if (!ok) {
    std::remove(tmp.c_str());
    VCC_USER_CHECK(false, path, ": cannot write (temporary file ", tmp, "): ", std::strerror(err));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int e2 = errno;
    std::remove(tmp.c_str());
    VCC_USER_CHECK(false, path, ": cannot rename ", tmp, " into place: ", std::strerror(e2));
  }
}

}  // namespace vcc::io
