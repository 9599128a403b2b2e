#include "eval/atomic_file.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "core/error.h"

namespace vcc::eval {

AtomicFile::AtomicFile(std::string path)
    : path_(std::move(path)), temp_path_(path_ + ".tmp." + std::to_string(::getpid())) {
  out_.open(temp_path_, std::ios::binary | std::ios::trunc);
  VCC_USER_CHECK(out_.is_open(), "cannot write ", path_, " (temporary file ", temp_path_,
                 "): ", std::strerror(errno));
}

AtomicFile::~AtomicFile() {
  if (committed_) return;
  out_.close();
  std::remove(temp_path_.c_str());
}

void AtomicFile::commit() {
  out_.flush();
  out_.close();
  VCC_USER_CHECK(!out_.fail(), "cannot write ", path_, " (temporary file ", temp_path_, "): ",
                 std::strerror(errno));
  VCC_USER_CHECK(std::rename(temp_path_.c_str(), path_.c_str()) == 0, "cannot rename ", temp_path_,
                 " to ", path_, ": ", std::strerror(errno));
  committed_ = true;
}

}  // namespace vcc::eval
