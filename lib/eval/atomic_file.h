#pragma once
// An output file written under a temporary name and renamed into place when complete.
#include <fstream>
#include <string>

namespace vcc::eval {

// Readers never see a half-written file: the content goes to "<path>.tmp.<pid>" in the same
// folder and commit() renames it over `path`. If commit() is never reached (an error part
// way), the destructor deletes the temporary file and `path` is left as it was.
class AtomicFile {
 public:
  explicit AtomicFile(std::string path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  std::ostream& stream() { return out_; }
  // Flushes, closes and renames; throws vcc::Error naming the file if any step failed.
  void commit();

 private:
  std::string path_;
  std::string temp_path_;
  std::ofstream out_;
  bool committed_ = false;
};

}  // namespace vcc::eval
