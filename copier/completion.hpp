// The one place that decides what a completion means: done, a short transfer to resubmit, a
// transient error to retry, end of device, or a failure to report.
#pragma once

#include <cerrno>
#include <cstdint>

namespace copier {

enum class Outcome { kComplete, kShort, kRetry, kEndOfDevice, kFailed };

// `res` is the completion result (bytes or -errno); `remaining` the bytes the request asked for.
[[nodiscard]] constexpr Outcome classify_completion(int res, std::uint32_t remaining) {
  if (res < 0) return (res == -EAGAIN || res == -EINTR) ? Outcome::kRetry : Outcome::kFailed;
  const auto n = static_cast<std::uint32_t>(res);
  if (n == remaining) return Outcome::kComplete;
  if (n == 0) return Outcome::kEndOfDevice;
  if (n < remaining) return Outcome::kShort;
  return Outcome::kFailed;  // more than asked: never trust it
}

// Consecutive EAGAIN/EINTR on one request before it is reported as failed (no endless loop).
inline constexpr unsigned kMaxRetries = 1000;

}  // namespace copier
