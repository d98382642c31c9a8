// Block checksums of persistent-data metadata: CRC-32C over bytes 4..4095 with initial value
// 0xFFFFFFFF and no final inversion, XOR a per-block-type constant, stored LE at bytes 0..3.
// The XOR constant doubles as a type tag: a block that fails one kind may match another.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "era_metadata/damage.hpp"
#include "era_metadata/format.hpp"

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

// Whether this CPU has the SSE4.2 crc32 instruction (always false off x86-64).
[[nodiscard]] bool have_sse42() noexcept;

using BlockSpan = std::span<const std::byte, kBlockSize>;

// The checksum a block of the given kind must carry in bytes 0..3.
[[nodiscard]] std::uint32_t block_checksum(BlockSpan block, BlockKind kind) noexcept;

[[nodiscard]] bool verify_block(BlockSpan block, BlockKind kind) noexcept;

// Writes the checksum for `kind` into bytes 0..3.
void stamp_block(std::span<std::byte, kBlockSize> block, BlockKind kind) noexcept;

// Which kind's checksum the block carries, if any; used to say "this is an array block, not a
// btree node" in error messages.
[[nodiscard]] std::optional<BlockKind> identify_block(BlockSpan block) noexcept;

// How a bad checksum is worded: the superblock names the block, btree nodes and array blocks
// say what the block is not ("not a btree node: ..."), space-map blocks do neither.
enum class ChecksumWording : std::uint8_t { kPlain, kInBlock, kNotExpected };

// Damage for a block at `location` whose checksum is not that of `expected` (nullopt when it
// is): kWrongBlockKind when it carries another kind's checksum, which the detail names, else
// kChecksum. Allocation failure for the message terminates.
[[nodiscard]] std::optional<Damage> checksum_damage(BlockSpan block, BlockKind expected,
                                                    std::uint64_t location, std::string where,
                                                    ChecksumWording wording) noexcept;

}  // namespace era_metadata
