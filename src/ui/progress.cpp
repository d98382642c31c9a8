// Terminal progress line; see progress.hpp.
#include "src/ui/progress.hpp"

#include <unistd.h>

#include <cstdio>

#include "base/format.hpp"

namespace schelk::ui {

std::string format_progress(const std::string& label, std::uint64_t done, std::uint64_t total,
                            double elapsed_seconds) {
  std::string line = label + ": " + base::format_bytes(done) + " / " + base::format_bytes(total);
  char buf[64];
  const double percent =
      total ? 100.0 * static_cast<double>(done) / static_cast<double>(total) : 100.0;
  std::snprintf(buf, sizeof buf, " (%.1f%%)", percent);
  line += buf;
  if (elapsed_seconds > 0 && done > 0) {
    line += "  " + base::format_rate_mb_s(done, elapsed_seconds);
    const double rate = static_cast<double>(done) / elapsed_seconds;  // bytes per second
    if (done < total) {
      line += "  ETA " + base::format_clock(static_cast<double>(total - done) / rate);
    } else {
      line += "  in " + base::format_clock(elapsed_seconds);
    }
  }
  return line;
}

ProgressLine::ProgressLine(std::string label) : ProgressLine(std::move(label), ::isatty(2) == 1) {}

ProgressLine::ProgressLine(std::string label, bool enabled)
    : label_(std::move(label)), enabled_(enabled), start_(std::chrono::steady_clock::now()) {}

ProgressLine::~ProgressLine() { finish(); }

void ProgressLine::update(std::uint64_t done_bytes, std::uint64_t total_bytes) {
  if (!enabled_ || finished_) return;
  done_ = done_bytes;
  total_ = total_bytes;
  const auto now = std::chrono::steady_clock::now();
  if (drawn_ && done_ < total_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
  draw();
}

void ProgressLine::finish() {
  if (!enabled_ || finished_) return;
  finished_ = true;
  if (!drawn_) return;  // nothing on screen: leave no empty line behind
  draw();
  std::fputc('\n', stderr);
  std::fflush(stderr);
}

void ProgressLine::draw() {
  last_draw_ = std::chrono::steady_clock::now();
  const double elapsed = std::chrono::duration<double>(last_draw_ - start_).count();
  // \r and "erase to end of line" so a shorter line leaves no tail of the previous one.
  std::fprintf(stderr, "\r%s\033[K", format_progress(label_, done_, total_, elapsed).c_str());
  std::fflush(stderr);
  drawn_ = true;
}

}  // namespace schelk::ui
