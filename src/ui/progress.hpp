// A one-line terminal progress display on stderr: bytes done of total, average rate and ETA,
// redrawn at most ten times a second, and only when stderr is a terminal.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace schelk::ui {

// The text of one progress line (no carriage return), numbers as base/format.hpp writes them:
// "copy: 1.50 GiB / 4.00 GiB (37.5%)  812.3 MB/s  ETA 0:03".
[[nodiscard]] std::string format_progress(const std::string& label, std::uint64_t done,
                                          std::uint64_t total, double elapsed_seconds);

class ProgressLine {
 public:
  // Enabled only if stderr is a terminal.
  explicit ProgressLine(std::string label);
  ProgressLine(std::string label, bool enabled);
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;
  ~ProgressLine();  // finish()

  // Redraws if 100 ms passed since the last draw (or when done == total).
  void update(std::uint64_t done_bytes, std::uint64_t total_bytes);
  // Draws the final state and ends the line; later calls do nothing.
  void finish();

 private:
  void draw();

  std::string label_;
  bool enabled_;
  bool drawn_ = false;
  bool finished_ = false;
  std::uint64_t done_ = 0, total_ = 0;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace schelk::ui
