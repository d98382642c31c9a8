// Progress display on stderr; see progress.hpp.
#include "src/ui/progress.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

#include "base/format.hpp"

namespace schelk::ui {

namespace {

constexpr double kBarRedrawSeconds = 0.1;

double steady_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void write_stderr(const std::string& text) {
  std::fwrite(text.data(), 1, text.size(), stderr);
  std::fflush(stderr);
}

}  // namespace

ProgressMode parse_progress_mode(std::string_view text) {
  if (text == "auto") return ProgressMode::kAuto;
  if (text == "always") return ProgressMode::kAlways;
  if (text == "never") return ProgressMode::kNever;
  throw std::invalid_argument("unknown progress mode '" + std::string(text) +
                              "' (auto, always or never)");
}

ProgressMode resolve_progress_mode(const std::optional<std::string>& option) {
  if (option) return parse_progress_mode(*option);
  const char* env = std::getenv("SCHELK_PROGRESS");
  if (env == nullptr || *env == '\0') return ProgressMode::kAuto;
  try {
    return parse_progress_mode(env);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(std::string("SCHELK_PROGRESS: ") + e.what());
  }
}

ProgressStyle progress_style(ProgressMode mode, bool stderr_is_tty) {
  if (mode == ProgressMode::kNever) return ProgressStyle::kNone;
  return stderr_is_tty ? ProgressStyle::kBar : ProgressStyle::kPlain;
}

std::string format_progress(const std::string& label, std::uint64_t done, std::uint64_t total,
                            double elapsed_seconds) {
  std::string line = label + ": " + base::format_bytes(done) + " / " + base::format_bytes(total);
  char buf[64];
  const double percent =
      total ? 100.0 * static_cast<double>(done) / static_cast<double>(total) : 100.0;
  std::snprintf(buf, sizeof buf, " (%.1f%%)", percent);
  line += buf;
  if (elapsed_seconds > 0 && done > 0) {
    line += "  " + base::format_rate(done, elapsed_seconds);
    const double rate = static_cast<double>(done) / elapsed_seconds;  // bytes per second
    if (done < total) {
      line += "  ETA " + base::format_clock(static_cast<double>(total - done) / rate);
    } else {
      line += "  in " + base::format_clock(elapsed_seconds);
    }
  }
  return line;
}

ProgressSettings stderr_progress(ProgressMode mode) {
  ProgressSettings s;
  s.mode = mode;
  s.tty = ::isatty(STDERR_FILENO) == 1;
  return s;
}

namespace {

ProgressSettings with_defaults(ProgressSettings s) {
  if (!s.clock) s.clock = steady_seconds;
  if (!s.write) s.write = write_stderr;
  return s;
}

}  // namespace

ProgressLine::ProgressLine(std::string label, ProgressSettings settings,
                           std::optional<double> start_seconds)
    : label_(std::move(label)),
      settings_(with_defaults(std::move(settings))),
      style_(progress_style(settings_.mode, settings_.tty)) {
  start_ = last_ = start_seconds ? *start_seconds : now();
}

ProgressLine::~ProgressLine() { finish(); }

double ProgressLine::now() const { return settings_.clock(); }

void ProgressLine::update(std::uint64_t done_bytes, std::uint64_t total_bytes) {
  if (style_ == ProgressStyle::kNone || finished_) return;
  done_ = done_bytes;
  total_ = total_bytes;
  const double t = now();
  if (style_ == ProgressStyle::kBar) {
    if (shown_ && done_ < total_ && t - last_ < kBarRedrawSeconds) return;
    emit(t);
    return;
  }
  // Plain: always shows the start at once; both then print each time the interval has passed.
  const bool first_of_always = !shown_ && settings_.mode == ProgressMode::kAlways;
  if (first_of_always || t - last_ >= settings_.plain_interval_s) emit(t);
}

void ProgressLine::finish() {
  if (style_ == ProgressStyle::kNone || finished_) return;
  finished_ = true;
  if (style_ == ProgressStyle::kBar) {
    if (!shown_) return;  // nothing on screen: leave no empty line behind
    emit(now());
    settings_.write("\n");
    return;
  }
  // A log that showed the work (or asked for always) also shows where it ended, once.
  const bool wanted = shown_ ? shown_done_ != done_ : settings_.mode == ProgressMode::kAlways;
  if (wanted) emit(now());
}

void ProgressLine::emit(double t) {
  last_ = t;
  const std::string text = format_progress(label_, done_, total_, t - start_);
  if (style_ == ProgressStyle::kBar) {
    // \r and "erase to end of line" so a shorter line leaves no tail of the previous one.
    settings_.write("\r" + text + "\033[K");
  } else {
    settings_.write(text + "\n");
  }
  shown_ = true;
  shown_done_ = done_;
}

PhasedProgress::PhasedProgress(ProgressSettings settings)
    : settings_(with_defaults(std::move(settings))), last_report_(settings_.clock()) {}

void PhasedProgress::update(const std::string& label, std::uint64_t done_bytes,
                            std::uint64_t total_bytes) {
  if (!line_ || label != label_) {
    if (line_) line_->finish();
    label_ = label;
    line_ = std::make_unique<ProgressLine>(label, settings_, last_report_);
  }
  line_->update(done_bytes, total_bytes);
  last_report_ = settings_.clock();
}

void PhasedProgress::finish() {
  if (line_) line_->finish();
}

}  // namespace schelk::ui
