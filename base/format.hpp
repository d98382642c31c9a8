// The one convention for numbers shown to people: sizes in IEC units (B, KiB, MiB, GiB, TiB, PiB,
// 1024-based), rates in MB/s only where they really are 10^6 bytes per second, durations as
// "1m 2.50s" / "2.50s" / "250ms" (the original schelk's report) or "M:SS" (progress lines).
#pragma once

#include <cstdint>
#include <string>

namespace base {

// "512 B", "1.50 KiB", "3.00 GiB": 2 decimals from KiB up.
[[nodiscard]] std::string format_bytes(std::uint64_t bytes);

// `bytes` in MiB with `decimals` decimals: "12.5 MiB".
[[nodiscard]] std::string format_mib(std::uint64_t bytes, int decimals);

// Decimal megabytes per second, 1 decimal: "812.3 MB/s"; "0.0 MB/s" for a zero or negative time.
[[nodiscard]] std::string format_rate_mb_s(std::uint64_t bytes, double seconds);

// "1m 2.50s" from a minute up, "2.50s" from a second up, else "250ms".
[[nodiscard]] std::string format_duration(double seconds);

// "M:SS" or "H:MM:SS", rounded to the second; "?" for a negative or non-finite time.
[[nodiscard]] std::string format_clock(double seconds);

}  // namespace base
