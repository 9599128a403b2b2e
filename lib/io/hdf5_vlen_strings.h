#pragma once
// Reading the variable-length strings of older vcc files (attributes and string datasets)
// without trusting HDF5's global heap: libhdf5 1.10 copies heap objects by their recorded
// size without checking it against the heap or the destination, so a few flipped bytes
// crash it (SIGSEGV, heap overflow). Here HDF5 only hands over each element's on-disk
// reference (length, heap address, object index); the heap collection is read from the
// file and checked by us, and a string is returned only if every size agrees.
// vcc itself writes fixed-length strings (H5File::set_attr, write_strings).
#include <cstdint>
#include <string>
#include <vector>

namespace vcc::io {

// `object` is an open attribute (is_attribute) or dataset of a variable-length string
// type, holding `count` elements, in the HDF5 file `file` stored at `path`. `where` names
// it in errors ("<path>: 'object'"). Throws vcc::Error on any inconsistency.
std::vector<std::string> read_vlen_strings_checked(int64_t file, int64_t object, bool is_attribute, size_t count,
                                                   const std::string& path, const std::string& where);

}  // namespace vcc::io
