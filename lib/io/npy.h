#pragma once
// NumPy .npy files (format versions 1.0-3.0): read into and write from Tensors.
//
// Supported element types: <f4 <f8 <i4 <i8 |u1 |b1 (read as uint8); C order only. Every
// error is one line naming the file and what was wrong (bad magic, truncated data, Fortran
// order, big-endian or unsupported dtype, malformed header).
#include <string>

#include "core/tensor.h"

namespace vcc::io {

// Reads a whole .npy file into a new contiguous CPU tensor of the stored dtype and shape.
Tensor read_npy(const std::string& path);
// Parses .npy bytes; `source` names them in messages.
Tensor parse_npy(const std::string& bytes, const std::string& source);

// Writes t (float32/64, int32/64, uint8; any strides) as a version 1.0 .npy file through
// a temporary file renamed into place.
void write_npy(const std::string& path, const Tensor& t);
// The bytes write_npy would write.
std::string format_npy(const Tensor& t);

}  // namespace vcc::io
