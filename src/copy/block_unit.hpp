// The unit of a `--blocks` list for `schelk copy` / `schelk verify`: reading the list's text
// (file or stdin), deciding the bytes per listed block, and refusing a block size the devices
// cannot transfer without widening. era_invalidate XML carries no block size, so an XML list needs
// --block-size or --metadata (the dm-era metadata, whose superblock holds the data block size);
// a text list of 'BEGIN END' lines keeps the default of 4096 bytes.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "copier/device.hpp"
#include "copier/extent.hpp"
#include "src/copy/block_list.hpp"

namespace schelk {

// A block list read whole: its text, the name messages use ("stdin" or the path), and whether it
// is XML.
struct BlockListText {
  std::string text;
  std::string source;
  bool xml = false;
};

// Reads FILE ("-" = stdin). Throws std::system_error "block list <path>: <reason>" (a directory,
// a file that cannot be opened or read).
[[nodiscard]] BlockListText read_block_list_text(const std::string& file);

// The block size cannot be decided from the command line: a usage error (exit 2).
class BlockSizeUsageError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

inline constexpr std::uint64_t kDefaultBlockSize = 4096;

// What the command line says about the list's unit.
struct BlockSizeSources {
  std::optional<std::uint64_t> given;  // --block-size, when given
  std::string metadata;                // --metadata PATH, or empty
};

// The data block size in bytes of the dm-era metadata at `path` (a device or an image), from its
// live superblock. The device may be in use by dm-era: it is opened without O_EXCL. Throws
// std::runtime_error "--metadata <path>: <what>" when it cannot be read or is not era metadata.
[[nodiscard]] std::uint64_t metadata_data_block_size(const std::string& path);

// The bytes per block of `list` (nullptr: no list): --block-size when given, else the data block
// size of --metadata's superblock, else (text lists, or no list) kDefaultBlockSize. Throws
// BlockSizeUsageError for an XML list with neither option, and when both are given and differ;
// what metadata_data_block_size throws.
[[nodiscard]] std::uint64_t list_block_size(const BlockListText* list,
                                            const BlockSizeSources& sources);

// Refuses a block size that is not a whole number of `device`'s direct-I/O units (its logical
// block size): such blocks could only be copied or compared by widening them to their neighbours.
// Throws std::runtime_error naming the device and both sizes.
void check_block_size_fits(std::uint64_t block_size, const copier::Device& device);

// A --blocks list parsed, with its unit decided.
struct BlockList {
  bool present = false;  // --blocks was given
  std::vector<ListedRange> ranges;
  std::uint64_t block_size = kDefaultBlockSize;
};

// Reads and parses FILE (empty: no list; "-": stdin), then decides the block size with
// list_block_size. Throws what read_block_list_text, parse_block_list and list_block_size throw.
[[nodiscard]] BlockList load_block_list(const std::string& file, const BlockSizeSources& sources);

// The list's byte extents for copying between or comparing `devices`, after
// check_block_size_fits on each. Throws std::runtime_error, BlockListError (overflow).
[[nodiscard]] std::vector<copier::Extent> block_list_extents(
    const BlockList& list, std::initializer_list<const copier::Device*> devices);

}  // namespace schelk
