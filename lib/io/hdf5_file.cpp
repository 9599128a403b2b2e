#include "io/hdf5_file.h"

#include <hdf5.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <system_error>
#include <type_traits>

#include "core/error.h"
#include "io/hdf5_vlen_strings.h"

static_assert(std::is_same_v<hid_t, int64_t>, "HDF5 >= 1.10 with 64-bit hid_t expected");

namespace vcc::io {
namespace {

// Before any HDF5 call (static initialisation): once the library is open, H5dont_atexit is
// too late. See silence_hdf5 for why.
const herr_t kNoHdf5ExitHandler = H5dont_atexit();

// HDF5 prints its error stack to stderr by default; we report errors ourselves.
void silence_hdf5() {
  static std::once_flag once;
  std::call_once(once, [] {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    // No library shutdown at exit: every file vcc writes is committed or deleted by its
    // H5File, and libhdf5 1.10's exit handler crashed (SIGSEGV) on a file whose flush had
    // failed on a full disk.
    H5dont_atexit();
  });
}

// The innermost (most specific) message of HDF5's current error stack, or "".
std::string hdf5_message() {
  std::string message;
  H5Ewalk2(
      H5E_DEFAULT, H5E_WALK_DOWNWARD,
      [](unsigned n, const H5E_error2_t* err, void* data) -> herr_t {
        auto* out = static_cast<std::string*>(data);
        if (!err->desc || !*err->desc) return 0;
        // The POSIX driver's message holds errno's text; ENOSPC is the one worth saying.
        if (std::strstr(err->desc, std::strerror(ENOSPC))) {
          *out = "disk full: " + std::string(std::strerror(ENOSPC));
          return 1;  // stop walking
        }
        *out = std::string(err->desc).substr(0, std::string(err->desc).find('\n'));  // innermost, one line
        return 0;
      },
      &message);
  H5Eclear2(H5E_DEFAULT);
  return message.empty() ? "" : " (" + message + ")";
}

// Owns one HDF5 identifier and closes it with the matching function.
class Handle {
 public:
  using Closer = herr_t (*)(hid_t);
  Handle() = default;
  Handle(hid_t id, Closer closer) : id_(id), closer_(closer) {}
  Handle(Handle&& o) noexcept : id_(o.id_), closer_(o.closer_) { o.id_ = -1; }
  Handle& operator=(Handle&& o) noexcept {
    std::swap(id_, o.id_);
    std::swap(closer_, o.closer_);
    return *this;
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() {
    if (id_ >= 0 && closer_) closer_(id_);
  }
  hid_t get() const { return id_; }
  bool ok() const { return id_ >= 0; }

 private:
  hid_t id_ = -1;
  Closer closer_ = nullptr;
};

hid_t memory_type(DType dtype) {
  switch (dtype) {
    case DType::F32: return H5T_NATIVE_FLOAT;
    case DType::F64: return H5T_NATIVE_DOUBLE;
    case DType::I32: return H5T_NATIVE_INT32;
    case DType::I64: return H5T_NATIVE_INT64;
    case DType::U8: return H5T_NATIVE_UINT8;
    default: return -1;
  }
}

hid_t file_type(DType dtype) {
  switch (dtype) {
    case DType::F32: return H5T_IEEE_F32LE;
    case DType::F64: return H5T_IEEE_F64LE;
    case DType::I32: return H5T_STD_I32LE;
    case DType::I64: return H5T_STD_I64LE;
    case DType::U8: return H5T_STD_U8LE;
    default: return -1;
  }
}

// DType of a stored numeric type, or false if it has none.
bool stored_dtype(hid_t type, DType* out) {
  H5T_class_t cls = H5Tget_class(type);
  size_t size = H5Tget_size(type);
  if (cls == H5T_FLOAT) {
    if (size == 4) { *out = DType::F32; return true; }
    if (size == 8) { *out = DType::F64; return true; }
  } else if (cls == H5T_INTEGER) {
    bool is_signed = H5Tget_sign(type) == H5T_SGN_2;
    if (is_signed && size == 4) { *out = DType::I32; return true; }
    if (is_signed && size == 8) { *out = DType::I64; return true; }
    if (!is_signed && size == 1) { *out = DType::U8; return true; }
  }
  return false;
}

// vcc writes strings fixed-length, `width` bytes (at least 1), NUL-padded: variable-length
// ones live in HDF5's global heap, which libhdf5 1.10 reads without checking its sizes.
Handle fixed_string_type(size_t width) {
  Handle t(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(t.get(), std::max<size_t>(width, 1));
  H5Tset_strpad(t.get(), H5T_STR_NULLPAD);
  H5Tset_cset(t.get(), H5T_CSET_UTF8);
  return t;
}

// Links and attributes stay in their object's header, which carries a checksum. Past 8 of
// either, libhdf5 would move them to "dense" storage, a fractal heap whose blocks it does not
// checksum by default, and it parses damaged ones unsafely (fuzz_checkpoint crashed in
// H5G__dense_iterate within seconds). 65535 is the most a header can be told to hold.
void keep_compact(hid_t object_create_plist, bool has_links) {
  H5Pset_attr_phase_change(object_create_plist, 65535, 0);
  if (has_links) H5Pset_link_phase_change(object_create_plist, 65535, 0);
}

// The reading side of keep_compact: a file whose links or attributes are in dense storage was
// not written by vcc, and its unchecked heap is refused before any lookup goes there.
void require_compact_links(hid_t group, const std::string& where) {
  H5G_info_t info;
  VCC_USER_CHECK(H5Gget_info(group, &info) >= 0, where, ": cannot read group (corrupt file?)", hdf5_message());
  VCC_USER_CHECK(info.storage_type != H5G_STORAGE_TYPE_DENSE, where,
                 ": group links in HDF5's dense storage, which vcc never writes and libhdf5 1.10 does not check; "
                 "refused (not a vcc file, or a damaged one)");
}

void require_compact_attributes(hid_t object, const std::string& where) {
  H5O_info_t info;
  VCC_USER_CHECK(H5Oget_info2(object, &info, H5O_INFO_NUM_ATTRS | H5O_INFO_HDR) >= 0, where,
                 ": cannot read object header", hdf5_message());
  // Version-1 headers (older files) have no dense attribute storage.
  if (info.num_attrs == 0 || info.hdr.version < 2) return;
  const H5I_type_t type = H5Iget_type(object);
  hid_t plist = type == H5I_GROUP ? H5Gget_create_plist(object) : type == H5I_DATASET ? H5Dget_create_plist(object) : -1;
  unsigned max_compact = 8, min_dense = 6;
  if (plist >= 0) {
    H5Pget_attr_phase_change(plist, &max_compact, &min_dense);
    H5Pclose(plist);
  }
  VCC_USER_CHECK(info.num_attrs <= max_compact, where, ": ", info.num_attrs,
                 " attributes in HDF5's dense storage, which vcc never writes and libhdf5 1.10 does not check; "
                 "refused (not a vcc file, or a damaged one)");
}

// Dataset creation without timestamps, so that checkpoints are byte-reproducible.
Handle untimed_dcpl() {
  Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  H5Pset_obj_track_times(dcpl.get(), false);
  keep_compact(dcpl.get(), /*has_links=*/false);
  return dcpl;
}

// What vcc writes is self-checking: every dataset with data is chunked and carries HDF5's
// Fletcher-32 checksum per chunk, so a flipped byte in a tensor or a token array fails the
// read (and says so) instead of being trained on. Chunks of about 4 MiB, whole rows; a
// scalar or empty dataset cannot be chunked and stays contiguous (nothing to flip in it
// that the shape checks would not see).
Handle checksummed_dcpl(const std::vector<hsize_t>& dims, size_t element_bytes) {
  Handle dcpl = untimed_dcpl();
  hsize_t n = 1;
  for (hsize_t d : dims) n *= d;
  if (dims.empty() || n == 0) return dcpl;
  std::vector<hsize_t> chunk = dims;
  const hsize_t row_bytes = n / dims[0] * element_bytes;
  chunk[0] = std::clamp<hsize_t>((hsize_t{4} << 20) / std::max<hsize_t>(row_bytes, 1), 1, dims[0]);
  H5Pset_chunk(dcpl.get(), static_cast<int>(chunk.size()), chunk.data());
  H5Pset_fletcher32(dcpl.get());
  return dcpl;
}

std::vector<hsize_t> dims_of(const Shape& shape) {
  std::vector<hsize_t> d(shape.size());
  for (int i = 0; i < shape.size(); ++i) d[i] = static_cast<hsize_t>(shape[i]);
  return d;
}

Shape shape_of_space(hid_t space) {
  int rank = H5Sget_simple_extent_ndims(space);
  std::vector<hsize_t> d(std::max(rank, 0));
  if (rank > 0) H5Sget_simple_extent_dims(space, d.data(), nullptr);
  Shape s;
  for (hsize_t v : d) s.push_back(static_cast<int64_t>(v));
  return s;
}

}  // namespace

namespace {

// Groups above a new dataset, created by us (without timestamps), not by HDF5.
void create_parent_groups(H5File& f, const std::string& name) {
  const size_t slash = name.rfind('/');
  if (slash != std::string::npos && slash > 0) f.create_group(name.substr(0, slash));
}

}  // namespace

H5File::H5File(std::string path, int64_t file, bool writable)
    : path_(std::move(path)), file_(file), writable_(writable) {
  if (writable_) tmp_path_ = path_ + ".tmp";
}

// The HDF5 superblock version of a file (the byte after the signature at offset 0), or -1
// when the file does not start with the HDF5 signature.
static int superblock_version(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char head[9] = {};
  if (!in.read(head, sizeof head)) return -1;
  return std::memcmp(head, "\x89HDF\r\n\x1a\n", 8) == 0 ? static_cast<unsigned char>(head[8]) : -1;
}

static bool legacy_files_allowed() {
  const char* v = std::getenv("VCC_READ_LEGACY_HDF5");
  return v && *v && std::string(v) != "0";
}

H5File H5File::open(const std::string& path) {
  silence_hdf5();
  std::error_code ec;
  VCC_USER_CHECK(std::filesystem::is_regular_file(path, ec), path, ": no such file");
  // Files vcc writes have checksummed metadata (superblock version 3, object headers v2, see
  // create()), so a damaged one fails a checksum. Older ones do not, and libhdf5 1.10 parses
  // unchecked metadata unsafely (its fuzzing found use after free and buffer overflows on
  // damaged files), so they are read only on request.
  const int version = superblock_version(path);
  VCC_USER_CHECK(version >= 2 || version < 0 || legacy_files_allowed(), path,
                 ": an HDF5 file without metadata checksums (superblock version ", version,
                 ": written by vcc before December 2026 or by another program), which libhdf5 1.10 cannot read "
                 "safely if it is damaged; make it again with this vcc (vcc-preprocess, or vcc-train's next "
                 "checkpoint), or set VCC_READ_LEGACY_HDF5=1 to read it anyway");
  htri_t is_h5 = H5Fis_hdf5(path.c_str());
  VCC_USER_CHECK(is_h5 > 0, path, ": not a readable HDF5 file", is_h5 < 0 ? hdf5_message() : "");
  // Strong close degree: closing the file closes every object still open in it.
  Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  H5Pset_fclose_degree(fapl.get(), H5F_CLOSE_STRONG);
  hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl.get());
  VCC_USER_CHECK(f >= 0, path, ": cannot open HDF5 file (truncated or corrupt?)", hdf5_message());
  H5File file(path, f, false);
  {
    Handle root(H5Gopen2(f, "/", H5P_DEFAULT), H5Gclose);
    VCC_USER_CHECK(root.ok(), path, ": cannot open the root group (corrupt file?)", hdf5_message());
    require_compact_links(root.get(), path + ": '/'");
    require_compact_attributes(root.get(), path + ": '/'");
  }
  return file;
}

H5File H5File::create(const std::string& path) {
  silence_hdf5();
  std::string tmp = path + ".tmp";
  Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  H5Pset_fclose_degree(fapl.get(), H5F_CLOSE_STRONG);
  // The 1.10 file format: superblock version 3 and version-2 object headers, B-trees and
  // heaps, all with checksums that libhdf5 verifies on read (open() relies on it).
  H5Pset_libver_bounds(fapl.get(), H5F_LIBVER_V110, H5F_LIBVER_V110);
  // No object timestamps (root group included): the same contents give the same bytes.
  Handle fcpl(H5Pcreate(H5P_FILE_CREATE), H5Pclose);
  H5Pset_obj_track_times(fcpl.get(), false);
  keep_compact(fcpl.get(), /*has_links=*/true);  // the root group
  hid_t f = H5Fcreate(tmp.c_str(), H5F_ACC_TRUNC, fcpl.get(), fapl.get());
  if (f < 0) {
    const std::string why = hdf5_message();
    std::error_code ec;
    std::filesystem::remove(tmp, ec);  // a create that failed part way (full disk) leaves a partial file
    VCC_USER_CHECK(false, tmp, ": cannot create HDF5 file", why);
  }
  return H5File(path, f, true);
}

H5File::H5File(H5File&& o) noexcept
    : path_(std::move(o.path_)), tmp_path_(std::move(o.tmp_path_)), file_(o.file_), writable_(o.writable_),
      datasets_(std::move(o.datasets_)) {
  o.file_ = -1;
  o.datasets_.clear();
}

H5File& H5File::operator=(H5File&& o) noexcept {
  if (this != &o) {
    this->~H5File();
    new (this) H5File(std::move(o));
  }
  return *this;
}

H5File::~H5File() {
  if (file_ < 0) return;
  close_handles();
  H5Fclose(file_);  // a failure here (full disk) is not retried: libhdf5 1.10 crashes on it
  H5Eclear2(H5E_DEFAULT);
  file_ = -1;
  if (writable_) {
    std::error_code ec;
    std::filesystem::remove(tmp_path_, ec);  // abandoned writer: leave nothing half-written
  }
}

void H5File::close_handles() noexcept {
  for (auto& [name, id] : datasets_) H5Dclose(id);
  datasets_.clear();
}

void H5File::commit() {
  if (file_ < 0) return;
  close_handles();
  if (writable_) {
    herr_t flushed = H5Fflush(file_, H5F_SCOPE_GLOBAL);
    std::string msg = flushed < 0 ? hdf5_message() : "";
    herr_t closed = H5Fclose(file_);
    if (closed < 0 && msg.empty()) msg = hdf5_message();
    // A close that fails (its flush hit a full disk) leaves the file open inside libhdf5;
    // closing it again crashes there, so it is left to the process exit, where no libhdf5
    // handler runs (H5dont_atexit in silence_hdf5).
    H5Eclear2(H5E_DEFAULT);
    file_ = -1;
    std::error_code ec;
    if (flushed < 0 || closed < 0) {
      std::filesystem::remove(tmp_path_, ec);
      VCC_USER_CHECK(false, tmp_path_, ": cannot finish writing HDF5 file", msg);
    }
    std::filesystem::rename(tmp_path_, path_, ec);
    VCC_USER_CHECK(!ec, tmp_path_, ": cannot rename to ", path_, ": ", ec.message());
  } else {
    H5Fclose(file_);
    file_ = -1;
  }
}

std::string H5File::where(const std::string& object) const {
  return (writable_ ? tmp_path_ : path_) + ": '" + object + "'";
}

void H5File::require_writable(const std::string& what) const {
  VCC_USER_CHECK(file_ >= 0, path_, ": file is closed (writing '", what, "')");
  VCC_USER_CHECK(writable_, path_, ": opened read-only, cannot write '", what, "'");
}

// ---------------------------------------------------------------- groups

void H5File::create_group(const std::string& name) {
  require_writable(name);
  if (exists(name)) return;
  // Each missing level is created here, not as HDF5's "intermediate groups", which would
  // carry timestamps.
  Handle gcpl(H5Pcreate(H5P_GROUP_CREATE), H5Pclose);
  H5Pset_obj_track_times(gcpl.get(), false);
  keep_compact(gcpl.get(), /*has_links=*/true);
  for (size_t slash = name.find('/', 1);; slash = name.find('/', slash + 1)) {
    const std::string level = name.substr(0, slash);
    if (!level.empty() && level != "/" && !exists(level)) {
      Handle g(H5Gcreate2(file_, level.c_str(), H5P_DEFAULT, gcpl.get(), H5P_DEFAULT), H5Gclose);
      VCC_USER_CHECK(g.ok(), where(level), ": cannot create group", hdf5_message());
    }
    if (slash == std::string::npos) break;
  }
}

bool H5File::exists(const std::string& name) const {
  VCC_USER_CHECK(file_ >= 0, path_, ": file is closed (looking for '", name, "')");
  if (name == "/" || name.empty()) return true;
  // Check each prefix: H5Lexists fails (rather than returning false) on a missing parent.
  size_t pos = name[0] == '/' ? 1 : 0;
  while (true) {
    size_t next = name.find('/', pos);
    std::string prefix = name.substr(0, next);
    if (H5Lexists(file_, prefix.c_str(), H5P_DEFAULT) <= 0) {
      H5Eclear2(H5E_DEFAULT);
      return false;
    }
    if (next == std::string::npos) break;
    // The next lookup goes into `prefix`: a group whose links must be compact.
    H5G_info_t info;
    if (H5Gget_info_by_name(file_, prefix.c_str(), &info, H5P_DEFAULT) < 0) {
      H5Eclear2(H5E_DEFAULT);
      return false;  // not a group: nothing below it
    }
    VCC_USER_CHECK(info.storage_type != H5G_STORAGE_TYPE_DENSE, where(prefix),
                   ": group links in HDF5's dense storage, which vcc never writes and libhdf5 1.10 does not check; "
                   "refused (not a vcc file, or a damaged one)");
    pos = next + 1;
  }
  return H5Oexists_by_name(file_, name.c_str(), H5P_DEFAULT) > 0;
}

std::vector<std::string> H5File::list(const std::string& group) const {
  VCC_USER_CHECK(exists(group), where(group), ": no such group");
  {
    Handle g(H5Gopen2(file_, group.c_str(), H5P_DEFAULT), H5Gclose);
    VCC_USER_CHECK(g.ok(), where(group), ": not a group", hdf5_message());
    require_compact_links(g.get(), where(group));
  }
  std::vector<std::string> names;
  herr_t rc = H5Literate_by_name(
      file_, group.c_str(), H5_INDEX_NAME, H5_ITER_INC, nullptr,
      [](hid_t, const char* name, const H5L_info_t*, void* data) -> herr_t {
        static_cast<std::vector<std::string>*>(data)->emplace_back(name);
        return 0;
      },
      &names, H5P_DEFAULT);
  VCC_USER_CHECK(rc >= 0, where(group), ": cannot list group", hdf5_message());
  return names;
}

// ---------------------------------------------------------------- numeric datasets

void H5File::write_raw(const std::string& name, DType dtype, const Shape& shape, const void* data, size_t count) {
  require_writable(name);
  VCC_USER_CHECK(memory_type(dtype) >= 0, where(name), ": cannot store dtype ", dtype_name(dtype),
                 " (float32, float64, int32, int64 or uint8 expected)");
  VCC_USER_CHECK(static_cast<int64_t>(count) == shape.numel(), where(name), ": ", count,
                 " values for shape ", shape.str());
  VCC_USER_CHECK(!exists(name), where(name), ": dataset already exists");
  auto dims = dims_of(shape);
  Handle space(shape.size() == 0 ? H5Screate(H5S_SCALAR)
                                 : H5Screate_simple(shape.size(), dims.data(), nullptr),
               H5Sclose);
  Handle lcpl(H5Pcreate(H5P_LINK_CREATE), H5Pclose);
  H5Pset_create_intermediate_group(lcpl.get(), 1);
  create_parent_groups(*this, name);
  Handle ds(H5Dcreate2(file_, name.c_str(), file_type(dtype), space.get(), lcpl.get(),
                      checksummed_dcpl(dims, dtype_size(dtype)).get(), H5P_DEFAULT),
            H5Dclose);
  VCC_USER_CHECK(ds.ok(), where(name), ": cannot create dataset", hdf5_message());
  if (count > 0) {
    herr_t rc = H5Dwrite(ds.get(), memory_type(dtype), H5S_ALL, H5S_ALL, H5P_DEFAULT, data);
    VCC_USER_CHECK(rc >= 0, where(name), ": cannot write dataset", hdf5_message());
  }
}

void H5File::write(const std::string& name, const Tensor& t) {
  VCC_USER_CHECK(t.defined(), where(name), ": cannot write an undefined tensor");
  Tensor c = t.device().is_cpu() ? t.contiguous() : t.to(Device::cpu()).contiguous();
  write_raw(name, c.dtype(), c.shape(), c.raw_data(), static_cast<size_t>(c.numel()));
}

int64_t H5File::open_dataset(const std::string& name) const {
  VCC_USER_CHECK(file_ >= 0, path_, ": file is closed (reading '", name, "')");
  auto it = datasets_.find(name);
  if (it != datasets_.end()) return it->second;
  VCC_USER_CHECK(exists(name), where(name), ": no such dataset");
  hid_t ds = H5Dopen2(file_, name.c_str(), H5P_DEFAULT);
  VCC_USER_CHECK(ds >= 0, where(name), ": cannot open dataset (not a dataset, or the file is corrupt)",
                 hdf5_message());
  datasets_.emplace(name, ds);
  return ds;
}

Shape H5File::shape(const std::string& name) const {
  hid_t ds = open_dataset(name);
  Handle space(H5Dget_space(ds), H5Sclose);
  VCC_USER_CHECK(space.ok(), where(name), ": cannot read dataspace", hdf5_message());
  return shape_of_space(space.get());
}

DType H5File::dtype(const std::string& name) const {
  hid_t ds = open_dataset(name);
  Handle type(H5Dget_type(ds), H5Tclose);
  DType dt;
  VCC_USER_CHECK(type.ok() && stored_dtype(type.get(), &dt), where(name),
                 ": not a numeric dataset of a supported type (float32/64, int32/64, uint8)");
  return dt;
}

Tensor H5File::read(const std::string& name) const { return read(name, dtype(name)); }

// A corrupt header can declare any shape; allocate only what the file can back. Contiguous
// data must be stored in full; compressed or chunked data may be smaller, but deflate cannot
// shrink anything more than about 1032:1.
void H5File::check_declared_size(const std::string& name, int64_t numel) const {
  hid_t ds = open_dataset(name);
  Handle type(H5Dget_type(ds), H5Tclose);
  const uint64_t element = H5Tget_size(type.get());
  uint64_t declared = 0;
  VCC_USER_CHECK(!__builtin_mul_overflow(static_cast<uint64_t>(numel), element, &declared), where(name),
                 ": declared size overflows (corrupt file?)");
  const uint64_t stored = H5Dget_storage_size(ds);
  Handle dcpl(H5Dget_create_plist(ds), H5Pclose);
  bool deflated = false;
  for (int i = 0, n = H5Pget_nfilters(dcpl.get()); i < n; ++i) {
    unsigned flags = 0;
    size_t cd_count = 0;
    deflated |= H5Pget_filter2(dcpl.get(), i, &flags, &cd_count, nullptr, 0, nullptr, nullptr) == H5Z_FILTER_DEFLATE;
  }
  // Data without compression is stored in full (contiguous, or in whole chunks).
  const uint64_t limit = deflated ? stored * 1100 + (1 << 20) : stored;
  VCC_USER_CHECK(declared <= limit, where(name), ": declares ", declared,
                 " bytes but the file stores ", stored, " (truncated or corrupt file?)");
}

Tensor H5File::read(const std::string& name, DType dtype) const {
  DType stored = this->dtype(name);
  VCC_USER_CHECK(is_floating(stored) == is_floating(dtype), where(name), ": stored as ", dtype_name(stored),
                 ", cannot read as ", dtype_name(dtype));
  VCC_USER_CHECK(memory_type(dtype) >= 0, where(name), ": cannot read into dtype ", dtype_name(dtype));
  Shape s = shape(name);
  check_declared_size(name, s.numel());
  Tensor t = Tensor::empty(s, dtype);
  if (t.numel() > 0) {
    herr_t rc = H5Dread(open_dataset(name), memory_type(dtype), H5S_ALL, H5S_ALL, H5P_DEFAULT, t.raw_data());
    VCC_USER_CHECK(rc >= 0, where(name), ": cannot read dataset (truncated or corrupt file?)", hdf5_message());
  }
  return t;
}

// ---------------------------------------------------------------- row datasets

void H5File::create_rows(const std::string& name, DType dtype, const Shape& row_shape,
                         const RowDatasetOptions& options) {
  require_writable(name);
  VCC_USER_CHECK(memory_type(dtype) >= 0, where(name), ": cannot store dtype ", dtype_name(dtype));
  VCC_USER_CHECK(!exists(name), where(name), ": dataset already exists");
  int64_t row_elems = std::max<int64_t>(row_shape.numel(), 1);
  int64_t chunk_rows = options.chunk_rows > 0
                           ? options.chunk_rows
                           : std::max<int64_t>(1, 65536 / (row_elems * static_cast<int64_t>(dtype_size(dtype))));
  std::vector<hsize_t> dims{0}, maxdims{H5S_UNLIMITED}, chunk{static_cast<hsize_t>(chunk_rows)};
  for (int64_t d : row_shape) {
    VCC_USER_CHECK(d > 0, where(name), ": row shape ", row_shape.str(), " has an empty dimension");
    dims.push_back(d);
    maxdims.push_back(d);
    chunk.push_back(d);
  }
  Handle space(H5Screate_simple(dims.size(), dims.data(), maxdims.data()), H5Sclose);
  create_parent_groups(*this, name);
  Handle dcpl = untimed_dcpl();
  H5Pset_chunk(dcpl.get(), chunk.size(), chunk.data());
  if (options.compression_level > 0 && H5Zfilter_avail(H5Z_FILTER_DEFLATE) > 0) {
    H5Pset_shuffle(dcpl.get());
    H5Pset_deflate(dcpl.get(), std::min(options.compression_level, 9));
  }
  H5Pset_fletcher32(dcpl.get());  // last: it checks the bytes as stored (checksummed_dcpl)
  Handle lcpl(H5Pcreate(H5P_LINK_CREATE), H5Pclose);
  H5Pset_create_intermediate_group(lcpl.get(), 1);
  hid_t ds = H5Dcreate2(file_, name.c_str(), file_type(dtype), space.get(), lcpl.get(), dcpl.get(), H5P_DEFAULT);
  VCC_USER_CHECK(ds >= 0, where(name), ": cannot create dataset", hdf5_message());
  datasets_.emplace(name, ds);
}

void H5File::append_rows(const std::string& name, const Tensor& rows) {
  require_writable(name);
  hid_t ds = open_dataset(name);
  Shape s = shape(name);
  VCC_USER_CHECK(s.size() >= 1 && rows.dim() == s.size(), where(name), ": appending ", rows.describe(),
                 " to a dataset of shape ", s.str());
  for (int d = 1; d < s.size(); ++d)
    VCC_USER_CHECK(rows.size(d) == s[d], where(name), ": appending ", rows.describe(), " to rows of shape ",
                   s.str());
  VCC_USER_CHECK(rows.dtype() == dtype(name), where(name), ": appending ", dtype_name(rows.dtype()),
                 " rows to a ", dtype_name(dtype(name)), " dataset");
  int64_t n = rows.size(0);
  if (n == 0) return;
  Tensor c = rows.contiguous();
  auto new_dims = dims_of(s);
  new_dims[0] += static_cast<hsize_t>(n);
  VCC_USER_CHECK(H5Dset_extent(ds, new_dims.data()) >= 0, where(name), ": cannot extend dataset", hdf5_message());
  Handle fspace(H5Dget_space(ds), H5Sclose);
  std::vector<hsize_t> start(s.size(), 0), count = dims_of(c.shape());
  start[0] = static_cast<hsize_t>(s[0]);
  H5Sselect_hyperslab(fspace.get(), H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr);
  Handle mspace(H5Screate_simple(count.size(), count.data(), nullptr), H5Sclose);
  herr_t rc = H5Dwrite(ds, memory_type(c.dtype()), mspace.get(), fspace.get(), H5P_DEFAULT, c.raw_data());
  VCC_USER_CHECK(rc >= 0, where(name), ": cannot write rows", hdf5_message());
}

Tensor H5File::read_rows(const std::string& name, int64_t start, int64_t count) const {
  return read_rows(name, start, count, dtype(name));
}

Tensor H5File::read_rows(const std::string& name, int64_t start, int64_t count, DType dtype) const {
  Shape s = shape(name);
  DType stored = this->dtype(name);
  VCC_USER_CHECK(is_floating(stored) == is_floating(dtype) && memory_type(dtype) >= 0, where(name),
                 ": stored as ", dtype_name(stored), ", cannot read as ", dtype_name(dtype));
  VCC_USER_CHECK(s.size() >= 1 && start >= 0 && count >= 0 && start + count <= s[0], where(name), ": rows [",
                 start, ", ", start + count, ") out of range for shape ", s.str());
  Shape out_shape = s;
  out_shape[0] = count;
  Tensor t = Tensor::empty(out_shape, dtype);
  if (t.numel() == 0) return t;
  hid_t ds = open_dataset(name);
  Handle fspace(H5Dget_space(ds), H5Sclose);
  std::vector<hsize_t> offs(s.size(), 0), cnt = dims_of(out_shape);
  offs[0] = static_cast<hsize_t>(start);
  H5Sselect_hyperslab(fspace.get(), H5S_SELECT_SET, offs.data(), nullptr, cnt.data(), nullptr);
  Handle mspace(H5Screate_simple(cnt.size(), cnt.data(), nullptr), H5Sclose);
  herr_t rc = H5Dread(ds, memory_type(dtype), mspace.get(), fspace.get(), H5P_DEFAULT, t.raw_data());
  VCC_USER_CHECK(rc >= 0, where(name), ": cannot read rows [", start, ", ", start + count,
                 ") (truncated or corrupt file?)", hdf5_message());
  return t;
}

// ---------------------------------------------------------------- strings

void H5File::write_strings(const std::string& name, const std::vector<std::string>& values) {
  require_writable(name);
  VCC_USER_CHECK(!exists(name), where(name), ": dataset already exists");
  hsize_t n = values.size();
  size_t width = 1;
  for (const std::string& v : values) width = std::max(width, v.size());
  Handle type = fixed_string_type(width);
  Handle space(H5Screate_simple(1, &n, nullptr), H5Sclose);
  Handle lcpl(H5Pcreate(H5P_LINK_CREATE), H5Pclose);
  H5Pset_create_intermediate_group(lcpl.get(), 1);
  create_parent_groups(*this, name);
  Handle ds(H5Dcreate2(file_, name.c_str(), type.get(), space.get(), lcpl.get(),
                      checksummed_dcpl({n}, width).get(), H5P_DEFAULT),
            H5Dclose);
  VCC_USER_CHECK(ds.ok(), where(name), ": cannot create string dataset", hdf5_message());
  if (n == 0) return;
  std::vector<char> buf(n * width, '\0');
  for (size_t i = 0; i < n; ++i) std::memcpy(buf.data() + i * width, values[i].data(), values[i].size());
  herr_t rc = H5Dwrite(ds.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data());
  VCC_USER_CHECK(rc >= 0, where(name), ": cannot write strings", hdf5_message());
}

std::vector<std::string> H5File::read_strings(const std::string& name) const {
  hid_t ds = open_dataset(name);
  Handle ftype(H5Dget_type(ds), H5Tclose);
  VCC_USER_CHECK(ftype.ok() && H5Tget_class(ftype.get()) == H5T_STRING, where(name), ": not a string dataset");
  Handle space(H5Dget_space(ds), H5Sclose);
  hssize_t n = H5Sget_simple_extent_npoints(space.get());
  VCC_USER_CHECK(n >= 0, where(name), ": cannot read dataspace", hdf5_message());
  std::vector<std::string> out;
  out.reserve(n);
  if (n == 0) return out;
  if (H5Tis_variable_str(ftype.get()) > 0) {  // files of older vcc versions
    return read_vlen_strings_checked(file_, ds, /*is_attribute=*/false, static_cast<size_t>(n), path_, where(name));
  } else {
    size_t width = H5Tget_size(ftype.get());
    std::vector<char> buf(static_cast<size_t>(n) * width);
    herr_t rc = H5Dread(ds, ftype.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data());
    VCC_USER_CHECK(rc >= 0, where(name), ": cannot read strings (truncated or corrupt file?)", hdf5_message());
    for (hssize_t i = 0; i < n; ++i) {
      const char* p = buf.data() + i * width;
      out.emplace_back(p, strnlen(p, width));
    }
  }
  return out;
}

// ---------------------------------------------------------------- attributes

namespace {

Handle open_object(hid_t file, const std::string& object, const std::string& where) {
  hid_t obj = H5Oopen(file, object.c_str(), H5P_DEFAULT);
  VCC_USER_CHECK(obj >= 0, where, ": no such group or dataset", hdf5_message());
  Handle h(obj, H5Oclose);
  require_compact_attributes(obj, where);  // every attribute lookup starts here
  return h;
}

}  // namespace

void H5File::set_attr(const std::string& object, const std::string& name, const std::string& value) {
  require_writable(object + "@" + name);
  Handle obj = open_object(file_, object, where(object));
  if (H5Aexists(obj.get(), name.c_str()) > 0) H5Adelete(obj.get(), name.c_str());
  Handle type = fixed_string_type(value.size());
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  Handle attr(H5Acreate2(obj.get(), name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  VCC_USER_CHECK(attr.ok(), where(object), ": cannot create attribute '", name, "'", hdf5_message());
  std::string padded = value;
  padded.resize(std::max<size_t>(value.size(), 1), '\0');
  VCC_USER_CHECK(H5Awrite(attr.get(), type.get(), padded.data()) >= 0, where(object), ": cannot write attribute '", name,
                 "'", hdf5_message());
}

template <class T>
static void set_scalar_attr(hid_t file, const std::string& object, const std::string& name, T value,
                            hid_t ftype, hid_t mtype, const std::string& where) {
  Handle obj = open_object(file, object, where);
  if (H5Aexists(obj.get(), name.c_str()) > 0) H5Adelete(obj.get(), name.c_str());
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  Handle attr(H5Acreate2(obj.get(), name.c_str(), ftype, space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  VCC_USER_CHECK(attr.ok(), where, ": cannot create attribute '", name, "'", hdf5_message());
  VCC_USER_CHECK(H5Awrite(attr.get(), mtype, &value) >= 0, where, ": cannot write attribute '", name, "'",
                 hdf5_message());
}

void H5File::set_attr(const std::string& object, const std::string& name, int64_t value) {
  require_writable(object + "@" + name);
  set_scalar_attr(file_, object, name, value, H5T_STD_I64LE, H5T_NATIVE_INT64, where(object));
}

void H5File::set_attr(const std::string& object, const std::string& name, double value) {
  require_writable(object + "@" + name);
  set_scalar_attr(file_, object, name, value, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, where(object));
}

bool H5File::has_attr(const std::string& object, const std::string& name) const {
  VCC_USER_CHECK(file_ >= 0, path_, ": file is closed (reading attribute '", name, "')");
  if (!exists(object)) return false;
  Handle obj = open_object(file_, object, where(object));
  return H5Aexists(obj.get(), name.c_str()) > 0;
}

std::vector<std::string> H5File::attr_names(const std::string& object) const {
  VCC_USER_CHECK(file_ >= 0, path_, ": file is closed");
  Handle obj = open_object(file_, object, where(object));
  std::vector<std::string> names;
  H5Aiterate2(
      obj.get(), H5_INDEX_NAME, H5_ITER_INC, nullptr,
      [](hid_t, const char* name, const H5A_info_t*, void* data) -> herr_t {
        static_cast<std::vector<std::string>*>(data)->emplace_back(name);
        return 0;
      },
      &names);
  return names;
}

namespace {

Handle open_attr(hid_t file, const std::string& object, const std::string& name, const std::string& where) {
  Handle obj = open_object(file, object, where);
  VCC_USER_CHECK(H5Aexists(obj.get(), name.c_str()) > 0, where, ": missing attribute '", name, "'");
  hid_t a = H5Aopen(obj.get(), name.c_str(), H5P_DEFAULT);
  VCC_USER_CHECK(a >= 0, where, ": cannot open attribute '", name, "'", hdf5_message());
  return Handle(a, H5Aclose);
}

}  // namespace

std::string H5File::attr_string(const std::string& object, const std::string& name) const {
  VCC_USER_CHECK(file_ >= 0, path_, ": file is closed (reading attribute '", name, "')");
  Handle attr = open_attr(file_, object, name, where(object));
  Handle ftype(H5Aget_type(attr.get()), H5Tclose);
  VCC_USER_CHECK(H5Tget_class(ftype.get()) == H5T_STRING, where(object), ": attribute '", name,
                 "' is not a string");
  Handle space(H5Aget_space(attr.get()), H5Sclose);
  VCC_USER_CHECK(space.ok() && H5Sget_simple_extent_npoints(space.get()) == 1, where(object), ": attribute '",
                 name, "' is not a single string");
  if (H5Tis_variable_str(ftype.get()) > 0)  // files of older vcc versions
    return read_vlen_strings_checked(file_, attr.get(), /*is_attribute=*/true, 1, path_,
                                     where(object) + " attribute '" + name + "'")[0];
  size_t width = H5Tget_size(ftype.get());
  VCC_USER_CHECK(width > 0 && width <= H5Aget_storage_size(attr.get()), where(object), ": attribute '", name,
                 "' is corrupt (", width, " bytes wide, ", H5Aget_storage_size(attr.get()), " stored)");
  std::string buf(width, '\0');
  VCC_USER_CHECK(H5Aread(attr.get(), ftype.get(), buf.data()) >= 0, where(object), ": cannot read attribute '",
                 name, "'", hdf5_message());
  buf.resize(strnlen(buf.data(), width));
  return buf;
}

int64_t H5File::attr_int(const std::string& object, const std::string& name) const {
  VCC_USER_CHECK(file_ >= 0, path_, ": file is closed (reading attribute '", name, "')");
  Handle attr = open_attr(file_, object, name, where(object));
  Handle ftype(H5Aget_type(attr.get()), H5Tclose);
  VCC_USER_CHECK(H5Tget_class(ftype.get()) == H5T_INTEGER, where(object), ": attribute '", name,
                 "' is not an integer");
  int64_t v = 0;
  VCC_USER_CHECK(H5Aread(attr.get(), H5T_NATIVE_INT64, &v) >= 0, where(object), ": cannot read attribute '", name,
                 "'", hdf5_message());
  return v;
}

double H5File::attr_double(const std::string& object, const std::string& name) const {
  VCC_USER_CHECK(file_ >= 0, path_, ": file is closed (reading attribute '", name, "')");
  Handle attr = open_attr(file_, object, name, where(object));
  Handle ftype(H5Aget_type(attr.get()), H5Tclose);
  H5T_class_t cls = H5Tget_class(ftype.get());
  VCC_USER_CHECK(cls == H5T_FLOAT || cls == H5T_INTEGER, where(object), ": attribute '", name,
                 "' is not a number");
  double v = 0;
  VCC_USER_CHECK(H5Aread(attr.get(), H5T_NATIVE_DOUBLE, &v) >= 0, where(object), ": cannot read attribute '",
                 name, "'", hdf5_message());
  return v;
}

}  // namespace vcc::io
