// See ext4_attribution.hpp.
#include "src/forensics/ext4_attribution.hpp"

#include <algorithm>
#include <limits>
#include <mutex>
#include <unordered_map>
#include <unordered_set>

#include "src/forensics/ext2fs_open.hpp"
#include "src/forensics/written_bytes.hpp"

namespace schelk {
namespace {

struct ScanHandle {
  ext2_inode_scan scan = nullptr;
  ~ScanHandle() {
    if (scan != nullptr) ext2fs_close_inode_scan(scan);
  }
};

struct ExtentHandle {
  ext2_extent_handle_t handle = nullptr;
  ~ExtentHandle() {
    if (handle != nullptr) ext2fs_extent_free(handle);
  }
};

class Attributor {
 public:
  Attributor(const std::string& device, ext2_filsys fs, const WrittenBytes& written,
             FileAttribution& out)
      : device_(device), fs_(fs), written_(written), out_(out), block_(fs->blocksize) {}

  // Written bytes in fs blocks [first, first + count).
  uint64_t blocks(blk64_t first, uint64_t count) const {
    return written_.overlap(first * block_, (first + count) * block_);
  }
  void add(const char* kind, blk64_t first, uint64_t count) {
    if (count > 0) add_metadata(out_.metadata, kind, blocks(first, count));
  }

  void static_metadata() {
    auto* sb = fs_->super;
    add("superblock", 0, sb->s_first_data_block);  // the boot area (1 KiB blocks)
    for (dgrp_t g = 0; g < fs_->group_desc_count; ++g) {
      blk64_t super = 0, old_desc = 0, new_desc = 0;
      blk_t used = 0;
      const errcode_t e = ext2fs_super_and_bgd_loc2(fs_, g, &super, &old_desc, &new_desc, &used);
      if (e != 0) ext2fs_fail(device_, "group " + std::to_string(g) + "'s superblock", e);
      if (ext2fs_bg_has_super(fs_, g)) add("superblock", super, 1);
      if (old_desc != 0) {
        const uint64_t n = ext2fs_has_feature_meta_bg(sb)
                               ? sb->s_first_meta_bg
                               : uint64_t{fs_->desc_blocks} + sb->s_reserved_gdt_blocks;
        add("group_descriptors", old_desc, n);
      }
      if (new_desc != 0) add("group_descriptors", new_desc, 1);
      add("block_bitmap", ext2fs_block_bitmap_loc(fs_, g), 1);
      add("inode_bitmap", ext2fs_inode_bitmap_loc(fs_, g), 1);
      add("inode_table", ext2fs_inode_table_loc(fs_, g), fs_->inode_blocks_per_group);
    }
  }

  // The blocks of inode `ino`: data to `data_kind` (nullptr: to the file), mapping blocks to
  // `map_kind`. Returns the file's data bytes.
  uint64_t inode_blocks(ext2_ino_t ino, ext2_inode& inode, const char* data_kind,
                        const char* map_kind) {
    if (!ext2fs_inode_has_valid_blocks2(fs_, &inode)) return 0;  // inline data, fast symlink
    uint64_t data = 0;
    if ((inode.i_flags & EXT4_EXTENTS_FL) != 0) {
      data = extents(ino, inode, map_kind);
    } else {
      data = indirect(ino, map_kind);
    }
    if (data_kind != nullptr) add_metadata(out_.metadata, data_kind, data);
    return data;
  }

 private:
  // One step per extent, not per block: a 100 GiB file is a few thousand extents.
  uint64_t extents(ext2_ino_t ino, ext2_inode& inode, const char* map_kind) {
    ExtentHandle h;
    errcode_t e = ext2fs_extent_open2(fs_, ino, &inode, &h.handle);
    if (e != 0) ext2fs_fail(device_, "inode " + std::to_string(ino) + "'s extent tree", e);
    uint64_t data = 0, map = 0;
    ext2fs_extent extent{};
    for (int op = EXT2_EXTENT_ROOT;; op = EXT2_EXTENT_NEXT) {
      e = ext2fs_extent_get(h.handle, op, &extent);
      if (e == EXT2_ET_EXTENT_NO_NEXT) break;
      if (e == EXT2_ET_NO_CURRENT_NODE && op == EXT2_EXTENT_ROOT) break;  // no extents
      if (e != 0) ext2fs_fail(device_, "inode " + std::to_string(ino) + "'s extent tree", e);
      if ((extent.e_flags & EXT2_EXTENT_FLAGS_SECOND_VISIT) != 0) continue;
      if ((extent.e_flags & EXT2_EXTENT_FLAGS_LEAF) != 0) {
        data += blocks(extent.e_pblk, extent.e_len);
      } else {
        map += blocks(extent.e_pblk, 1);  // an index entry: its child node is one block
      }
    }
    add_metadata(out_.metadata, map_kind, map);
    return data;
  }

  struct IterState {
    Attributor* self;
    uint64_t data = 0;
    uint64_t map = 0;
  };

  // Block-mapped (ext2/3) inodes: libext2fs reports data blocks and the indirect blocks
  // (negative block counts).
  uint64_t indirect(ext2_ino_t ino, const char* map_kind) {
    IterState st{this};
    const auto cb = [](ext2_filsys, blk64_t* blocknr, e2_blkcnt_t blockcnt, blk64_t, int,
                       void* priv) -> int {
      auto* s = static_cast<IterState*>(priv);
      (blockcnt < 0 ? s->map : s->data) += s->self->blocks(*blocknr, 1);
      return 0;
    };
    const errcode_t e = ext2fs_block_iterate3(fs_, ino, BLOCK_FLAG_READ_ONLY, nullptr, +cb, &st);
    if (e != 0) ext2fs_fail(device_, "inode " + std::to_string(ino) + "'s blocks", e);
    add_metadata(out_.metadata, map_kind, st.map);
    return st.data;
  }

  const std::string& device_;
  ext2_filsys fs_;
  const WrittenBytes& written_;
  FileAttribution& out_;
  uint64_t block_;
};

// Names the files in `wanted` (inode -> index in files) from the directories' entries.
void name_files(const std::string& device, ext2_filsys fs, const std::vector<ext2_ino_t>& dirs,
                std::unordered_map<ext2_ino_t, size_t>& wanted, std::vector<FileBytes>& files) {
  struct DirState {
    std::unordered_map<ext2_ino_t, size_t>* wanted;
    std::vector<std::pair<size_t, std::pair<ext2_ino_t, std::string>>> found;  // index, dir+name
  } st{&wanted, {}};
  for (const ext2_ino_t dir : dirs) {
    if (wanted.empty()) break;
    const auto cb = [](ext2_ino_t dir_ino, int entry, ext2_dir_entry* dirent, int, int, char*,
                       void* priv) -> int {
      if (entry == DIRENT_DOT_FILE || entry == DIRENT_DOT_DOT_FILE) return 0;
      auto* s = static_cast<DirState*>(priv);
      const auto it = s->wanted->find(dirent->inode);
      if (it == s->wanted->end()) return 0;
      const auto len = static_cast<size_t>(ext2fs_dirent_name_len(dirent));
      s->found.push_back({it->second, {dir_ino, std::string(dirent->name, len)}});
      s->wanted->erase(it);  // the first name wins (hard links)
      return s->wanted->empty() ? DIRENT_ABORT : 0;
    };
    const errcode_t e = ext2fs_dir_iterate2(fs, dir, 0, nullptr, +cb, &st);
    if (e != 0) ext2fs_fail(device, "directory inode " + std::to_string(dir), e);
  }
  std::unordered_map<ext2_ino_t, std::string> dir_paths;
  for (auto& [index, where] : st.found) {
    auto it = dir_paths.find(where.first);
    if (it == dir_paths.end()) {
      char* name = nullptr;
      const errcode_t e = ext2fs_get_pathname(fs, where.first, 0, &name);
      if (e != 0)
        ext2fs_fail(device, "the path of directory inode " + std::to_string(where.first), e);
      std::string path = name;
      ext2fs_free_mem(&name);
      it = dir_paths.emplace(where.first, path == "/" ? "" : path).first;
    }
    files[index].path = it->second + "/" + where.second;
  }
}

}  // namespace

FileAttribution attribute_ext4(const std::string& device, const std::vector<BlockRange>& ranges,
                               uint64_t block_size, uint64_t limit_bytes, Ext4Scope scope) {
  const Ext2Fs open(device);
  ext2_filsys fs = open.get();
  errcode_t e = 0;
  const WrittenBytes written(ranges, block_size, limit_bytes);
  FileAttribution out;
  out.source = "libext2fs";
  out.written_bytes = written.total();
  out.metadata = empty_metadata();
  Attributor at(device, fs, written, out);
  at.static_metadata();

  auto* sb = fs->super;
  ext2_inode inode{};
  if (ext2fs_has_feature_journal(sb) && sb->s_journal_inum != 0) {
    e = ext2fs_read_inode(fs, sb->s_journal_inum, &inode);
    if (e != 0) ext2fs_fail(device, "the journal inode", e);
    at.inode_blocks(sb->s_journal_inum, inode, "journal", "journal");
  }
  if (scope == Ext4Scope::kStaticMetadata || written.empty()) {
    finish_attribution(out);
    return out;
  }

  e = ext2fs_read_inode_bitmap(fs);
  if (e != 0) ext2fs_fail(device, "the inode bitmap", e);
  const std::unordered_set<ext2_ino_t> special = {sb->s_usr_quota_inum, sb->s_grp_quota_inum,
                                                  sb->s_prj_quota_inum, sb->s_orphan_file_inum};
  ScanHandle scan;
  e = ext2fs_open_inode_scan(fs, 0, &scan.scan);
  if (e != 0) ext2fs_fail(device, "the inode tables", e);
  std::vector<ext2_ino_t> dirs;
  std::unordered_map<ext2_ino_t, size_t> wanted;
  const ext2_ino_t first_ino = EXT2_FIRST_INO(sb);
  for (;;) {
    ext2_ino_t ino = 0;
    e = ext2fs_get_next_inode(scan.scan, &ino, &inode);
    if (e != 0) ext2fs_fail(device, "the inode tables", e);
    if (ino == 0) break;
    // The bitmap, not the link count, says in use: an open deleted file (orphan) has no link.
    if (!ext2fs_test_inode_bitmap2(fs->inode_map, ino)) continue;
    if (ino == sb->s_journal_inum || ino == EXT2_BAD_INO || ino == EXT2_RESIZE_INO) {
      // The journal is counted above. The resize inode maps the reserved GDT blocks, counted
      // as group_descriptors; only its double indirect block is its own.
      if (ino == EXT2_RESIZE_INO && inode.i_block[EXT2_DIND_BLOCK] != 0) {
        at.add("group_descriptors", inode.i_block[EXT2_DIND_BLOCK], 1);
      }
      continue;
    }
    if (LINUX_S_ISDIR(inode.i_mode)) {
      dirs.push_back(ino);
      at.inode_blocks(ino, inode, "directory", "extent_tree");
    } else if ((ino < first_ino && ino != EXT2_ROOT_INO) || special.count(ino) != 0) {
      at.inode_blocks(ino, inode, "reserved_inodes", "reserved_inodes");
    } else {
      const uint64_t bytes = at.inode_blocks(ino, inode, nullptr, "extent_tree");
      if (bytes > 0) {
        wanted.emplace(ino, out.files.size());
        out.files.push_back({std::nullopt, ino, bytes});
      }
    }
  }
  name_files(device, fs, dirs, wanted, out.files);
  finish_attribution(out);
  return out;
}

}  // namespace schelk
