#pragma once
// Shape and strides: a small inline vector of int64 (at most kMaxDims dimensions).
#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <ostream>
#include <string>
#include <vector>

#include "core/error.h"

namespace vcc {

constexpr int kMaxDims = 8;

class Dims {
 public:
  Dims() = default;
  Dims(std::initializer_list<int64_t> v) { assign(v.begin(), v.end()); }
  explicit Dims(const std::vector<int64_t>& v) { assign(v.begin(), v.end()); }
  template <class It>
  Dims(It first, It last) { assign(first, last); }
  static Dims filled(int n, int64_t value) {
    Dims d;
    VCC_CHECK(n >= 0 && n <= kMaxDims, "rank ", n);
    d.n_ = n;
    std::fill(d.v_, d.v_ + n, value);
    return d;
  }

  int size() const { return n_; }
  bool empty() const { return n_ == 0; }
  int64_t& operator[](int i) { return v_[i]; }
  int64_t operator[](int i) const { return v_[i]; }
  const int64_t* begin() const { return v_; }
  const int64_t* end() const { return v_ + n_; }
  int64_t* begin() { return v_; }
  int64_t* end() { return v_ + n_; }
  int64_t back() const { return v_[n_ - 1]; }
  void push_back(int64_t x) {
    VCC_CHECK(n_ < kMaxDims, "more than ", kMaxDims, " dimensions");
    v_[n_++] = x;
  }
  void insert(int pos, int64_t x) {
    VCC_CHECK(n_ < kMaxDims && pos >= 0 && pos <= n_, "insert at ", pos);
    for (int i = n_; i > pos; --i) v_[i] = v_[i - 1];
    v_[pos] = x;
    ++n_;
  }
  void erase(int pos) {
    VCC_CHECK(pos >= 0 && pos < n_, "erase at ", pos);
    for (int i = pos; i + 1 < n_; ++i) v_[i] = v_[i + 1];
    --n_;
  }
  std::vector<int64_t> vec() const { return {v_, v_ + n_}; }
  bool operator==(const Dims& o) const { return n_ == o.n_ && std::equal(v_, v_ + n_, o.v_); }
  bool operator!=(const Dims& o) const { return !(*this == o); }

  // Product of all entries (1 for a scalar). A product past int64 is a bug or a crafted
  // file, never a real tensor: it throws instead of wrapping (signed overflow is UB).
  int64_t numel() const {
    int64_t p = 1;
    for (int i = 0; i < n_; ++i)
      VCC_CHECK(!__builtin_mul_overflow(p, v_[i], &p), "shape ", str(), " has more than 2^63 elements");
    return p;
  }
  std::string str() const {
    std::string s = "[";
    for (int i = 0; i < n_; ++i) s += (i ? "," : "") + std::to_string(v_[i]);
    return s + "]";
  }

 private:
  template <class It>
  void assign(It first, It last) {
    n_ = 0;
    for (; first != last; ++first) push_back(static_cast<int64_t>(*first));
  }
  int64_t v_[kMaxDims] = {};
  int n_ = 0;
};

using Shape = Dims;
using Strides = Dims;

inline std::ostream& operator<<(std::ostream& os, const Dims& d) { return os << d.str(); }

// Row-major strides of a shape.
inline Strides contiguous_strides(const Shape& shape) {
  Strides s = Dims::filled(shape.size(), 1);
  for (int i = shape.size() - 2; i >= 0; --i)
    VCC_CHECK(!__builtin_mul_overflow(s[i + 1], std::max<int64_t>(shape[i + 1], 1), &s[i]), "shape ", shape.str(),
              " has strides past 2^63");
  return s;
}

// Normalises a possibly negative axis against a rank.
inline int wrap_dim(int dim, int rank) {
  int d = dim < 0 ? dim + rank : dim;
  VCC_CHECK(d >= 0 && d < rank, "dimension ", dim, " out of range for rank ", rank);
  return d;
}

// NumPy broadcasting of two shapes; error names both shapes.
inline Shape broadcast_shapes(const Shape& a, const Shape& b) {
  int n = std::max(a.size(), b.size());
  Shape out = Dims::filled(n, 1);
  for (int i = 0; i < n; ++i) {
    int ia = a.size() - n + i, ib = b.size() - n + i;
    int64_t da = ia >= 0 ? a[ia] : 1, db = ib >= 0 ? b[ib] : 1;
    VCC_CHECK(da == db || da == 1 || db == 1, "shapes ", a.str(), " and ", b.str(), " do not broadcast");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

}  // namespace vcc
