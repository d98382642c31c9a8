// Attributes a written set to files by their physical extents as the kernel reports them
// (FS_IOC_FIEMAP over the mounted tree): for the live, mounted filesystem, whose newest inode
// and extent changes may sit only in the journal or in memory, where libext2fs cannot see them.
// FIEMAP offsets are relative to the device the filesystem is mounted on: the era device, whose
// blocks are the written set's.
//
// The intersection (attribute_extents) takes any FileExtentSource, so it is tested with a fake
// one; MountedTree is the real source.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "src/forensics/file_attribution.hpp"
#include "src/state/journal.hpp"

namespace schelk {

struct PhysicalExtent {
  uint64_t physical = 0;  // bytes from the start of the device
  uint64_t length = 0;
};

struct FileExtents {
  std::string path;  // from the filesystem root, "/db/a.bin"
  uint64_t inode = 0;
  bool directory = false;
  std::vector<PhysicalExtent> extents;
};

class FileExtentSource {
 public:
  virtual ~FileExtentSource() = default;
  // Calls `visit` once per file or directory (hard links: once per inode).
  virtual void for_each(const std::function<void(const FileExtents&)>& visit) = 0;
  // What the walk could not read (one line each), for the notes.
  virtual std::vector<std::string> problems() const { return {}; }
};

// The regular files and directories under `mount_point`, not crossing into other mounts
// (nftw FTW_PHYS | FTW_MOUNT; symlinks are not followed). A file that vanishes during the walk
// is skipped (the benchmark may still run); one FIEMAP refuses is named in problems().
class MountedTree : public FileExtentSource {
 public:
  explicit MountedTree(std::string mount_point) : root_(std::move(mount_point)) {}
  // Throws std::system_error when the mount point cannot be walked.
  void for_each(const std::function<void(const FileExtents&)>& visit) override;
  std::vector<std::string> problems() const override { return problems_; }

 private:
  std::string root_;
  std::vector<std::string> problems_;
};

// The physical extents of the open file `fd` with a location on the device (not delayed-
// allocation, unknown or inline ones). Throws std::system_error (errno of FS_IOC_FIEMAP).
std::vector<PhysicalExtent> fiemap_extents(int fd);

// Adds the written bytes of each file (to files) and directory (to metadata "directory") of
// `source` to `into` (which may hold metadata found otherwise, e.g. ext4's static kinds), sets
// into.written_bytes from the set, and finishes it (finish_attribution).
void attribute_extents(FileExtentSource& source, const std::vector<BlockRange>& ranges,
                       uint64_t block_size, uint64_t limit_bytes, FileAttribution& into);

}  // namespace schelk
