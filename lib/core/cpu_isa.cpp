#include "core/cpu_isa.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <string>

#include "core/error.h"

namespace vcc {
namespace {

CpuIsa detect() {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  __builtin_cpu_init();
  // libgcc's checks include the OS saving the wider registers (XGETBV).
  if (__builtin_cpu_supports("avx512f"))
    return __builtin_cpu_supports("avx512bf16") ? CpuIsa::Avx512Bf16 : CpuIsa::Avx512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return CpuIsa::Avx2;
#endif
  return CpuIsa::Generic;
}

CpuIsa cap_from_environment() {
  const char* v = std::getenv("VCC_CPU_ISA");
  if (v == nullptr || *v == '\0') return CpuIsa::Avx512Bf16;
  const std::string s(v);
  if (s == "avx512bf16") return CpuIsa::Avx512Bf16;
  if (s == "avx512") return CpuIsa::Avx512;
  if (s == "avx2") return CpuIsa::Avx2;
  if (s == "generic") return CpuIsa::Generic;
  throw Error("VCC_CPU_ISA=" + s + ": expected avx512bf16, avx512, avx2 or generic");
}

std::atomic<int>& cap() {
  static std::atomic<int> c{static_cast<int>(cap_from_environment())};
  return c;
}

}  // namespace

CpuIsa cpu_isa_available() {
  static const CpuIsa isa = detect();
  return isa;
}

CpuIsa cpu_isa() {
  return static_cast<CpuIsa>(std::min(static_cast<int>(cpu_isa_available()), cap().load(std::memory_order_relaxed)));
}

void cap_cpu_isa(CpuIsa c) { cap().store(static_cast<int>(c)); }
CpuIsa cpu_isa_cap() { return static_cast<CpuIsa>(cap().load()); }

const char* isa_name(CpuIsa isa) {
  switch (isa) {
    case CpuIsa::Avx512Bf16: return "avx512bf16";
    case CpuIsa::Avx512: return "avx512";
    case CpuIsa::Avx2: return "avx2";
    case CpuIsa::Generic: break;
  }
  return "generic";
}

}  // namespace vcc
