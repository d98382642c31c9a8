// The one convention for numbers shown to people (README "Output conventions"): sizes in IEC
// units (B, KiB, MiB, GiB, TiB, PiB, 1024-based), rates in MiB/s only, durations as
// "1m 2.50s" / "2.50s" / "250ms" / "0.4ms" (the original schelk's report), and "M:SS" only for a
// progress line's ETA. Nothing here throws but std::bad_alloc.
#pragma once

#include <cstdint>
#include <string>

namespace base {

// "512 B", "1.50 KiB", "3.00 GiB": 2 decimals from KiB up.
[[nodiscard]] std::string format_bytes(std::uint64_t bytes);

// `bytes` in MiB with `decimals` decimals: "12.5 MiB".
[[nodiscard]] std::string format_mib(std::uint64_t bytes, int decimals);

// The one rate unit, MiB per second with 1 decimal: "812.3 MiB/s"; "0.0 MiB/s" for a zero or
// negative time.
[[nodiscard]] std::string format_rate(std::uint64_t bytes, double seconds);

// `bytes` per `seconds` in MiB/s (0 for a zero or negative time): format_rate's number.
[[nodiscard]] double mib_per_second(std::uint64_t bytes, double seconds);

// "1m 2.50s" from a minute up, "2.50s" from a second up, "250ms" from 10 ms up, else "0.4ms"
// (one decimal, so a sub-millisecond step is not shown as 0).
[[nodiscard]] std::string format_duration(double seconds);

// One phase of a transfer: "64.00 MiB in 1.20s (53.3 MiB/s)".
[[nodiscard]] std::string format_transfer(std::uint64_t bytes, double seconds);

// "M:SS" or "H:MM:SS", rounded to the second; "?" for a negative or non-finite time.
[[nodiscard]] std::string format_clock(double seconds);

}  // namespace base
