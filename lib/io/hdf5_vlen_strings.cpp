#include "io/hdf5_vlen_strings.h"

#include <hdf5.h>

#include <cstring>
#include <fstream>
#include <map>
#include <mutex>

#include "core/error.h"

namespace vcc::io {
namespace {

constexpr const char* kRawTag = "vcc: raw variable-length reference";

// A soft conversion from any variable-length string to our opaque type of the same size:
// the bytes stay as they are on disk (4-byte length, heap address, 4-byte object index).
herr_t keep_disk_reference(hid_t src, hid_t dst, H5T_cdata_t* cdata, size_t, size_t, size_t, void*, void*, hid_t) {
  switch (cdata->command) {
    case H5T_CONV_INIT: {
      if (H5Tis_variable_str(src) <= 0 || H5Tget_class(dst) != H5T_OPAQUE) return -1;
      char* tag = H5Tget_tag(dst);
      const bool ours = tag && std::strcmp(tag, kRawTag) == 0;
      H5free_memory(tag);
      if (!ours || H5Tget_size(src) != H5Tget_size(dst)) return -1;
      cdata->need_bkg = H5T_BKG_NO;
      return 0;
    }
    case H5T_CONV_CONV:  // same size, converted in place: nothing to move
    case H5T_CONV_FREE:
      return 0;
    default:
      return -1;
  }
}

void register_conversion() {
  static std::once_flag once;
  std::call_once(once, [] {
    hid_t src = H5Tcopy(H5T_C_S1);
    H5Tset_size(src, H5T_VARIABLE);
    hid_t dst = H5Tcreate(H5T_OPAQUE, 16);
    H5Tset_tag(dst, kRawTag);
    H5Tregister(H5T_PERS_SOFT, "vcc_vlen_disk_reference", src, dst, keep_disk_reference);
    H5Tclose(dst);
    H5Tclose(src);
  });
}

uint64_t little_endian(const unsigned char* p, size_t n) {
  uint64_t v = 0;
  for (size_t i = n; i-- > 0;) v = (v << 8) | p[i];
  return v;
}

// The objects of one global heap collection: index -> (offset in the file, size).
using HeapObjects = std::map<uint64_t, std::pair<uint64_t, uint64_t>>;

// Reads and checks the collection at file offset `at` the way HDF5 walks it, but with every
// size checked against the collection's bounds.
HeapObjects read_collection(std::ifstream& in, uint64_t file_size, uint64_t at, size_t sizeof_size,
                            const std::string& where) {
  const std::string bad = "corrupt global heap at byte " + std::to_string(at);
  const size_t header = 8 + sizeof_size;
  VCC_USER_CHECK(at < file_size && file_size - at >= header, where, ": ", bad, " (outside the file)");
  std::vector<unsigned char> head(header);
  in.seekg(static_cast<std::streamoff>(at));
  in.read(reinterpret_cast<char*>(head.data()), static_cast<std::streamsize>(header));
  VCC_USER_CHECK(in.good() && std::memcmp(head.data(), "GCOL", 4) == 0 && head[4] == 1, where, ": ", bad,
                 " (no collection signature)");
  const uint64_t size = little_endian(head.data() + 8, sizeof_size);
  VCC_USER_CHECK(size >= header && size <= file_size - at, where, ": ", bad, " (collection of ", size,
                 " bytes does not fit the file)");
  std::vector<unsigned char> body(size);
  in.seekg(static_cast<std::streamoff>(at));
  in.read(reinterpret_cast<char*>(body.data()), static_cast<std::streamsize>(size));
  VCC_USER_CHECK(in.good(), where, ": ", bad, " (cannot read it)");
  HeapObjects objects;
  const size_t object_header = 8 + sizeof_size;
  uint64_t p = header;
  while (p < size) {
    if (size - p < object_header) break;  // a tail too small for a header is free space
    const uint64_t index = little_endian(&body[p], 2);
    const uint64_t length = little_endian(&body[p + 8], sizeof_size);
    if (index == 0) {  // free space: its size counts its own header and ends the collection
      VCC_USER_CHECK(length <= size - p, where, ": ", bad, " (free space past the end)");
      break;
    }
    const uint64_t padded = (length + 7) & ~uint64_t{7};
    VCC_USER_CHECK(length <= size && padded <= size - p - object_header, where, ": ", bad, " (object ", index,
                   " of ", length, " bytes runs past the collection)");
    VCC_USER_CHECK(objects.emplace(index, std::make_pair(at + p + object_header, length)).second, where, ": ",
                   bad, " (object ", index, " appears twice)");
    p += object_header + padded;
  }
  return objects;
}

}  // namespace

std::vector<std::string> read_vlen_strings_checked(int64_t file, int64_t object, bool is_attribute, size_t count,
                                                   const std::string& path, const std::string& where) {
  register_conversion();
  hid_t fcpl = H5Fget_create_plist(file);
  size_t sizeof_addr = 0, sizeof_size = 0;
  hsize_t userblock = 0;
  const bool sizes_ok = fcpl >= 0 && H5Pget_sizes(fcpl, &sizeof_addr, &sizeof_size) >= 0 &&
                        H5Pget_userblock(fcpl, &userblock) >= 0;
  if (fcpl >= 0) H5Pclose(fcpl);
  VCC_USER_CHECK(sizes_ok && sizeof_addr >= 2 && sizeof_addr <= 8 && sizeof_size >= 2 && sizeof_size <= 8, where,
                 ": cannot read the file's address sizes (corrupt file?)");
  const size_t element = 4 + sizeof_addr + 4;

  hid_t raw = H5Tcreate(H5T_OPAQUE, element);
  H5Tset_tag(raw, kRawTag);
  std::vector<unsigned char> refs(count * element);
  herr_t rc = count == 0 ? 0
              : is_attribute ? H5Aread(object, raw, refs.data())
                             : H5Dread(object, raw, H5S_ALL, H5S_ALL, H5P_DEFAULT, refs.data());
  H5Tclose(raw);
  H5Eclear2(H5E_DEFAULT);
  VCC_USER_CHECK(rc >= 0, where, ": cannot read variable-length strings (truncated or corrupt file?)");

  std::ifstream in(path, std::ios::binary);
  VCC_USER_CHECK(in.good(), path, ": cannot open to read its strings");
  in.seekg(0, std::ios::end);
  const uint64_t file_size = static_cast<uint64_t>(in.tellg());
  std::map<uint64_t, HeapObjects> collections;
  std::vector<std::string> out;
  out.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    const unsigned char* r = refs.data() + i * element;
    const uint64_t length = little_endian(r, 4);
    const uint64_t address = little_endian(r + 4, sizeof_addr);
    const uint64_t index = little_endian(r + 4 + sizeof_addr, 4);
    if (address == 0 || length == 0) {  // HDF5's null and empty strings
      out.emplace_back();
      continue;
    }
    VCC_USER_CHECK(address <= file_size - userblock, where, ": corrupt string ", i, " (heap address ", address,
                   " outside the file)");
    const uint64_t at = address + userblock;
    auto it = collections.find(at);
    if (it == collections.end()) it = collections.emplace(at, read_collection(in, file_size, at, sizeof_size, where)).first;
    auto object_it = it->second.find(index);
    VCC_USER_CHECK(object_it != it->second.end(), where, ": corrupt string ", i, " (heap object ", index,
                   " not found)");
    const auto [offset, size] = object_it->second;
    VCC_USER_CHECK(size == length, where, ": corrupt string ", i, " (", length, " bytes announced, heap object has ",
                   size, ")");
    std::string s(size, '\0');
    in.seekg(static_cast<std::streamoff>(offset));
    in.read(s.data(), static_cast<std::streamsize>(size));
    VCC_USER_CHECK(in.good(), where, ": corrupt string ", i, " (cannot read it)");
    // A C string stored variable-length ends at its first NUL, as HDF5 would return it.
    s.resize(std::strlen(s.c_str()));
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace vcc::io
