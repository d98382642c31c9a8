// See format.hpp.
#include "base/format.hpp"

#include <cmath>
#include <cstdio>

namespace base {

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

std::string format_mib(std::uint64_t bytes, int decimals) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.*f MiB", decimals, static_cast<double>(bytes) / 1048576.0);
  return buf;
}

double mib_per_second(std::uint64_t bytes, double seconds) {
  return seconds > 0 ? static_cast<double>(bytes) / seconds / 1048576.0 : 0.0;
}

std::string format_rate(std::uint64_t bytes, double seconds) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.1f MiB/s", mib_per_second(bytes, seconds));
  return buf;
}

std::string format_duration(double seconds) {
  char buf[64];
  if (seconds >= 60) {
    const int minutes = static_cast<int>(seconds / 60);
    std::snprintf(buf, sizeof buf, "%dm %.2fs", minutes, seconds - minutes * 60.0);
  } else if (seconds >= 1) {
    std::snprintf(buf, sizeof buf, "%.2fs", seconds);
  } else if (seconds >= 0.01) {
    std::snprintf(buf, sizeof buf, "%dms", static_cast<int>(seconds * 1000));
  } else {
    std::snprintf(buf, sizeof buf, "%.1fms", seconds > 0 ? seconds * 1000 : 0.0);
  }
  return buf;
}

std::string format_transfer(std::uint64_t bytes, double seconds) {
  return format_bytes(bytes) + " in " + format_duration(seconds) + " (" +
         format_rate(bytes, seconds) + ")";
}

std::string format_clock(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const auto s = static_cast<unsigned long long>(std::llround(seconds));
  char buf[32];
  if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%llu:%02llu:%02llu", s / 3600, s / 60 % 60, s % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%llu:%02llu", s / 60, s % 60);
  }
  return buf;
}

}  // namespace base
