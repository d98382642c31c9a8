// What keeps a block device busy (its O_EXCL open fails with EBUSY), for the "is in use"
// messages (issue 10 item 7): the mount points it is mounted at (<proc>/self/mountinfo, the
// major:minor field), the devices stacked on it (<sys>/dev/block/M:m/holders/*, device-mapper
// ones by their <sys>/class/block/<holder>/dm/name) and the processes that have it open
// (<proc>/<pid>/fd/*). Everything is read under the roots it is given, so tests use fake trees;
// unreadable parts are skipped (a non-root caller cannot see other users' fds). Never throws
// for a missing or unreadable file; std::bad_alloc only.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace schelk {

struct DeviceOpener {
  pid_t pid = 0;
  std::string command;  // <proc>/<pid>/comm, "?" when unreadable
};

struct DeviceHolders {
  std::vector<std::string> mount_points;  // as mountinfo shows them, octal escapes decoded
  std::vector<std::string> stacked;       // "device-mapper device NAME (dm-N)", or "md0"
  std::vector<DeviceOpener> openers;      // this process excluded
  [[nodiscard]] bool empty() const {
    return mount_points.empty() && stacked.empty() && openers.empty();
  }
};

// Visits every fd, in every process under `proc_root` but this one, that refers to the file at
// `path`: by st_rdev when it is a block device, else by st_dev and st_ino (the tests' fake trees
// point fds at plain files). `visit(pid, proc_dir, fd_name)` returns true when it is done with
// that process (its other fds are skipped).
using OpenFdVisitor =
    std::function<bool(pid_t pid, const std::filesystem::path& proc_dir, const std::string& fd)>;
void for_each_open_fd(const std::filesystem::path& proc_root, const std::string& path,
                      const OpenFdVisitor& visit);

// `dev` is the device's number; `path` its node, matched against the processes' fds by
// st_rdev (by st_dev and st_ino when it is no block device, as in the tests' fake trees).
[[nodiscard]] DeviceHolders find_device_holders(const std::filesystem::path& proc_root,
                                                const std::filesystem::path& sys_root, dev_t dev,
                                                const std::string& path);

// The sentence put after a busy message: " What holds it: mounted at /mnt/x; device-mapper
// device vg-lv (dm-3) stacked on it; open in process 1234 (fio)." or, when nothing was found,
// " Nothing found holding it (no mount, stacked device or process with it open that this
// process can see): another mount namespace or a kernel driver may hold it."
[[nodiscard]] std::string describe_holders(const DeviceHolders& holders);

// find_device_holders then describe_holders.
[[nodiscard]] std::string busy_device_holders(const std::filesystem::path& proc_root,
                                              const std::filesystem::path& sys_root, dev_t dev,
                                              const std::string& path);

// busy_device_holders for the host's block device `path`, read from the host's /proc and /sys;
// "" when `path` is no block device. Only for the layers that open real devices (HostVolumeOps,
// the workflow's copier); everything testable goes through a SystemView's roots instead.
[[nodiscard]] std::string host_busy_holders(const std::string& path);

}  // namespace schelk
