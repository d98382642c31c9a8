// Small string helpers used across modules.
#pragma once

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

}  // namespace base
