#include "era_metadata/block_bitmap.hpp"

#include <catch2/catch.hpp>
#include <random>
#include <utility>
#include <vector>

using era_metadata::BlockBitmap;

namespace {

std::vector<std::pair<std::uint64_t, std::uint64_t>> naive_runs(const std::vector<bool>& v) {
  std::vector<std::pair<std::uint64_t, std::uint64_t>> runs;
  for (std::uint64_t i = 0; i < v.size();) {
    if (!v[i]) {
      ++i;
      continue;
    }
    std::uint64_t j = i;
    while (j < v.size() && v[j]) ++j;
    runs.emplace_back(i, j);
    i = j;
  }
  return runs;
}

}  // namespace

TEST_CASE("BlockBitmap runs equal a naive scan for random and edge patterns") {
  std::mt19937_64 rng(7);
  for (std::uint64_t size : {0ull, 1ull, 63ull, 64ull, 65ull, 128ull, 1000ull, 4097ull}) {
    for (int density = 0; density <= 4; ++density) {
      BlockBitmap bm(size);
      std::vector<bool> ref(size);
      for (std::uint64_t i = 0; i < size; ++i) {
        bool on = density == 4 ? true : (rng() % 4) < static_cast<unsigned>(density);
        if (density == 2 && (i / 70) % 2 == 0) on = true;  // long runs across word edges
        if (on) {
          bm.set(i);
          ref[i] = true;
        }
      }
      std::vector<std::pair<std::uint64_t, std::uint64_t>> got;
      bm.for_each_run([&](std::uint64_t b, std::uint64_t e) { got.emplace_back(b, e); });
      CHECK(got == naive_runs(ref));
      std::uint64_t n = 0;
      for (bool b : ref) n += b;
      CHECK(bm.count() == n);
      for (std::uint64_t i = 0; i < size; ++i) REQUIRE(bm.test(i) == ref[i]);
    }
  }
}

TEST_CASE("BlockBitmap atomic_or_word drops bits beyond the size") {
  BlockBitmap bm(70);
  bm.atomic_or_word(1, ~std::uint64_t{0});
  bm.atomic_or_word(2, 1);  // past the end: ignored
  CHECK(bm.count() == 6);
  std::vector<std::pair<std::uint64_t, std::uint64_t>> got;
  bm.for_each_run([&](std::uint64_t b, std::uint64_t e) { got.emplace_back(b, e); });
  CHECK(got == std::vector<std::pair<std::uint64_t, std::uint64_t>>{{64, 70}});
}
