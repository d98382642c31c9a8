// Progress of long work (a copy, a verification) on stderr, by --progress=auto|always|never
// (or env SCHELK_PROGRESS):
//   never  nothing;
//   always a redrawn bar on a terminal, else one plain line every interval (default 5 s) and a
//          last one at the end;
//   auto   the bar on a terminal, else plain lines only once the work has run for the interval
//          (a short copy prints nothing; a 30-minute one shows in a CI log).
// A plain line is newline-terminated, never has \r or escape codes, and reads
// "copy: 1.50 GiB / 4.00 GiB (37.5%)  812.3 MiB/s  ETA 0:03" (numbers as base/format.hpp).
// The clock and the writer are injectable so tests drive the cadence without sleeping.
// Nothing here throws but std::bad_alloc (parse_progress_mode: std::invalid_argument).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace schelk::ui {

enum class ProgressMode { kAuto, kAlways, kNever };

// "auto", "always", "never"; throws std::invalid_argument naming the value and the choices.
[[nodiscard]] ProgressMode parse_progress_mode(std::string_view text);

// The --progress value if given, else SCHELK_PROGRESS if set, else auto. Throws
// std::invalid_argument for a bad value in either (named with where it came from).
[[nodiscard]] ProgressMode resolve_progress_mode(const std::optional<std::string>& option);

// What a progress display does.
enum class ProgressStyle {
  kNone,   // prints nothing
  kBar,    // one line redrawn in place (\r), on a terminal
  kPlain,  // whole lines at a cadence, for logs
};

// never: none; a terminal: the bar; else plain (auto: only after the work has run a while).
[[nodiscard]] ProgressStyle progress_style(ProgressMode mode, bool stderr_is_tty);

// The text of one progress line (no \r, no newline): "LABEL: DONE / TOTAL (P%)  RATE  ETA M:SS",
// or "... in M:SS" once done == total.
[[nodiscard]] std::string format_progress(const std::string& label, std::uint64_t done,
                                          std::uint64_t total, double elapsed_seconds);

struct ProgressSettings {
  ProgressMode mode = ProgressMode::kAuto;
  bool tty = false;               // stderr is a terminal
  double plain_interval_s = 5.0;  // between plain lines; auto's first line also waits this long
  // Seconds on a monotonic clock; default: std::chrono::steady_clock.
  std::function<double()> clock;
  // Writes text as given; default: stderr, flushed.
  std::function<void(const std::string&)> write;
};

// Settings for the real stderr: `mode`, whether fd 2 is a terminal, the real clock and writer.
[[nodiscard]] ProgressSettings stderr_progress(ProgressMode mode);

// One phase's display. Rate and ETA count from `start_seconds` on the settings' clock (the
// phase's real start: the first report of progress may come at its end), else from now.
class ProgressLine {
 public:
  ProgressLine(std::string label, ProgressSettings settings,
               std::optional<double> start_seconds = std::nullopt);
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;
  ~ProgressLine();  // finish()

  // The bar redraws at most every 100 ms (and at done == total); a plain line is printed when
  // the interval has passed since the last one (auto: since the start, for the first).
  void update(std::uint64_t done_bytes, std::uint64_t total_bytes);
  // Ends the display: the bar is drawn a last time and its line ended; in plain style the final
  // line is printed if always, or if auto already printed one, unless the last line printed
  // already showed this state. Later calls do nothing.
  void finish();

 private:
  void emit(double now);
  [[nodiscard]] double now() const;

  std::string label_;
  ProgressSettings settings_;
  ProgressStyle style_;
  bool shown_ = false;            // something was printed
  std::uint64_t shown_done_ = 0;  // done_ when the last line was printed
  bool finished_ = false;
  std::uint64_t done_ = 0, total_ = 0;
  double start_ = 0, last_ = 0;
};

// A display for work in phases (copy, then verify): a new line for each new label. The first
// phase starts at construction (make it right before the work), a later one when the last report
// of the phase before it came.
class PhasedProgress {
 public:
  explicit PhasedProgress(ProgressSettings settings);
  void update(const std::string& label, std::uint64_t done_bytes, std::uint64_t total_bytes);
  void finish();

 private:
  ProgressSettings settings_;
  std::string label_;
  std::unique_ptr<ProgressLine> line_;
  double last_report_ = 0;  // when update() was last called (construction before the first)
};

}  // namespace schelk::ui
