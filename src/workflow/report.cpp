// Human-readable byte counts, durations and the copy report printed by recover/promote.
#include <cstdio>
#include <ostream>
#include <stdexcept>

#include "src/workflow/workflow.hpp"

namespace schelk {

std::string format_bytes(uint64_t bytes) {
  const char* units[] = {"B", "KB", "MB", "GB", "TB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024.0 && u < 4) {
    v /= 1024.0;
    ++u;
  }
  char buf[64];
  if (u == 0) {
    std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(bytes));
  } else {
    std::snprintf(buf, sizeof buf, "%.2f %s", v, units[u]);
  }
  return buf;
}

std::string format_duration(double seconds) {
  char buf[64];
  if (seconds >= 60) {
    const int minutes = static_cast<int>(seconds / 60);
    std::snprintf(buf, sizeof buf, "%dm %.2fs", minutes, seconds - minutes * 60.0);
  } else if (seconds >= 1) {
    std::snprintf(buf, sizeof buf, "%.2fs", seconds);
  } else {
    std::snprintf(buf, sizeof buf, "%dms", static_cast<int>(seconds * 1000));
  }
  return buf;
}

void print_copy_report(std::ostream& out, const char* blocks_label, uint64_t blocks,
                       const CopyReport& r) {
  out << "  " << blocks_label << ": " << blocks << "\n";
  out << "  Bytes copied: " << format_bytes(r.bytes) << "\n";
  out << "  Time elapsed: " << format_duration(r.seconds) << "\n";
  const double speed = r.seconds > 0 ? static_cast<double>(r.bytes) / r.seconds : 0;
  out << "  Average speed: " << format_bytes(static_cast<uint64_t>(speed)) << "/s\n";
  if (r.verify_mismatches) {
    out << "  Verified: " << (*r.verify_mismatches == 0 ? "identical" : "MISMATCHES") << " ("
        << *r.verify_mismatches << " mismatches)\n";
  }
}

}  // namespace schelk

namespace schelk {

void check_verified(const CopyReport& report, const std::string& src, const std::string& dst) {
  if (report.verify_mismatches && *report.verify_mismatches != 0) {
    throw std::runtime_error("Verification failed: " + std::to_string(*report.verify_mismatches) +
                             " mismatching extents between " + src + " and " + dst);
  }
}

}  // namespace schelk
