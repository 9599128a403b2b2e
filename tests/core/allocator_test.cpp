// The host allocator keeps freed large blocks for reuse (core/allocator.cpp); ASan builds keep none.
#include "core/allocator.h"

#include <gtest/gtest.h>

#include "core/tensor.h"

namespace vcc {
namespace {

constexpr int64_t kMiB = int64_t{1} << 20;

#if defined(VCC_TESTS_UNDER_ASAN)
constexpr bool kCacheOn = false;
#else
constexpr bool kCacheOn = true;
#endif

int64_t cached() { return cpu_memory_stats().cached_bytes; }

TEST(HostAllocatorCache, ReusesAFreedLargeBlockForTheSameSize) {
  release_cpu_cache();
  const void* first = nullptr;
  {
    Tensor t = Tensor::empty({3 * kMiB / 4}, DType::F32);  // 3 MiB
    first = t.raw_data();
  }
  EXPECT_EQ(cached(), kCacheOn ? 3 * kMiB : 0);
  Tensor again = Tensor::empty({3 * kMiB / 4}, DType::F32);
  if (kCacheOn) {
    EXPECT_EQ(again.raw_data(), first);
  }
  EXPECT_EQ(cached(), 0);
  // Live bytes count the tensor, not the cache.
  EXPECT_GE(cpu_memory_stats().live_bytes, 3 * kMiB);
}

TEST(HostAllocatorCache, KeepsNoSmallBlocksAndReleasesOnRequest) {
  release_cpu_cache();
  { Tensor small = Tensor::empty({1000}, DType::F32); }
  EXPECT_EQ(cached(), 0);
  { Tensor big = Tensor::empty({2 * kMiB}, DType::U8); }
  EXPECT_EQ(cached(), kCacheOn ? 2 * kMiB : 0);
  EXPECT_EQ(release_cpu_cache(), kCacheOn ? 2 * kMiB : 0);
  EXPECT_EQ(cached(), 0);
}

// Live plus kept bytes stay within 5/4 of the highest live total so far (at least 256 MiB): a
// freed 200 MiB block is kept, and a later 150 MiB request, which the cache cannot serve, first
// gives it back (holding both would be 350 MiB); that block is then kept in its turn. (Blocks
// this size are mapped, never touched: the test costs no memory.)
TEST(HostAllocatorCache, HoldsNoMoreThanFiveQuartersOfTheHighestLiveTotal) {
  if (!kCacheOn) GTEST_SKIP() << "no cache under AddressSanitizer";
  release_cpu_cache();
  // The bound follows the highest live total so far; this needs a process that never held much
  // (ctest runs each test alone; the whole binary in one process may skip it).
  if (cpu_memory_stats().peak_bytes > 32 * kMiB) GTEST_SKIP() << "needs a process that never held 32 MiB";
  set_cpu_cache_reserve(0);  // whatever memory this machine has left
  { Tensor a = Tensor::empty({200 * kMiB}, DType::U8); }
  EXPECT_EQ(cached(), 200 * kMiB);
  {
    Tensor b = Tensor::empty({150 * kMiB}, DType::U8);
    EXPECT_EQ(cached(), 0);
  }
  EXPECT_EQ(cached(), 150 * kMiB);
  {
    Tensor live = Tensor::empty({200 * kMiB}, DType::U8);
    EXPECT_EQ(cached(), 0);  // 200 live + 150 kept would pass 256: the kept block went back
    { Tensor c = Tensor::empty({100 * kMiB}, DType::U8); }
    EXPECT_EQ(cached(), 100 * kMiB);  // 300 live at the peak: the bound is now 375
  }
  EXPECT_EQ(cached(), 300 * kMiB);
  { Tensor d = Tensor::empty({50 * kMiB}, DType::U8); }  // a miss, but 300 + 50 fit under 375
  EXPECT_EQ(cached(), 350 * kMiB);
  { Tensor e = Tensor::empty({120 * kMiB}, DType::U8); }  // 350 + 120 > 375: the 200 go back first
  EXPECT_EQ(cached(), 270 * kMiB);
  release_cpu_cache();
}

// When the system is short of memory, freed blocks go back instead of being kept, and a miss
// gives back every kept one.
TEST(HostAllocatorCache, KeepsNothingWhenTheSystemIsShortOfMemory) {
  if (!kCacheOn) GTEST_SKIP() << "no cache under AddressSanitizer";
  release_cpu_cache();
  if (cpu_memory_stats().peak_bytes > 32 * kMiB) GTEST_SKIP() << "needs a process that never held 32 MiB";
  set_cpu_cache_reserve(0);
  { Tensor a = Tensor::empty({20 * kMiB}, DType::U8); }
  EXPECT_EQ(cached(), 20 * kMiB);
  set_cpu_cache_reserve(int64_t{1} << 62);  // more than any machine has
  { Tensor b = Tensor::empty({30 * kMiB}, DType::U8); }
  EXPECT_EQ(cached(), 0);
  set_cpu_cache_reserve(0);
  { Tensor c = Tensor::empty({30 * kMiB}, DType::U8); }
  EXPECT_EQ(cached(), 30 * kMiB);
  release_cpu_cache();
}

}  // namespace
}  // namespace vcc
