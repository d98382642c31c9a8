// The progress printer (src/ui/progress): which style each --progress mode gives with and without
// a terminal, the plain line's format, and the cadence of plain lines and bar redraws, driven by
// a fake clock (no sleeping, no timed test).
#include "src/ui/progress.hpp"

#include <stdlib.h>

#include <catch2/catch.hpp>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using schelk::ui::ProgressLine;
using schelk::ui::ProgressMode;
using schelk::ui::ProgressSettings;
using schelk::ui::ProgressStyle;

constexpr std::uint64_t kMiB = 1 << 20;

// A fake clock and a writer that keeps what was written.
struct Harness {
  double now = 100.0;
  std::vector<std::string> writes;

  ProgressSettings settings(ProgressMode mode, bool tty) {
    ProgressSettings s;
    s.mode = mode;
    s.tty = tty;
    s.clock = [this] { return now; };
    s.write = [this](const std::string& text) { writes.push_back(text); };
    return s;
  }
  // `seconds` later, `done_mib` of 100 MiB done.
  void step(ProgressLine& line, double seconds, std::uint64_t done_mib) {
    now += seconds;
    line.update(done_mib * kMiB, 100 * kMiB);
  }
};

}  // namespace

TEST_CASE("progress modes: never, always and auto with and without a terminal", "[ui][progress]") {
  using schelk::ui::progress_style;
  CHECK(progress_style(ProgressMode::kNever, true) == ProgressStyle::kNone);
  CHECK(progress_style(ProgressMode::kNever, false) == ProgressStyle::kNone);
  CHECK(progress_style(ProgressMode::kAlways, true) == ProgressStyle::kBar);
  CHECK(progress_style(ProgressMode::kAlways, false) == ProgressStyle::kPlain);
  CHECK(progress_style(ProgressMode::kAuto, true) == ProgressStyle::kBar);
  CHECK(progress_style(ProgressMode::kAuto, false) == ProgressStyle::kPlain);
}

TEST_CASE("progress mode from the option, else SCHELK_PROGRESS, else auto", "[ui][progress]") {
  using schelk::ui::parse_progress_mode;
  using schelk::ui::resolve_progress_mode;
  CHECK(parse_progress_mode("auto") == ProgressMode::kAuto);
  CHECK(parse_progress_mode("always") == ProgressMode::kAlways);
  CHECK(parse_progress_mode("never") == ProgressMode::kNever);
  CHECK_THROWS_WITH(parse_progress_mode("sometimes"),
                    "unknown progress mode 'sometimes' (auto, always or never)");
  ::unsetenv("SCHELK_PROGRESS");
  CHECK(resolve_progress_mode(std::nullopt) == ProgressMode::kAuto);
  ::setenv("SCHELK_PROGRESS", "never", 1);
  CHECK(resolve_progress_mode(std::nullopt) == ProgressMode::kNever);
  CHECK(resolve_progress_mode(std::string("always")) == ProgressMode::kAlways);
  ::setenv("SCHELK_PROGRESS", "loud", 1);
  CHECK_THROWS_WITH(resolve_progress_mode(std::nullopt),
                    "SCHELK_PROGRESS: unknown progress mode 'loud' (auto, always or never)");
  ::unsetenv("SCHELK_PROGRESS");
}

TEST_CASE("plain lines: format, newline-terminated, no carriage return", "[ui][progress]") {
  CHECK(schelk::ui::format_progress("copy", 256 * kMiB, 1024 * kMiB, 2.0) ==
        "copy: 256.00 MiB / 1.00 GiB (25.0%)  128.0 MiB/s  ETA 0:06");
  CHECK(schelk::ui::format_progress("verify", 0, 1024, 0.0) == "verify: 0 B / 1.00 KiB (0.0%)");
  Harness h;
  auto line = std::make_unique<ProgressLine>("copy", h.settings(ProgressMode::kAlways, false));
  h.now += 5;
  line->update(64 * kMiB, 128 * kMiB);
  line.reset();  // finish() adds no line: the last one already showed this state
  REQUIRE(h.writes.size() == 1);
  CHECK(h.writes[0] == "copy: 64.00 MiB / 128.00 MiB (50.0%)  12.8 MiB/s  ETA 0:05\n");
}

TEST_CASE("always without a terminal: a line at once, every interval, and at the end",
          "[ui][progress]") {
  Harness h;
  ProgressLine line("copy", h.settings(ProgressMode::kAlways, false));
  line.update(0, 100 * kMiB);  // the start is shown at once
  CHECK(h.writes.size() == 1);
  // Steps of 1/4 s (exact in binary) up to 4.75 s: nothing more.
  for (int i = 1; i <= 19; ++i) {
    h.now += 0.25;
    line.update(static_cast<std::uint64_t>(i) * kMiB, 100 * kMiB);
  }
  CHECK(h.writes.size() == 1);
  h.step(line, 0.25, 50);  // 5 s since the first line
  REQUIRE(h.writes.size() == 2);
  CHECK(h.writes[1] == "copy: 50.00 MiB / 100.00 MiB (50.0%)  10.0 MiB/s  ETA 0:05\n");
  h.step(line, 4.75, 99);
  CHECK(h.writes.size() == 2);
  h.now += 0.125;
  line.update(100 * kMiB, 100 * kMiB);  // 0.125 s before the next line is due
  CHECK(h.writes.size() == 2);
  h.now += 0.125;
  line.finish();  // the end is shown
  REQUIRE(h.writes.size() == 3);
  CHECK(h.writes[2] == "copy: 100.00 MiB / 100.00 MiB (100.0%)  10.0 MiB/s  in 0:10\n");
  line.finish();  // once only
  CHECK(h.writes.size() == 3);
}

TEST_CASE("auto without a terminal: nothing for short work, lines once it has run 5 s",
          "[ui][progress]") {
  Harness h;
  {
    ProgressLine line("copy", h.settings(ProgressMode::kAuto, false));
    for (int i = 1; i <= 16; ++i) {  // 4 s of work
      h.now += 0.25;
      line.update(static_cast<std::uint64_t>(i) * kMiB, 16 * kMiB);
    }
  }
  CHECK(h.writes.empty());

  ProgressLine line("copy", h.settings(ProgressMode::kAuto, false));
  h.step(line, 4.75, 49);
  CHECK(h.writes.empty());
  h.step(line, 0.25, 50);
  REQUIRE(h.writes.size() == 1);
  CHECK(h.writes[0] == "copy: 50.00 MiB / 100.00 MiB (50.0%)  10.0 MiB/s  ETA 0:05\n");
  h.step(line, 2.5, 75);
  CHECK(h.writes.size() == 1);
  h.step(line, 2.5, 100);
  CHECK(h.writes.size() == 2);
  line.finish();  // the last line already showed the end
  CHECK(h.writes.size() == 2);

  ProgressLine longer("copy", h.settings(ProgressMode::kAuto, false));
  h.now += 5;
  longer.update(10 * kMiB, 100 * kMiB);
  h.now += 1;
  longer.update(20 * kMiB, 100 * kMiB);
  longer.finish();  // a log that showed the work also shows where it ended
  REQUIRE(h.writes.size() == 4);
  CHECK(h.writes[3] == "copy: 20.00 MiB / 100.00 MiB (20.0%)  3.3 MiB/s  ETA 0:24\n");
}

TEST_CASE("never prints nothing, with or without a terminal", "[ui][progress]") {
  Harness h;
  for (const bool tty : {true, false}) {
    ProgressLine line("copy", h.settings(ProgressMode::kNever, tty));
    for (int i = 0; i < 100; ++i) {
      h.now += 1;
      line.update(static_cast<std::uint64_t>(i), 100);
    }
    line.finish();
  }
  CHECK(h.writes.empty());
}

TEST_CASE("on a terminal: a bar redrawn in place at most every 100 ms", "[ui][progress]") {
  Harness h;
  ProgressLine line("copy", h.settings(ProgressMode::kAuto, true));
  h.step(line, 1, 10);
  REQUIRE(h.writes.size() == 1);
  CHECK(h.writes[0] == "\rcopy: 10.00 MiB / 100.00 MiB (10.0%)  10.0 MiB/s  ETA 0:09\033[K");
  h.step(line, 0.0625, 11);  // binary fractions: exact
  CHECK(h.writes.size() == 1);
  h.step(line, 0.0625, 12);
  CHECK(h.writes.size() == 2);
  line.update(100 * kMiB, 100 * kMiB);  // the end is always drawn
  CHECK(h.writes.size() == 3);
  line.finish();
  REQUIRE(h.writes.size() == 5);
  CHECK(h.writes[4] == "\n");
}

TEST_CASE("phases: a new line for each label, timed from the phase's real start",
          "[ui][progress]") {
  Harness h;
  schelk::ui::PhasedProgress progress(h.settings(ProgressMode::kAlways, false));
  // The first report comes only at the end of a fast copy: the rate counts from construction.
  h.now += 2;
  progress.update("copy", 4 * kMiB, 4 * kMiB);
  h.now += 1;
  progress.update("verify", 2 * kMiB, 4 * kMiB);  // verify began at the copy's last report
  h.now += 1;
  progress.update("verify", 4 * kMiB, 4 * kMiB);
  progress.finish();
  REQUIRE(h.writes.size() == 3);
  CHECK(h.writes[0] == "copy: 4.00 MiB / 4.00 MiB (100.0%)  2.0 MiB/s  in 0:02\n");
  CHECK(h.writes[1] == "verify: 2.00 MiB / 4.00 MiB (50.0%)  2.0 MiB/s  ETA 0:01\n");
  CHECK(h.writes[2] == "verify: 4.00 MiB / 4.00 MiB (100.0%)  2.0 MiB/s  in 0:02\n");
}
