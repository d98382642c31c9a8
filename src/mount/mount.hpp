// Mounting the era device (libmount, no mount binary), unmounting with umount2, finding the
// processes that keep a mount busy (<proc>/<pid>/{cwd,root,fd}) and <proc>/mounts checks. The
// procfs root is always given (the host's "/proc" only from the CLI entry), so tests point it at
// a temporary tree.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <string>
#include <vector>

namespace schelk {

// The path as mounts list it: symlinks resolved (as far as they exist), no trailing '/'; the path
// itself when it cannot be resolved.
std::string canonical_mount_point(const std::string& path);

struct Blocker {
  pid_t pid = 0;
  std::string cmdline;
};

class Mounter {
 public:
  virtual ~Mounter() = default;
  // True when the (canonicalised) mount point is a mount target.
  virtual bool is_mounted(const std::string& mount_point) = 0;
  // The mount points of the filesystem on block device major:minor, in mount order.
  virtual std::vector<std::string> mount_points_of(uint32_t major, uint32_t minor) = 0;
  // Creates the mount point if missing, then mounts.
  virtual void mount(const std::string& device, const std::string& mount_point,
                     const std::string& fstype, const std::string& options) = 0;
  // umount2; on EBUSY lists the blockers, or with `kill` SIGKILLs them (never this process)
  // and retries.
  virtual void unmount(const std::string& mount_point, bool kill) = 0;
};

// The kernel's mounts. `proc_root` is procfs ("/proc" on the host); the processes --kill ends are
// named on `log`.
class SystemMounter final : public Mounter {
 public:
  SystemMounter(std::filesystem::path proc_root, std::ostream& log)
      : proc_root_(std::move(proc_root)), log_(log) {}
  bool is_mounted(const std::string& mount_point) override;
  std::vector<std::string> mount_points_of(uint32_t major, uint32_t minor) override;
  void mount(const std::string& device, const std::string& mount_point, const std::string& fstype,
             const std::string& options) override;
  void unmount(const std::string& mount_point, bool kill) override;

 private:
  std::filesystem::path proc_root_;
  std::ostream& log_;
};

// Decodes the octal escapes (\040 etc.) of a /proc/mounts field.
std::string decode_mounts_field(const std::string& field);
// True when `target` in `mounts_text` (the /proc/mounts format) equals `mount_point`.
bool mounts_contain_target(const std::string& mounts_text, const std::string& mount_point);
// The mount points (field 5, decoded) of the lines of `mountinfo_text` (the
// /proc/<pid>/mountinfo format) whose device (field 3) is major:minor.
std::vector<std::string> mountinfo_points_of(const std::string& mountinfo_text, uint32_t major,
                                             uint32_t minor);
// Processes whose cwd, root or an open fd lies under `mount_point` (canonical path), from the
// procfs tree at `proc_root`.
std::vector<Blocker> find_blockers(const std::string& mount_point,
                                   const std::filesystem::path& proc_root);
// True when `path` is `dir` or lies below it.
bool path_is_under(const std::string& path, const std::string& dir);

}  // namespace schelk
