// The one way an OS error becomes an exception: std::system_error in the generic category, its
// message "<what>: <strerror>". Callers name the object and the action in `what`.
#pragma once

#include <string>
#include <string_view>
#include <system_error>

namespace base {

// The exception for errno value `err` (positive).
[[nodiscard]] std::system_error errno_error(int err, std::string_view what);

// Throws errno_error(err, what).
[[noreturn]] void throw_errno(int err, std::string_view what);

// "strerror (errno N)", for messages that carry an errno without throwing.
[[nodiscard]] std::string errno_text(int err);

}  // namespace base
