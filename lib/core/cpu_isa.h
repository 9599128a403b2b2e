#pragma once
// The vector instruction set of the CPU running this process, for the hand-written kernels
// that pick their code at run time (kernels/cpu/tile_gemm.cpp, kernels/cpu/philox_lanes.cpp):
// a portable x86-64-v3 build still runs 512-bit code on an AVX-512 CPU. (oneDNN picks its own
// GEMM kernels.)
//
// Avx512Bf16 adds VDPBF16PS (Zen 4, Cooper Lake, Sapphire Rapids and later): the bfloat16 tile
// products of the fused attention (kernels/cpu/tile_gemm_bf16.cpp) run on it; below it they
// are emulated with two float32 FMAs that give the same bits.
//
// VCC_CPU_ISA=avx512 (or avx2, or generic) caps the choice for the whole process; cap_cpu_isa
// does it in code: tests run every path on one machine, benchmarks measure what each buys.
namespace vcc {

enum class CpuIsa { Generic, Avx2, Avx512, Avx512Bf16 };  // ordered: each has everything before it

// The best the CPU and the OS support, at most the cap.
CpuIsa cpu_isa();
// What the hardware offers, ignoring any cap.
CpuIsa cpu_isa_available();
void cap_cpu_isa(CpuIsa cap);
CpuIsa cpu_isa_cap();
const char* isa_name(CpuIsa isa);

}  // namespace vcc
