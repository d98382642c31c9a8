// Bulk reader of dm-array blocks: reads every array block of a set of arrays exactly once, in
// ascending location order coalesced into large reads, on a small pool of threads, validates
// each block and hands it to a callback. Shared blocks (one block at several indices, as the
// draft dm-array shared its default block when growing) are read once and handed over once per
// use.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>

#include "era_metadata/array.hpp"
#include "era_metadata/metadata_source.hpp"

namespace era_metadata {

struct ArrayScanOptions {
  unsigned threads = 0;              // 0: max(4, hardware_concurrency): reads overlap
  std::size_t max_run_blocks = 256;  // largest single read, in blocks (1 MiB)
};

// fn(array_id, index, block) for every array block of every array, after validate_array_block.
// `block` is the whole 4096-byte block; values start at ablock::kHeaderSize. fn may be called
// concurrently from several threads and must be thread-safe. The first exception thrown (by a
// read, a validation or fn) stops the scan and is rethrown.
using ArrayBlockFn =
    std::function<void(std::size_t array_id, std::uint64_t index, const std::byte* block)>;
void scan_array_blocks(const MetadataSource& source, std::span<const ArrayRef> arrays,
                       const ArrayScanOptions& options, const ArrayBlockFn& fn);

// The same, but once per distinct (array, block location): fn(array_id, indices, block) with
// every index of that array using the block (ascending; usually one, many for a block the
// valid layout may share), each validated. Work that depends only on the block's content can thus
// be done once per block instead of once per index.
using SharedArrayBlockFn = std::function<void(
    std::size_t array_id, std::span<const std::uint64_t> indices, const std::byte* block)>;
void scan_shared_array_blocks(const MetadataSource& source, std::span<const ArrayRef> arrays,
                              const ArrayScanOptions& options, const SharedArrayBlockFn& fn);

}  // namespace era_metadata
