// Checksums of several metadata blocks at once. The crc32 instruction has a latency of three
// cycles but a throughput of one per cycle, so one block's dependency chain uses a third of
// it; interleaving three independent blocks uses all of it (the array scan's main CPU cost).
#pragma once

#include <cstddef>
#include <cstdint>

#include "era_metadata/checksum.hpp"

namespace era_metadata {

// ok[i] = verify_block(blocks + i*4096, kind) for i < count.
void verify_blocks(const std::byte* blocks, std::size_t count, BlockKind kind, bool* ok);

}  // namespace era_metadata
