// CPU launcher for concat: every contiguous input contributes one run of bytes to each
// outer row of the output, copied with memcpy (dtype-agnostic); other inputs go through
// the strided copy of a narrowed output view.
#include <cstring>
#include <vector>

#include "core/parallel.h"
#include "kernels/index.h"

namespace vcc::kernels::cpu {

void concat(const std::vector<Tensor>& xs, int dim, const Tensor& out) {
  const int64_t es = static_cast<int64_t>(out.element_size());
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < dim; ++d) outer *= out.size(d);
  for (int d = dim + 1; d < out.dim(); ++d) inner *= out.size(d);
  const int64_t out_row = out.size(dim) * inner * es;  // bytes per outer row of out

  struct Run {
    const char* src;
    int64_t bytes;   // per outer row, also the source's row pitch
    int64_t column;  // byte offset within an output row
  };
  std::vector<Run> runs;
  int64_t start = 0;
  for (const Tensor& x : xs) {
    const int64_t n = x.size(dim);
    if (n > 0) {
      if (x.is_contiguous())
        runs.push_back({static_cast<const char*>(x.raw_data()), n * inner * es, start * inner * es});
      else
        out.narrow(dim, start, n).copy_(x);
    }
    start += n;
  }
  if (runs.empty()) return;
  char* base = static_cast<char*>(out.raw_data());
  const int64_t count = static_cast<int64_t>(runs.size());
  const int64_t avg_bytes = std::max<int64_t>(out_row / count, 1);
  parallel_for(0, outer * count, (int64_t{1} << 17) / avg_bytes + 1, [&](int64_t u0, int64_t u1) {
    for (int64_t u = u0; u < u1; ++u) {
      const int64_t o = u / count;
      const Run& r = runs[u % count];
      std::memcpy(base + o * out_row + r.column, r.src + o * r.bytes, r.bytes);
    }
  });
}

}  // namespace vcc::kernels::cpu
