// SHA-256 (nettle's) of a small buffer, and hex for printing digests: the superblock hash that
// `mount` compares between virgin and scratch.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>

namespace base {

using Sha256Digest = std::array<std::uint8_t, 32>;

[[nodiscard]] Sha256Digest sha256(std::span<const std::uint8_t> data);

// Lower-case hex, two digits a byte.
[[nodiscard]] std::string to_hex(std::span<const std::uint8_t> bytes);

}  // namespace base
