// Typed damage found in dm-era metadata, and the one collector of findings. A Damage says what
// is wrong (a closed kind), at which metadata block, in which structure (`where`) and how
// (`detail`); to_string() gives the one-line message the tools print ("writeset tree node at
// block 4: nr_entries 202 > max_entries 201"). Validators return std::optional<Damage>; walkers
// throw MetadataError (errors.hpp) carrying one; era_check, era_dump and the written-since
// reader collect warnings (and era_check errors) in a Findings.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace era_metadata {

enum class DamageKind : std::uint8_t {
  kTooSmall,             // the device cannot hold a superblock
  kUnformatted,          // the superblock is all zero
  kChecksum,             // bad checksum, not that of another kind of block
  kWrongBlockKind,       // the checksum is that of another kind of block
  kMagic,                // superblock magic
  kVersion,              // superblock version
  kBlockNr,              // blocknr field != the block's location
  kMetadataBlockSize,    // superblock metadata_block_size
  kNrBlocks,             // superblock nr_blocks >= 2^31
  kUnknownFlags,         // superblock flag bits we do not know (warning)
  kNoSnapshot,           // a metadata snapshot was asked for but none is held
  kPointerPastEnd,       // a pointer or block range past the end of the metadata
  kPointerToSuperblock,  // a pointer to block 0
  kShortRead,            // the device ended before its measured size (it shrank)
  kNodeFlags,            // btree node flags neither INTERNAL nor LEAF
  kValueSize,            // value_size not the one this structure needs
  kMaxEntries,           // max_entries too large, wrong, or not a multiple of 3 (warning)
  kNrEntries,            // nr_entries > max_entries, or not what the array needs
  kEmptyNode,            // an internal node or a non-root leaf with no entries
  kUnderfull,            // a non-root node below a third full (warning)
  kKeysOutOfOrder,       // keys of a node not strictly ascending
  kKeyOutsideParent,     // a node's keys outside the range its parent gives
  kLeafDepth,            // leaves at different depths
  kTooDeep,              // a tree deeper than kMaxBtreeDepth
  kCycle,                // a node reached twice inside one tree
  kArrayIndices,         // a dm-array btree's keys are not 0..n-1
  kArrayLength,          // a dm-array has more or fewer blocks than its length needs
  kEraTooGreat,          // an era (value or writeset key) above current_era or 32 bits
  kBitsetSize,           // a writeset's nr_bits != nr_blocks (warning)
  kRoleConflict,         // one block used in two roles
  kSpaceMapSize,         // space map nr_blocks too large, or larger than the device
  kSpaceMapCount,        // nr_free or nr_allocated disagree with the bitmaps (warning)
  kRefCount,             // reference counts disagree (space map vs ref-count tree vs walk)
  kIncompleteWalk,       // counts not compared because a walk failed (warning)
};

enum class Severity : std::uint8_t {
  kError,    // the metadata must not be trusted
  kWarning,  // an oddity the kernel tolerates
};

struct Damage {
  DamageKind kind = DamageKind::kChecksum;
  std::optional<std::uint64_t> block;  // the metadata block it was found in, if one
  std::string where;   // the structure: "superblock", "era array btree", ...; may be empty
  std::string detail;  // what is wrong: "nr_entries 300 > max_entries 252"
  Severity severity = Severity::kError;

  [[nodiscard]] bool fatal() const noexcept { return severity == Severity::kError; }
};

[[nodiscard]] Damage make_error(DamageKind kind, std::optional<std::uint64_t> block,
                                std::string where, std::string detail);
[[nodiscard]] Damage make_warning(DamageKind kind, std::optional<std::uint64_t> block,
                                  std::string where, std::string detail);

// "where: detail", or the detail alone when where is empty.
[[nodiscard]] std::string to_string(const Damage& damage);

// The same damage with `prefix` put before its message ("snapshot ", "repair: skipped: ").
[[nodiscard]] Damage with_prefix(Damage damage, std::string_view prefix);

// Findings of one read or check, in the order found. Not thread-safe: concurrent callers lock.
class Findings {
 public:
  void add(Damage damage);
  [[nodiscard]] const std::vector<Damage>& errors() const noexcept { return errors_; }
  [[nodiscard]] const std::vector<Damage>& warnings() const noexcept { return warnings_; }
  [[nodiscard]] bool ok() const noexcept { return errors_.empty(); }
  // One line per finding as the era tools print them: every "warning: ..." line, then every
  // "error: ..." line.
  [[nodiscard]] std::vector<std::string> to_strings() const;

 private:
  std::vector<Damage> errors_;
  std::vector<Damage> warnings_;
};

}  // namespace era_metadata
