// The receive log (<state path>.receive): what an incremental `schelk receive` has written to
// scratch, so that a kill at any point is undone (stage 1: scratch rolled back from virgin) or
// finished (stage 2: the blocks copied scratch -> virgin) by the next receive.
//
// Append-only text, so a batch costs one small write and one fdatasync however many blocks came
// before: a header of "key value" lines, then "B E" block ranges (end exclusive), each batch's
// ranges synced before its data is written, then "scratch_complete" once the whole stream was
// checked and scratch synced. A last line without its newline is a write the kill cut short: its
// data was never written, so it is ignored.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "base/unique_fd.hpp"
#include "src/state/journal.hpp"

namespace schelk {

struct ReceiveLog {
  std::string baseline_id;
  uint64_t from_generation = 0;
  uint64_t to_generation = 0;
  uint64_t block_size = 0;
  std::vector<BlockRange> ranges;  // in the order logged; may touch or repeat
  bool scratch_complete = false;   // stage 2: scratch holds the whole checked stream
  bool scratch_was_clean = false;  // scratch equalled virgin before: it does again afterwards
};

std::filesystem::path receive_log_path_for(const std::filesystem::path& state_path);

// Throws StateError naming the line of a malformed log.
ReceiveLog receive_log_from_text(const std::string& text);
std::optional<ReceiveLog> load_receive_log(const std::filesystem::path& state_path);
void remove_receive_log(const std::filesystem::path& state_path);

class ReceiveLogWriter {
 public:
  // Creates the log with its header, synced with its directory. Throws std::system_error.
  ReceiveLogWriter(const std::filesystem::path& state_path, const ReceiveLog& header);
  // Appends and syncs: the ranges are on disk before their data is written.
  void append(const std::vector<BlockRange>& ranges);
  void mark_scratch_complete();

 private:
  void write_synced(const std::string& text);
  std::filesystem::path path_;
  base::UniqueFd fd_;
};

}  // namespace schelk
