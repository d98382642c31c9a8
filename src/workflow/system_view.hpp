// What the workflow asks the kernel about processes and devices, behind one narrow interface so
// the command flows run against a fake tree in a temporary directory: procfs and sysfs roots
// (for the untracked-write checks, which read <sys>/dev/block/M:m/{stat,holders},
// <proc>/sys/kernel/random/boot_id and <proc>/<pid>/fd), device numbers, exclusive claims, the
// era device's discard switch and whether we are root. HostSystemView is the real one; only the
// CLI entry constructs it.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>

#include "src/dm/dm_control.hpp"

namespace schelk {

// The file behind a loop device (LOOP_GET_STATUS64): its st_dev and st_ino, and its st_rdev
// when the file is itself a block device node (0 otherwise).
struct LoopBacking {
  dev_t dev = 0;
  ino_t ino = 0;
  dev_t rdev = 0;
  bool operator==(const LoopBacking&) const = default;
};

class SystemView {
 public:
  virtual ~SystemView() = default;
  // Effective user id 0.
  virtual bool is_root() = 0;
  // Where procfs and sysfs are ("/proc" and "/sys" on the host).
  virtual std::filesystem::path proc_root() = 0;
  virtual std::filesystem::path sys_root() = 0;
  // Device number of a block device path; nullopt for anything else.
  virtual std::optional<dev_t> block_device_number(const std::string& path) = 0;
  // True when the block device cannot be opened O_EXCL (mounted, or claimed by a driver).
  virtual bool exclusively_claimed(const std::string& path) = 0;
  // Sets the era device's discard_max_bytes to 0, so it refuses discards. Throws when it cannot.
  virtual void disable_discards(const DmInfo& era_device) = 0;
  // True when the era device's discard_max_bytes reads 0.
  virtual bool discards_disabled(const DmInfo& era_device) = 0;
  // The backing file of the loop device at `path` (or of the loop disk a partition belongs to);
  // nullopt when `path` is no bound loop device. The ramdisk and alias checks
  // (ramdisk_check.hpp) ask it only for devices sysfs shows as loop devices.
  virtual std::optional<LoopBacking> loop_backing(const std::string& path) = 0;
};

// <sys_root>/block/dm-<minor>/queue/discard_max_bytes
std::filesystem::path discard_max_bytes_path(const std::filesystem::path& sys_root,
                                             const DmInfo& info);

// The running host: the given procfs and sysfs roots, stat(2), open(2) with O_EXCL, geteuid(2).
class HostSystemView final : public SystemView {
 public:
  HostSystemView(std::filesystem::path proc_root, std::filesystem::path sys_root)
      : proc_root_(std::move(proc_root)), sys_root_(std::move(sys_root)) {}
  bool is_root() override;
  std::filesystem::path proc_root() override { return proc_root_; }
  std::filesystem::path sys_root() override { return sys_root_; }
  std::optional<dev_t> block_device_number(const std::string& path) override;
  bool exclusively_claimed(const std::string& path) override;
  void disable_discards(const DmInfo& era_device) override;
  bool discards_disabled(const DmInfo& era_device) override;
  std::optional<LoopBacking> loop_backing(const std::string& path) override;

 private:
  std::filesystem::path proc_root_;
  std::filesystem::path sys_root_;
};

}  // namespace schelk
