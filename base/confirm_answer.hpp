// The one reading of an answer to a "[y/N]" question, shared by every prompt (the workflow's on
// stdin, copy's on the terminal): yes only for "y" or "yes" in any case, blanks around ignored;
// anything else, the empty answer included, is no.
#pragma once

#include <string_view>

#include "base/strings.hpp"

namespace base {

[[nodiscard]] inline bool is_yes(std::string_view answer) {
  const std::string_view a = trim(answer);
  const auto lower = [](char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  };
  if (a.size() == 1) return lower(a[0]) == 'y';
  return a.size() == 3 && lower(a[0]) == 'y' && lower(a[1]) == 'e' && lower(a[2]) == 's';
}

}  // namespace base
