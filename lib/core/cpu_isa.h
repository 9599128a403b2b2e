#pragma once
// The vector instruction set of the CPU running this process, for the hand-written kernels
// that pick their code at run time (kernels/cpu/tile_gemm.cpp, kernels/cpu/philox_lanes.cpp):
// a portable x86-64-v3 build still runs 512-bit code on an AVX-512 CPU. (oneDNN picks its own
// GEMM kernels.)
//
// VCC_CPU_ISA=avx2 (or generic) caps the choice for the whole process; cap_cpu_isa does it
// in code: tests run both paths on one machine, benchmarks measure what AVX-512 buys.
namespace vcc {

enum class CpuIsa { Generic, Avx2, Avx512 };  // ordered: each has everything before it

// The best the CPU and the OS support, at most the cap.
CpuIsa cpu_isa();
// What the hardware offers, ignoring any cap.
CpuIsa cpu_isa_available();
void cap_cpu_isa(CpuIsa cap);
CpuIsa cpu_isa_cap();
const char* isa_name(CpuIsa isa);

}  // namespace vcc
