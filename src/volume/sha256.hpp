// A small SHA-256 (FIPS 180-4) for the superblock hash, so the app needs no crypto library.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace schelk {

std::array<uint8_t, 32> sha256(std::span<const uint8_t> data);
std::string to_hex(std::span<const uint8_t> bytes);

}  // namespace schelk
