// Reproducer of GCC 12's AVX-512 wrong code. CMakeLists.txt compiles and runs it at configure
// time with the build's flags to choose a workaround; ctest runs it built with the project's
// flags, so a compiler or flag change that brings the bug back fails the suite.
// GCC 12.2 with -march=x86-64-v4 (or native on an AVX-512 CPU) at -O2/-O3 stores the first
// element of the braced list into all four doubles: its SLP vectoriser builds the constant
// {1, 1, 0, 0} as a broadcast when another braced list (Dims) is built next to it. Found
// through Tensor::from_vector<double>({1, 1, 0, 0}, {B, np}) in a VCC selector test.
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <initializer_list>
#include <vector>

struct Dims {
  int64_t v[8] = {};
  int n = 0;
  Dims(std::initializer_list<int64_t> l) {
    for (auto x : l) v[n++] = x;
  }
};

__attribute__((noinline)) void fill(const std::vector<double>& vals, const Dims&, double* out) {
  std::memcpy(out, vals.data(), vals.size() * sizeof(double));
}

int main() {
  const int64_t rows = 1, cols = 4;
  double out[4];
  fill({1, 1, 0, 0}, {rows, cols}, out);
  std::printf("%g %g %g %g\n", out[0], out[1], out[2], out[3]);
  const bool right = out[0] == 1 && out[1] == 1 && out[2] == 0 && out[3] == 0;
  if (!right)
    std::printf("wrong code: expected 1 1 0 0. The compiler miscompiles braced lists for this "
                "CPU (GCC 12 AVX-512 SLP bug); configure with VCC_AVX512_WORKAROUND=AUTO\n");
  return right ? 0 : 1;
}
