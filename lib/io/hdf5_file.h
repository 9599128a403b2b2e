#pragma once
// H5File: a small RAII wrapper over the HDF5 C API (datasets, strings, attributes) that
// turns every failure into a one-line vcc::Error naming the file and the object.
//
// Writers never leave a half-written file behind: H5File::create(path) writes to
// "<path>.tmp" and commit() (or close()) renames it to <path>; a writer destroyed without
// commit() deletes its temporary file. Readers open files read-only. HDF5's own
// error-stack printing is switched off; its innermost message is appended to ours.
// Not thread-safe (neither is the serial HDF5 library): one thread per file.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace vcc::io {

// Options for numeric datasets that grow along their first dimension.
struct RowDatasetOptions {
  int64_t chunk_rows = 0;      // rows per chunk; 0 = about 64 KiB per chunk
  int compression_level = 1;   // deflate level 0-9 (0 = none); ignored if deflate is unavailable
};

class H5File {
 public:
  H5File() = default;
  // Opens an existing file read-only.
  static H5File open(const std::string& path);
  // Starts a new file at <path>.tmp; commit() moves it to <path> (replacing what was there).
  static H5File create(const std::string& path);

  H5File(H5File&& other) noexcept;
  H5File& operator=(H5File&& other) noexcept;
  H5File(const H5File&) = delete;
  H5File& operator=(const H5File&) = delete;
  ~H5File();

  // Writer: flush, close and rename <path>.tmp to <path>. Reader: close.
  void commit();
  void close() { commit(); }
  bool is_open() const { return file_ >= 0; }
  bool writable() const { return writable_; }
  const std::string& path() const { return path_; }

  // ---- groups and listing ----
  // Creates the group and any missing parents ("a/b/c"); an existing group is kept.
  void create_group(const std::string& name);
  // True if a group or dataset of that path exists.
  bool exists(const std::string& name) const;
  // Names of the members of a group, in HDF5's (alphabetical) order.
  std::vector<std::string> list(const std::string& group = "/") const;

  // ---- numeric N-d datasets (float32/64, int32/64, uint8) ----
  void write(const std::string& name, const Tensor& t);
  template <class T>
  void write(const std::string& name, const std::vector<T>& values, const Shape& shape) {
    write_raw(name, dtype_v<T>, shape, values.data(), values.size());
  }
  template <class T>
  void write(const std::string& name, const std::vector<T>& values) {
    write_raw(name, dtype_v<T>, Shape{static_cast<int64_t>(values.size())}, values.data(), values.size());
  }
  // Reads a whole dataset as stored (its dtype and shape).
  Tensor read(const std::string& name) const;
  // Reads a whole dataset converted to `dtype` (int <-> int and float <-> float only).
  Tensor read(const std::string& name, DType dtype) const;
  template <class T>
  std::vector<T> read_vector(const std::string& name) const {
    return read(name, dtype_v<T>).template to_vector<T>();
  }
  Shape shape(const std::string& name) const;
  DType dtype(const std::string& name) const;

  // ---- datasets that grow by rows: [0, row_shape...] then appended to ----
  void create_rows(const std::string& name, DType dtype, const Shape& row_shape,
                   const RowDatasetOptions& options = {});
  // Appends rows.shape()[0] rows; the other dimensions must equal the dataset's row shape.
  void append_rows(const std::string& name, const Tensor& rows);
  // Rows [start, start + count) as a tensor of the stored dtype (or `dtype` if given).
  Tensor read_rows(const std::string& name, int64_t start, int64_t count) const;
  Tensor read_rows(const std::string& name, int64_t start, int64_t count, DType dtype) const;

  // ---- variable-length UTF-8 string datasets (1-d) ----
  void write_strings(const std::string& name, const std::vector<std::string>& values);
  std::vector<std::string> read_strings(const std::string& name) const;

  // ---- attributes of "/" (the file) or of any group or dataset ----
  void set_attr(const std::string& object, const std::string& name, const std::string& value);
  void set_attr(const std::string& object, const std::string& name, const char* value) {
    set_attr(object, name, std::string(value));
  }
  void set_attr(const std::string& object, const std::string& name, int64_t value);
  void set_attr(const std::string& object, const std::string& name, int value) {
    set_attr(object, name, static_cast<int64_t>(value));
  }
  void set_attr(const std::string& object, const std::string& name, double value);
  bool has_attr(const std::string& object, const std::string& name) const;
  std::string attr_string(const std::string& object, const std::string& name) const;
  int64_t attr_int(const std::string& object, const std::string& name) const;
  double attr_double(const std::string& object, const std::string& name) const;
  std::vector<std::string> attr_names(const std::string& object) const;

 private:
  H5File(std::string path, int64_t file, bool writable);
  void write_raw(const std::string& name, DType dtype, const Shape& shape, const void* data, size_t count);
  int64_t open_dataset(const std::string& name) const;  // cached handle, owned by the file
  // Refuses a dataset whose declared shape needs more bytes than the file can hold.
  void check_declared_size(const std::string& name, int64_t numel) const;
  void close_handles() noexcept;
  void require_writable(const std::string& what) const;
  std::string where(const std::string& object) const;  // "<path>: 'object'"

  std::string path_;      // final path
  std::string tmp_path_;  // writer only
  int64_t file_ = -1;     // hid_t
  bool writable_ = false;
  mutable std::map<std::string, int64_t> datasets_;  // open dataset handles by path
};

}  // namespace vcc::io
