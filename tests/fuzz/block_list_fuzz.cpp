// libFuzzer target: the input is a `copy --blocks` list (era_invalidate XML or BEGIN END lines).
// It may not crash, hang, leak or read out of bounds; BlockListError is the expected failure.
// Every range returned is non-empty, and its byte extents do not overflow.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "src/copy/block_list.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const auto ranges = schelk::parse_block_list(text, "fuzz");
    for (const auto& r : ranges) {
      if (r.end <= r.begin) std::abort();
    }
    const auto extents = schelk::to_extents(ranges, 4096);
    for (const auto& e : extents) {
      if (e.length == 0 || e.offset % 4096 != 0) std::abort();
    }
  } catch (const schelk::BlockListError&) {
  }
  return 0;
}
