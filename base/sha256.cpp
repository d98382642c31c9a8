// See sha256.hpp.
#include "base/sha256.hpp"

#include <nettle/sha2.h>

namespace base {

Sha256Digest sha256(std::span<const std::uint8_t> data) {
  sha256_ctx ctx;
  sha256_init(&ctx);
  sha256_update(&ctx, data.size(), data.data());
  Sha256Digest digest{};
  sha256_digest(&ctx, digest.size(), digest.data());
  return digest;
}

std::string to_hex(std::span<const std::uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const std::uint8_t b : bytes) {
    out += kDigits[b >> 4];
    out += kDigits[b & 0xf];
  }
  return out;
}

}  // namespace base
