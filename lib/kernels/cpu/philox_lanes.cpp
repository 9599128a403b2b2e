// One block per 64-bit lane: each 32-bit Philox word sits in the low half of a lane, so the
// round's 32 x 32 -> 64-bit products are single vpmuludq instructions (_mm*_mul_epu32, which
// read only the low halves) and their high words one shift. The lanes' high halves hold
// garbage that never reaches a low half; the words are masked when they are written out.
#include "kernels/cpu/philox_lanes.h"

#include <algorithm>
#include <cstring>

#include "core/cpu_isa.h"
#include "core/rng.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace vcc::kernels::cpu {
namespace {

constexpr uint32_t kMul0 = 0xD2511F53u, kMul1 = 0xCD9E8D57u;  // Philox-4x32's multipliers
constexpr uint32_t kWeyl0 = 0x9E3779B9u, kWeyl1 = 0xBB67AE85u;  // and key increments

#if defined(__x86_64__)
// Lane-wise shifts and logic through GCC's vector operators, the multiply and the shuffle as
// intrinsics. GCC 12's AVX-512 headers pass an undefined vector as the unused merge source of
// the masked builtins behind the unmasked intrinsics, and -Wmaybe-uninitialized flags it.
typedef uint64_t u64x8 __attribute__((vector_size(64)));
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

__attribute__((target("avx512f"))) void consecutive_avx512(uint64_t seed, uint64_t first, uint64_t count,
                                                            uint64_t counter_hi, uint32_t* out) {
  const u64x8 lane = {0, 1, 2, 3, 4, 5, 6, 7};
  const __m512i m0 = _mm512_set1_epi64(kMul0), m1 = _mm512_set1_epi64(kMul1);
  const __m512i first_half = _mm512_set_epi64(11, 3, 10, 2, 9, 1, 8, 0);  // interleave lanes 0-3
  const __m512i second_half = _mm512_set_epi64(15, 7, 14, 6, 13, 5, 12, 4);
  for (uint64_t base = 0; base < count; base += 8) {
    const u64x8 counter = lane + (first + base);
    u64x8 c0 = counter, c1 = counter >> 32;
    u64x8 c2 = u64x8{} + counter_hi, c3 = c2 >> 32;
    uint64_t k0 = static_cast<uint32_t>(seed), k1 = static_cast<uint32_t>(seed >> 32);
    for (int round = 0; round < 10; ++round) {
      const u64x8 p0 = reinterpret_cast<u64x8>(_mm512_mul_epu32(reinterpret_cast<__m512i>(c0), m0));
      const u64x8 p1 = reinterpret_cast<u64x8>(_mm512_mul_epu32(reinterpret_cast<__m512i>(c2), m1));
      c0 = (p1 >> 32) ^ c1 ^ k0;
      c2 = (p0 >> 32) ^ c3 ^ k1;
      c1 = p1;
      c3 = p0;
      k0 = static_cast<uint32_t>(k0 + kWeyl0);
      k1 = static_cast<uint32_t>(k1 + kWeyl1);
    }
    // Block l's words in memory order are the 64-bit values w01[l], w23[l].
    const u64x8 w01 = (c0 & 0xFFFFFFFFu) | (c1 << 32), w23 = (c2 & 0xFFFFFFFFu) | (c3 << 32);
    const __m512i a = reinterpret_cast<__m512i>(w01), b = reinterpret_cast<__m512i>(w23);
    alignas(64) uint32_t words[32];
    _mm512_store_si512(words, _mm512_permutex2var_epi64(a, first_half, b));
    _mm512_store_si512(words + 16, _mm512_permutex2var_epi64(a, second_half, b));
    std::memcpy(out + 4 * base, words, 4 * std::min<uint64_t>(8, count - base) * sizeof(uint32_t));
  }
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

__attribute__((target("avx2"))) void consecutive_avx2(uint64_t seed, uint64_t first, uint64_t count,
                                                       uint64_t counter_hi, uint32_t* out) {
  const __m256i lane = _mm256_set_epi64x(3, 2, 1, 0), low = _mm256_set1_epi64x(0xFFFFFFFFll);
  const __m256i m0 = _mm256_set1_epi64x(kMul0), m1 = _mm256_set1_epi64x(kMul1);
  for (uint64_t base = 0; base < count; base += 4) {
    const __m256i counter = _mm256_add_epi64(_mm256_set1_epi64x(static_cast<long long>(first + base)), lane);
    __m256i c0 = counter, c1 = _mm256_srli_epi64(counter, 32);
    __m256i c2 = _mm256_set1_epi64x(static_cast<long long>(counter_hi)), c3 = _mm256_srli_epi64(c2, 32);
    uint32_t k0 = static_cast<uint32_t>(seed), k1 = static_cast<uint32_t>(seed >> 32);
    for (int round = 0; round < 10; ++round) {
      const __m256i p0 = _mm256_mul_epu32(c0, m0), p1 = _mm256_mul_epu32(c2, m1);
      c0 = _mm256_xor_si256(_mm256_xor_si256(_mm256_srli_epi64(p1, 32), c1), _mm256_set1_epi64x(k0));
      c2 = _mm256_xor_si256(_mm256_xor_si256(_mm256_srli_epi64(p0, 32), c3), _mm256_set1_epi64x(k1));
      c1 = p1;
      c3 = p0;
      k0 += kWeyl0;
      k1 += kWeyl1;
    }
    const __m256i w01 = _mm256_or_si256(_mm256_and_si256(c0, low), _mm256_slli_epi64(c1, 32));
    const __m256i w23 = _mm256_or_si256(_mm256_and_si256(c2, low), _mm256_slli_epi64(c3, 32));
    const __m256i even = _mm256_unpacklo_epi64(w01, w23), odd = _mm256_unpackhi_epi64(w01, w23);  // blocks 0,2 / 1,3
    alignas(32) uint32_t words[16];
    _mm256_store_si256(reinterpret_cast<__m256i*>(words), _mm256_permute2x128_si256(even, odd, 0x20));
    _mm256_store_si256(reinterpret_cast<__m256i*>(words + 8), _mm256_permute2x128_si256(even, odd, 0x31));
    std::memcpy(out + 4 * base, words, 4 * std::min<uint64_t>(4, count - base) * sizeof(uint32_t));
  }
}
#endif

}  // namespace

void philox_consecutive(uint64_t seed, uint64_t first, uint64_t count, uint64_t counter_hi, uint32_t* out) {
#if defined(__x86_64__)
  switch (cpu_isa()) {
    case CpuIsa::Avx512Bf16:  // bfloat16 instructions are no use here
    case CpuIsa::Avx512: return consecutive_avx512(seed, first, count, counter_hi, out);
    case CpuIsa::Avx2: return consecutive_avx2(seed, first, count, counter_hi, out);
    case CpuIsa::Generic: break;
  }
#endif
  for (uint64_t c = 0; c < count; ++c) Philox::draw(seed, first + c, counter_hi, out + 4 * c);
}

}  // namespace vcc::kernels::cpu
