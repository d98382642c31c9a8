// Detecting writes to scratch while dm-era is not tracking it (between the end of a recover and
// the next mount: another tool, a mount outside schelk, fstrim, e2fsck). At the end of every
// operation that leaves scratch equal to virgin, schelk records the kernel's write and discard
// sector counters of scratch (<sys>/dev/block/M:m/stat) with the boot id; mount compares them and
// refuses when they moved. Also: processes that hold scratch open for writing are refused. Every
// fact comes through the context's SystemView.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "src/state/state.hpp"
#include "src/workflow/context.hpp"
#include "src/workflow/system_view.hpp"

namespace schelk {

struct WriteCounters {
  uint64_t write_sectors = 0;
  uint64_t discard_sectors = 0;  // 0 on kernels whose stat file has no discard columns
  bool operator==(const WriteCounters&) const = default;
};

// Parses a block device's sysfs `stat` line (write sectors = field 7, discard sectors = 14).
std::optional<WriteCounters> parse_block_stat(const std::string& text);

struct ScratchStamp {
  std::string device;  // the scratch path from the state
  uint32_t major = 0;
  uint32_t minor = 0;
  std::string boot_id;
  WriteCounters counters;
  bool operator==(const ScratchStamp&) const = default;
};

// <proc_root>/sys/kernel/random/boot_id
std::filesystem::path boot_id_path(const std::filesystem::path& proc_root);

// None when the path is no block device or its counters cannot be read.
std::optional<ScratchStamp> take_scratch_stamp(const std::string& device, SystemView& system);

std::filesystem::path scratch_stamp_path_for(const std::filesystem::path& state_path);
std::string stamp_to_json(const ScratchStamp& stamp);
ScratchStamp stamp_from_json(const std::string& text);  // throws StateError

enum class UntrackedVerdict {
  kUnknown,     // no stamp, or no counters now (not a block device)
  kCannotTell,  // rebooted, or another device now: the counters do not compare
  kUntouched,
  kWritten,
};
struct UntrackedCheck {
  UntrackedVerdict verdict = UntrackedVerdict::kUnknown;
  uint64_t written_sectors = 0;
  uint64_t discarded_sectors = 0;
};
UntrackedCheck compare_stamps(const std::optional<ScratchStamp>& then,
                              const std::optional<ScratchStamp>& now);

struct Opener {
  pid_t pid = 0;
  std::string command;
};
// Processes with an fd open for writing on `device` (same device number; same file for non-block
// paths), from <proc_root>/<pid>/fd and fdinfo. Never lists this process.
std::vector<Opener> find_writers(const std::string& device, const std::filesystem::path& proc_root);

// At the end of recover, promote, full-recover and init: scratch is what schelk expects.
// Failure to record only warns (mount then cannot check).
void record_scratch_untouched(Context& ctx, const State& st);
// In mount, before dm-era is created: throws VolumeError when virgin and scratch differ in size,
// when scratch was written or discarded since the stamp, is open for writing by a process, is
// held by a stacked device or claimed exclusively (mounted); notes when it cannot tell.
void check_scratch_untouched(Context& ctx, const State& st);

}  // namespace schelk
