// Attributes a written set to the files and metadata of an ext2/3/4 filesystem, read with
// e2fsprogs' libext2fs, read-only (ext2fs_open with unix_io_manager and no write flag).
//
// Cost: one pass over the inode tables (O(inodes)) and over each used inode's extents (O(mapped
// extents), not per block), each extent intersected with the written set by binary search
// (WrittenBytes); directories are read only when some file got bytes, to name those files.
// Memory: the written set (two words a range), the directory inode numbers (4 bytes each) and
// one entry per file that got bytes.
//
// Hard links: a file is named by the first directory entry found for it (directories in inode
// order, entries in directory order); its bytes count once.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "src/forensics/file_attribution.hpp"
#include "src/state/journal.hpp"

namespace schelk {

// The filesystem cannot be read: "Cannot read the ext2/3/4 filesystem on DEV: <what libext2fs
// said>; ...".
class Ext4Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
// No ext2/3/4 superblock on the device (another filesystem, or none).
class NotExt4Error : public Ext4Error {
 public:
  using Ext4Error::Ext4Error;
};

enum class Ext4Scope {
  kAll,             // files, directories, extent trees and the static metadata (unmounted fs)
  kStaticMetadata,  // superblock, descriptors, bitmaps, inode tables, journal only: the kinds
                    // whose places do not move while the filesystem is mounted
};

// `ranges`: sorted, disjoint, in blocks of `block_size` bytes, clipped to `limit_bytes` (the
// volume's size). Throws NotExt4Error, Ext4Error.
FileAttribution attribute_ext4(const std::string& device, const std::vector<BlockRange>& ranges,
                               uint64_t block_size, uint64_t limit_bytes,
                               Ext4Scope scope = Ext4Scope::kAll);

}  // namespace schelk
