// Small string helpers used across modules.
#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace base {

// `s` without leading and trailing blanks (space, tab, CR, LF).
[[nodiscard]] inline std::string_view trim(std::string_view s) {
  constexpr std::string_view kBlanks = " \t\r\n";
  const auto b = s.find_first_not_of(kBlanks);
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(kBlanks);
  return s.substr(b, e - b + 1);
}

// Digits only (no sign, blank or base prefix) up to 2^64-1, else nullopt.
[[nodiscard]] inline std::optional<uint64_t> parse_decimal_u64(std::string_view s) {
  uint64_t v = 0;
  if (s.empty() || s.find_first_not_of("0123456789") != std::string_view::npos) return {};
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return {};
  return v;
}

}  // namespace base
