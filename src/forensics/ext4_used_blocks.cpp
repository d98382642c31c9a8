// See ext4_used_blocks.hpp.
#include "src/forensics/ext4_used_blocks.hpp"

#include <algorithm>

#include "src/forensics/ext2fs_open.hpp"

namespace schelk {

std::vector<BlockRange> ext4_used_ranges(const std::string& device, uint64_t block_size,
                                         uint64_t limit_bytes) {
  const Ext2Fs open(device);
  ext2_filsys fs = open.get();
  errcode_t e = ext2fs_read_block_bitmap(fs);
  if (e != 0) ext2fs_fail(device, "the block bitmaps", e);
  const uint64_t fs_block = fs->blocksize;
  const uint64_t last = ext2fs_blocks_count(fs->super) - 1;
  const uint64_t limit_blocks = (limit_bytes + block_size - 1) / block_size;
  std::vector<BlockRange> out;
  auto add = [&](uint64_t first_byte, uint64_t end_byte) {
    const BlockRange r{first_byte / block_size,
                       std::min(limit_blocks, (end_byte + block_size - 1) / block_size)};
    if (r.begin >= r.end) return;
    if (!out.empty() && r.begin <= out.back().end) {
      out.back().end = std::max(out.back().end, r.end);
    } else {
      out.push_back(r);
    }
  };
  add(0, std::max<uint64_t>(fs_block, 4096));  // the boot area and the primary superblock
  // Jump from run to run: a used block, then the next free one.
  blk64_t at = fs->super->s_first_data_block;
  while (at <= last) {
    blk64_t used = 0;
    if (ext2fs_find_first_set_block_bitmap2(fs->block_map, at, last, &used) != 0) break;
    blk64_t free = 0;
    const blk64_t end = ext2fs_find_first_zero_block_bitmap2(fs->block_map, used, last, &free) == 0
                            ? free
                            : last + 1;
    add(used * fs_block, end * fs_block);
    at = end;
  }
  return out;
}

}  // namespace schelk
