// See fiemap_attribution.hpp.
#include "src/forensics/fiemap_attribution.hpp"

#include <fcntl.h>
#include <ftw.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <system_error>
#include <unordered_set>

#include "base/errno.hpp"
#include "base/unique_fd.hpp"
#include "src/forensics/written_bytes.hpp"

namespace schelk {

std::vector<PhysicalExtent> fiemap_extents(int fd) {
  constexpr uint32_t kBatch = 256;
  std::vector<unsigned char> buf(sizeof(fiemap) + kBatch * sizeof(fiemap_extent));
  auto* fm = reinterpret_cast<fiemap*>(buf.data());
  std::vector<PhysicalExtent> out;
  uint64_t start = 0;
  for (;;) {
    std::memset(buf.data(), 0, buf.size());
    fm->fm_start = start;
    fm->fm_length = FIEMAP_MAX_OFFSET - start;
    // No FIEMAP_FLAG_SYNC: it would write back the benchmark's dirty data while it runs, and
    // data not yet written back is in no written set anyway (it has not reached the device).
    fm->fm_flags = 0;
    fm->fm_extent_count = kBatch;
    if (::ioctl(fd, FS_IOC_FIEMAP, fm) != 0) throw base::errno_error(errno, "FS_IOC_FIEMAP");
    if (fm->fm_mapped_extents == 0) break;
    bool last = false;
    for (uint32_t i = 0; i < fm->fm_mapped_extents; ++i) {
      const fiemap_extent& x = fm->fm_extents[i];
      last = last || (x.fe_flags & FIEMAP_EXTENT_LAST) != 0;
      start = x.fe_logical + x.fe_length;
      constexpr uint32_t kNoPlace =
          FIEMAP_EXTENT_UNKNOWN | FIEMAP_EXTENT_DELALLOC | FIEMAP_EXTENT_DATA_INLINE;
      if ((x.fe_flags & kNoPlace) != 0 || x.fe_length == 0) continue;
      out.push_back({x.fe_physical, x.fe_length});
    }
    if (last) break;
  }
  return out;
}

namespace {

// nftw passes no user pointer: the walk in progress (one per thread).
struct Walk {
  size_t root_len = 0;
  const std::function<void(const FileExtents&)>* visit = nullptr;
  std::unordered_set<uint64_t> seen;  // inodes of files with more than one link
  std::vector<std::string>* problems = nullptr;
};
thread_local Walk* t_walk = nullptr;

int visit_entry(const char* path, const struct stat* st, int type, FTW*) {
  Walk& w = *t_walk;
  if (type == FTW_DNR || type == FTW_NS) {
    w.problems->push_back(std::string(path) + ": cannot be read");
    return 0;
  }
  const bool dir = type == FTW_D;
  if (!(dir || (type == FTW_F && S_ISREG(st->st_mode)))) return 0;
  if (!dir && st->st_nlink > 1 && !w.seen.insert(st->st_ino).second) return 0;  // a hard link
  base::UniqueFd fd(::open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOATIME));
  if (!fd && errno == EPERM) fd = base::UniqueFd(::open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) {
    if (errno != ENOENT) w.problems->push_back(std::string(path) + ": " + base::errno_text(errno));
    return 0;
  }
  FileExtents f;
  f.path = std::string(path).substr(w.root_len);
  if (f.path.empty() || f.path[0] != '/') f.path.insert(0, "/");
  f.inode = st->st_ino;
  f.directory = dir;
  try {
    f.extents = fiemap_extents(fd.get());
  } catch (const std::system_error& e) {
    w.problems->push_back(std::string(path) + ": " + e.what());
    return 0;
  }
  (*w.visit)(f);
  return 0;
}

}  // namespace

void MountedTree::for_each(const std::function<void(const FileExtents&)>& visit) {
  Walk w;
  w.root_len = root_.size();
  while (w.root_len > 1 && root_[w.root_len - 1] == '/') --w.root_len;
  w.visit = &visit;
  w.problems = &problems_;
  t_walk = &w;
  const int rc = ::nftw(root_.c_str(), visit_entry, 64, FTW_PHYS | FTW_MOUNT);
  t_walk = nullptr;
  if (rc != 0) throw base::errno_error(errno, "walking " + root_);
}

void attribute_extents(FileExtentSource& source, const std::vector<BlockRange>& ranges,
                       uint64_t block_size, uint64_t limit_bytes, FileAttribution& into) {
  const WrittenBytes written(ranges, block_size, limit_bytes);
  into.written_bytes = written.total();
  if (into.metadata.empty()) into.metadata = empty_metadata();
  uint64_t directory_bytes = 0;
  source.for_each([&](const FileExtents& f) {
    uint64_t bytes = 0;
    for (const auto& x : f.extents) bytes += written.overlap(x.physical, x.physical + x.length);
    if (f.directory) {
      directory_bytes += bytes;
    } else if (bytes > 0) {
      into.files.push_back({f.path, f.inode, bytes});
    }
  });
  add_metadata(into.metadata, "directory", directory_bytes);
  const auto problems = source.problems();
  for (size_t i = 0; i < problems.size() && i < 10; ++i)
    into.notes.push_back("not read: " + problems[i]);
  if (problems.size() > 10) {
    into.notes.push_back(std::to_string(problems.size() - 10) + " more files not read");
  }
  finish_attribution(into);
}

}  // namespace schelk
