// The recovery journal: the written-block set of a recover/promote, saved next to the state file
// (<state path>.written) before the dm-era target is removed, so an interrupted copy can resume
// on the next run instead of needing a full copy.
//
// Why a text format of its own rather than JSON like the state file: a written set can hold 10M
// ranges, and one "begin end" line each keeps it compact and cheap to write and parse; the
// closing "end" line tells a truncated file (a crash while saving, a full disk) from a whole one.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace schelk {

struct BlockRange {
  uint64_t begin = 0;  // dm-era blocks, end exclusive
  uint64_t end = 0;
  bool operator==(const BlockRange&) const = default;
};

struct Journal {
  std::string operation;  // "recover" or "promote"
  std::string dm_era_name;
  uint64_t granularity = 0;  // bytes per block
  uint64_t nr_blocks = 0;
  uint64_t era = 0;  // the era the set was read since
  std::vector<BlockRange> ranges;
  bool operator==(const Journal&) const = default;
};

std::filesystem::path journal_path_for(const std::filesystem::path& state_path);

std::string journal_to_text(const Journal& journal);
// Throws StateError naming the line on malformed input.
Journal journal_from_text(const std::string& text);

// Atomic save (tmp + fsync + rename + dir fsync).
void save_journal(const std::filesystem::path& state_path, const Journal& journal);
std::optional<Journal> load_journal(const std::filesystem::path& state_path);
void remove_journal(const std::filesystem::path& state_path);

}  // namespace schelk
