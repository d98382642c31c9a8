// Block checksums of persistent-data metadata: CRC-32C over bytes 4..4095 with initial value
// 0xFFFFFFFF and no final inversion, XOR a per-block-type constant, stored LE at bytes 0..3.
// The XOR constant doubles as a type tag: a block that fails one kind may match another.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace era_metadata {

enum class BlockKind : std::uint8_t {
  kSuperblock,
  kBtreeNode,
  kArrayBlock,
  kSpaceMapBitmap,
  kSpaceMapIndex,
};

[[nodiscard]] std::uint32_t checksum_xor(BlockKind kind) noexcept;
[[nodiscard]] std::string_view block_kind_name(BlockKind kind) noexcept;

// Standard CRC-32C update (reflected, Castagnoli). crc32c_update(0xFFFFFFFF, data) ^ 0xFFFFFFFF is
// the textbook CRC-32C; dm uses the register value without the final inversion.
[[nodiscard]] std::uint32_t crc32c_update(std::uint32_t crc, const std::byte* data,
                                          std::size_t len) noexcept;

// The checksum a block of the given kind must carry in bytes 0..3.
[[nodiscard]] std::uint32_t block_checksum(std::span<const std::byte> block, BlockKind kind) noexcept;

[[nodiscard]] bool verify_block(std::span<const std::byte> block, BlockKind kind) noexcept;

// Writes the checksum for `kind` into bytes 0..3.
void stamp_block(std::span<std::byte> block, BlockKind kind) noexcept;

// Which kind's checksum the block carries, if any; used to say "this is an array block, not a
// btree node" in error messages.
[[nodiscard]] std::optional<BlockKind> identify_block(std::span<const std::byte> block) noexcept;

}  // namespace era_metadata
