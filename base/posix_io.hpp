// Whole transfers on file descriptors: retried on EINTR, continued after short transfers. The
// only place the read/write loops are written. Errors throw std::system_error (base/errno.hpp)
// whose message starts with `what`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace base {

// Reads until `buf` is full or end of file; returns the bytes read (less than buf.size() only at
// end of file).
[[nodiscard]] std::size_t pread_full(int fd, std::span<std::byte> buf, std::uint64_t offset,
                                     std::string_view what);
[[nodiscard]] std::size_t read_full(int fd, std::span<std::byte> buf, std::string_view what);

// Writes all of `buf`.
void pwrite_full(int fd, std::span<const std::byte> buf, std::uint64_t offset,
                 std::string_view what);
void write_full(int fd, std::span<const std::byte> buf, std::string_view what);
void write_full(int fd, std::string_view text, std::string_view what);

// The contents of a small text file (sysfs, /proc, a state file), at most `max_bytes` of it, or
// nullopt when it cannot be opened or read. Bounded, so a hostile or endless file cannot exhaust
// memory.
constexpr std::size_t kSmallFileLimit = std::size_t{16} << 20;
[[nodiscard]] std::optional<std::string> read_text_file(const std::filesystem::path& path,
                                                        std::size_t max_bytes = kSmallFileLimit);

}  // namespace base
