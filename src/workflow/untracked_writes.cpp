// Untracked-write detection: sysfs write/discard counters stamped when scratch equals virgin and
// compared at mount; writers and stacked holders of scratch found through /proc and sysfs.
#include "src/workflow/untracked_writes.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "base/format.hpp"
#include "base/posix_io.hpp"
#include "base/strings.hpp"
#include "src/volume/device_holders.hpp"
#include "src/volume/volume.hpp"
#include "src/workflow/volume_pair.hpp"

namespace schelk {
namespace fs = std::filesystem;

namespace {

using base::read_text_file;

std::string trimmed(std::string_view s) { return std::string(base::trim(s)); }

fs::path sys_dev_dir(const fs::path& sys_root, dev_t dev) {
  return sys_root / "dev" / "block" /
         (std::to_string(major(dev)) + ":" + std::to_string(minor(dev)));
}

std::string sectors_in_mib(uint64_t sectors) { return base::format_mib(sectors * 512, 1); }

}  // namespace

std::optional<WriteCounters> parse_block_stat(const std::string& text) {
  std::istringstream in(text);
  std::vector<uint64_t> f;
  uint64_t v = 0;
  while (in >> v) f.push_back(v);
  if (!in.eof() || f.size() < 7) return std::nullopt;
  WriteCounters c;
  c.write_sectors = f[6];
  if (f.size() >= 14) c.discard_sectors = f[13];
  return c;
}

fs::path boot_id_path(const fs::path& proc_root) {
  return proc_root / "sys" / "kernel" / "random" / "boot_id";
}

std::optional<ScratchStamp> take_scratch_stamp(const std::string& device, SystemView& system) {
  const auto dev = system.block_device_number(device);
  if (!dev) return std::nullopt;
  const auto stat_text = read_text_file(sys_dev_dir(system.sys_root(), *dev) / "stat");
  const auto boot = read_text_file(boot_id_path(system.proc_root()));
  if (!stat_text || !boot) return std::nullopt;
  const auto counters = parse_block_stat(*stat_text);
  if (!counters) return std::nullopt;
  ScratchStamp s;
  s.device = device;
  s.major = major(*dev);
  s.minor = minor(*dev);
  s.boot_id = trimmed(*boot);
  s.counters = *counters;
  return s;
}

fs::path scratch_stamp_path_for(const fs::path& state_path) {
  return fs::path(state_path.string() + ".scratch");
}

std::string stamp_to_json(const ScratchStamp& s) {
  nlohmann::ordered_json j;
  j["device"] = s.device;
  j["major"] = s.major;
  j["minor"] = s.minor;
  j["boot_id"] = s.boot_id;
  j["write_sectors"] = s.counters.write_sectors;
  j["discard_sectors"] = s.counters.discard_sectors;
  return j.dump(2) + "\n";
}

ScratchStamp stamp_from_json(const std::string& text) {
  try {
    const auto j = nlohmann::json::parse(text);
    ScratchStamp s;
    s.device = j.at("device").get<std::string>();
    s.major = j.at("major").get<uint32_t>();
    s.minor = j.at("minor").get<uint32_t>();
    s.boot_id = j.at("boot_id").get<std::string>();
    s.counters.write_sectors = j.at("write_sectors").get<uint64_t>();
    s.counters.discard_sectors = j.at("discard_sectors").get<uint64_t>();
    return s;
  } catch (const nlohmann::json::exception& e) {
    throw StateError(std::string("Scratch stamp is corrupted: ") + e.what());
  }
}

UntrackedCheck compare_stamps(const std::optional<ScratchStamp>& then,
                              const std::optional<ScratchStamp>& now) {
  UntrackedCheck c;
  if (!then || !now) return c;
  if (then->boot_id != now->boot_id || then->major != now->major || then->minor != now->minor ||
      then->device != now->device || now->counters.write_sectors < then->counters.write_sectors ||
      now->counters.discard_sectors < then->counters.discard_sectors) {
    c.verdict = UntrackedVerdict::kCannotTell;
    return c;
  }
  c.written_sectors = now->counters.write_sectors - then->counters.write_sectors;
  c.discarded_sectors = now->counters.discard_sectors - then->counters.discard_sectors;
  c.verdict = c.written_sectors || c.discarded_sectors ? UntrackedVerdict::kWritten
                                                       : UntrackedVerdict::kUntouched;
  return c;
}

std::vector<Opener> find_writers(const std::string& device, const fs::path& proc_root) {
  std::vector<Opener> found;
  for_each_open_fd(proc_root, device,
                   [&found](pid_t pid, const fs::path& dir, const std::string& fd) {
                     const auto info = read_text_file(dir / "fdinfo" / fd);
                     if (!info) return false;
                     const auto at = info->find("flags:");
                     if (at == std::string::npos) return false;
                     const unsigned long flags = std::stoul(info->substr(at + 6), nullptr, 8);
                     if ((flags & O_ACCMODE) == O_RDONLY) return false;
                     found.push_back({pid, trimmed(read_text_file(dir / "comm").value_or("?"))});
                     return true;
                   });
  return found;
}

void record_scratch_untouched(Context& ctx, const State& st) {
  const auto path = scratch_stamp_path_for(ctx.options().state_path);
  try {
    const auto stamp = take_scratch_stamp(st.scratch, ctx.system());
    if (!stamp) {
      std::error_code ec;
      fs::remove(path, ec);  // an old stamp would describe another moment
      return;
    }
    write_file_atomically(path, fs::path(path.string() + ".tmp"), stamp_to_json(*stamp));
  } catch (const std::exception& e) {
    std::error_code ec;
    fs::remove(path, ec);
    ctx.err() << "Warning: cannot record scratch's write counters (" << e.what()
              << "); the next mount cannot check for untracked writes.\n";
  }
}

void check_scratch_untouched(Context& ctx, const State& st) {
  auto& system = ctx.system();
  // A resized volume: the era table, the written set and virgin would no longer line up.
  require_equal_sizes(ctx.volumes(), st.virgin, st.scratch, [&st](uint64_t vsize, uint64_t ssize) {
    return volume_size_mismatch(st.virgin, vsize, st.scratch, ssize) +
           " Was one resized? Re-run 'schelk init-from' for the new size.";
  });
  if (const auto writers = find_writers(st.scratch, system.proc_root()); !writers.empty()) {
    std::string list;
    for (const auto& w : writers) {
      list += (list.empty() ? "" : ", ") + std::to_string(w.pid) + " (" + w.command + ")";
    }
    throw VolumeError("Scratch volume " + st.scratch + " is open for writing by process " + list +
                      "; its writes would bypass dm-era. Stop it before 'schelk mount'.");
  }
  if (const auto dev = system.block_device_number(st.scratch)) {
    std::error_code ec;
    std::string holders;
    for (const auto& h :
         fs::directory_iterator(sys_dev_dir(system.sys_root(), *dev) / "holders", ec)) {
      holders += (holders.empty() ? "" : ", ") + h.path().filename().string();
    }
    if (!holders.empty()) {
      throw VolumeError("Scratch volume " + st.scratch + " is held by " + holders +
                        " (a device stacked on it could write it untracked). Remove it before "
                        "'schelk mount'.");
    }
    // After the holders check, whose message is more precise for stacked devices.
    if (system.exclusively_claimed(st.scratch)) {
      throw VolumeError(
          "Scratch volume " + st.scratch +
          " is in use (mounted outside schelk, or claimed by another driver). "
          "Unmount or release it before 'schelk mount'." +
          busy_device_holders(system.proc_root(), system.sys_root(), *dev, st.scratch));
    }
  }
  const auto path = scratch_stamp_path_for(ctx.options().state_path);
  std::optional<ScratchStamp> then;
  if (const auto text = read_text_file(path)) then = stamp_from_json(*text);
  const auto check = compare_stamps(then, take_scratch_stamp(st.scratch, system));
  switch (check.verdict) {
    case UntrackedVerdict::kWritten:
      throw VolumeError("Scratch volume " + st.scratch +
                        " was changed outside schelk since it was last restored (" +
                        sectors_in_mib(check.written_sectors) + " written, " +
                        sectors_in_mib(check.discarded_sectors) +
                        " discarded while dm-era was not tracking it). An incremental recover "
                        "cannot undo that: run 'schelk full-recover' first.");
    case UntrackedVerdict::kCannotTell:
      ctx.out() << "Note: cannot check scratch for untracked writes since the last restore (the "
                   "host rebooted or the device changed). If in doubt, run 'schelk verify --a "
                << st.virgin << " --b " << st.scratch << "' or 'schelk full-recover'.\n";
      break;
    case UntrackedVerdict::kUntouched:
    case UntrackedVerdict::kUnknown:
      break;
  }
}

}  // namespace schelk
