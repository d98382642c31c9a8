// Shared command plumbing: root check, lock, state load/save, confirmation, production seams.
#include "src/workflow/context.hpp"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <stdexcept>

#include "src/volume/tools.hpp"
#include "src/volume/volume.hpp"

namespace schelk {

std::string discard_max_bytes_path(const DmInfo& info) {
  return "/sys/block/dm-" + std::to_string(info.minor) + "/queue/discard_max_bytes";
}

namespace {

void write_discard_zero(const DmInfo& info) {
  const auto path = discard_max_bytes_path(info);
  std::ofstream f(path);
  f << "0\n";
  f.flush();
  if (!f) throw std::runtime_error("Cannot turn discards off: cannot write 0 to " + path);
}

bool read_discard_zero(const DmInfo& info) {
  std::ifstream f(discard_max_bytes_path(info));
  uint64_t v = 1;
  return static_cast<bool>(f >> v) && v == 0;
}

}  // namespace

SystemSeams::SystemSeams()
    : dm_(make_libdevmapper_control()), mounter_(std::make_unique<SystemMounter>()) {
  seams.dm = dm_.get();
  seams.mounter = mounter_.get();
  seams.read_written = read_written_from_snapshot;
  seams.copy = copy_volume_extents;
  seams.hash_superblock = hash_superblock;
  seams.device_size = device_size;
  seams.validate_block_device = validate_block_device;
  seams.zero_device = zero_device;
  seams.make_ext4 = make_ext4;
  seams.detect_fstype = detect_fstype;
  seams.disable_discards = write_discard_zero;
  seams.discards_disabled = read_discard_zero;
}

SystemSeams::~SystemSeams() = default;

void Context::require_root() const {
  if (seams_.require_root && ::geteuid() != 0) {
    throw std::runtime_error(
        "This command requires root privileges. Please run with sudo or as root.");
  }
}

StateLock Context::lock() const {
  return StateLock::acquire(options_.state_path, options_.lock_timeout);
}

State Context::load_initialized() const {
  auto state = load_state(options_.state_path);
  if (!state) {
    throw std::runtime_error(
        "schelk has not been initialized. Run 'schelk init-new' or 'schelk init-from' first.");
  }
  return *state;
}

void Context::save(const State& state) const { save_state(options_.state_path, state); }

void Context::confirm(const std::string& message) {
  if (options_.yes) return;
  out_ << message << " [y/N] " << std::flush;
  std::string line;
  if (!std::getline(in_, line)) throw CancelledError();
  const auto b = line.find_first_not_of(" \t\r\n");
  const auto e = line.find_last_not_of(" \t\r\n");
  std::string answer = b == std::string::npos ? "" : line.substr(b, e - b + 1);
  std::transform(answer.begin(), answer.end(), answer.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (answer != "y" && answer != "yes") throw CancelledError();
}

}  // namespace schelk
