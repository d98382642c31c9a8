// What every workflow command gets: the global options and the system seams (dm control,
// mounter, written-set reader, copier, console), so command flows can run against fakes.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>

#include "src/dm/dm_control.hpp"
#include "src/mount/mount.hpp"
#include "src/state/lock.hpp"
#include "src/state/state.hpp"
#include "src/workflow/block_copy.hpp"
#include "src/workflow/written_set.hpp"

namespace schelk {

struct GlobalOptions {
  bool yes = false;
  std::filesystem::path state_path = kDefaultStatePath;
  double lock_timeout = 0;  // seconds; 0 = fail at once when busy
};

struct Seams {
  DmControl* dm = nullptr;
  Mounter* mounter = nullptr;
  std::function<WrittenBlocks(const std::string& metadata_dev, uint32_t since_era)> read_written;
  std::function<CopyReport(const CopyRequest&)> copy;
  std::function<Sha256Digest(const std::string&)> hash_superblock;
  std::function<uint64_t(const std::string&)> device_size;
  std::function<void(const std::string&)> validate_block_device;
  std::function<void(const std::string&)> zero_device;
  std::function<void(const std::string&)> make_ext4;
  std::function<std::optional<std::string>(const std::string&)> detect_fstype;
  // Turns discards off on the era device (sysfs), so untracked discards cannot happen.
  std::function<void(const DmInfo&)> disable_discards;
  std::function<bool(const DmInfo&)> discards_disabled;
  bool require_root = true;
  bool require_tools = true;  // mkfs.ext4 in PATH for init-new
};

// The production seams (libdevmapper, libmount, era_metadata, copier, /dev, sysfs).
struct SystemSeams {
  SystemSeams();
  ~SystemSeams();
  Seams seams;

 private:
  std::unique_ptr<DmControl> dm_;
  std::unique_ptr<Mounter> mounter_;
};

class Context {
 public:
  Context(GlobalOptions options, Seams seams, std::istream& in, std::ostream& out,
          std::ostream& err)
      : options_(std::move(options)), seams_(std::move(seams)), in_(in), out_(out), err_(err) {}

  const GlobalOptions& options() const { return options_; }
  Seams& seams() { return seams_; }
  DmControl& dm() { return *seams_.dm; }
  Mounter& mounter() { return *seams_.mounter; }
  std::ostream& out() { return out_; }
  std::ostream& err() { return err_; }

  void require_root() const;
  StateLock lock() const;
  // Loads the state or fails with schelk's "has not been initialized" message.
  State load_initialized() const;
  void save(const State& state) const;
  // "<msg> [y/N] " unless --yes; anything but y/yes fails "Operation cancelled by user."
  void confirm(const std::string& message);

 private:
  GlobalOptions options_;
  Seams seams_;
  std::istream& in_;
  std::ostream& out_;
  std::ostream& err_;
};

class CancelledError : public std::runtime_error {
 public:
  CancelledError() : std::runtime_error("Operation cancelled by user.") {}
};

// Sysfs path of the era device's queue/discard_max_bytes.
std::string discard_max_bytes_path(const DmInfo& info);

}  // namespace schelk
