// Terminal progress line; see progress.hpp.
#include "src/ui/progress.hpp"

#include <unistd.h>

#include <cmath>
#include <cstdio>

namespace schelk::ui {

std::string format_bytes(std::uint64_t bytes) {
  static const char* const kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1024 && unit < 5) {
    value /= 1024;
    ++unit;
  }
  char buf[32];
  if (unit == 0) {
    std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(bytes));
  } else {
    std::snprintf(buf, sizeof buf, "%.2f %s", value, kUnits[unit]);
  }
  return buf;
}

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const auto s = static_cast<unsigned long long>(seconds + 0.5);
  char buf[32];
  if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%llu:%02llu:%02llu", s / 3600, s / 60 % 60, s % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%llu:%02llu", s / 60, s % 60);
  }
  return buf;
}

std::string format_progress(const std::string& label, std::uint64_t done, std::uint64_t total,
                            double elapsed_seconds) {
  std::string line = label + ": " + format_bytes(done) + " / " + format_bytes(total);
  char buf[64];
  const double percent =
      total ? 100.0 * static_cast<double>(done) / static_cast<double>(total) : 100.0;
  std::snprintf(buf, sizeof buf, " (%.1f%%)", percent);
  line += buf;
  if (elapsed_seconds > 0 && done > 0) {
    const double rate = static_cast<double>(done) / elapsed_seconds;  // bytes per second
    std::snprintf(buf, sizeof buf, "  %.1f MB/s", rate / 1e6);
    line += buf;
    if (done < total) {
      line += "  ETA " + format_duration(static_cast<double>(total - done) / rate);
    } else {
      line += "  in " + format_duration(elapsed_seconds);
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
