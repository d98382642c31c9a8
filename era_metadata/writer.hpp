// Builds fresh dm-era metadata from a model (what era_restore and the tests/benchmarks need):
// superblock, metadata space map, writeset btree, bitsets and the era array. Pure: blocks go
// out through a MetadataSink in ascending, gap-free order, in large batches.
// Layout (doc/dm-era-format.md sections 1-4): sb, sm index, ref-count leaf, sm bitmaps, writeset
// tree, each writeset's bitset (btree then array blocks), current writeset, era array (one
// block per index, as the kernel and 0.9 era_restore write it; optionally one shared zero block).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace era_metadata {

// The model is not writable (inconsistent, or does not fit the metadata device).
class WriterError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Receives consecutive metadata blocks: data.size() is a multiple of 4096 and holds the blocks
// first_block, first_block + 1, ...
class MetadataSink {
 public:
  virtual ~MetadataSink() = default;
  virtual void write_blocks(std::uint64_t first_block, std::span<const std::byte> data) = 0;
};

// A metadata device in memory, nr_blocks * 4096 bytes, zero-initialised.
class MemoryMetadataSink final : public MetadataSink {
 public:
  explicit MemoryMetadataSink(std::uint64_t nr_blocks);
  void write_blocks(std::uint64_t first_block, std::span<const std::byte> data) override;
  [[nodiscard]] const std::vector<std::byte>& image() const noexcept { return image_; }
  [[nodiscard]] std::vector<std::byte> take_image() noexcept { return std::move(image_); }

 private:
  std::vector<std::byte> image_;
};

// Fills out[0..count) with bitset words [first, first + count); called once per bitset array
// block (509 words), in ascending order.
using WordFill = std::function<void(std::uint64_t first, std::uint64_t* out, std::size_t count)>;

// One writeset: bit b (LSB first in word b / 64) set = data block b written in `era`.
// The words come from `fill` when set, else from `words`, whose size must then be
// ceil(nr_bits / 64). Bits at nr_bits and above are ignored.
struct WritesetModel {
  std::uint32_t era = 0;
  std::uint32_t nr_bits = 0;
  std::vector<std::uint64_t> words;
  WordFill fill;
};

// Fills out[0..count) with era_array[first .. first + count); called per array block, in
// ascending order, so a model can produce 456M entries without holding them. It must give the
// same values every time: the writer makes up to two passes (the first finds all-zero blocks)
// and the second skips blocks that are shared.
using EraArrayFill =
    std::function<void(std::uint64_t first, std::uint32_t* out, std::size_t count)>;

struct EraModel {
  std::uint32_t data_block_size = 0;  // sectors
  std::uint32_t nr_blocks = 0;
  std::uint32_t current_era = 0;
  std::vector<WritesetModel> writesets;           // archived; strictly ascending era
  std::optional<WritesetModel> current_writeset;  // its era field is ignored (= current_era)
  EraArrayFill era_array;                         // empty = every entry 0
};

// Era array filled from a vector (must hold nr_blocks values).
EraArrayFill era_array_from(std::vector<std::uint32_t> values);

struct WriterOptions {
  // Write every full era-array block whose values are all 0 once, referenced from each of its
  // indices (exact reference count in the space map). Off by default: mainline dm-array's resize
  // allocates one block per index (insert_new_ablock; fixtures/kernel images show it), and so
  // does 0.9 era_restore. Only a pre-merge dm-array draft shared a default block. On: a valid
  // layout that tests and benchmarks use to exercise the readers on shared blocks.
  bool share_zero_era_blocks = false;
};

// Metadata blocks the model occupies; the device needs at least this many.
[[nodiscard]] std::uint64_t metadata_blocks_needed(const EraModel& model,
                                                   const WriterOptions& options = {});

// Writes the whole metadata for a device of `device_blocks` 4 KiB blocks. Validates first and
// throws WriterError before the first block goes to the sink.
void write_metadata(const EraModel& model, std::uint64_t device_blocks, MetadataSink& sink,
                    const WriterOptions& options = {});

}  // namespace era_metadata
