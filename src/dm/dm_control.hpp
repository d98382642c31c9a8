// The device-mapper operations schelk needs, behind an interface so the command flows can be
// tested with a fake. The real implementation talks to the kernel through libdevmapper.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "src/dm/era_status.hpp"

namespace schelk {

struct DmInfo {
  uint32_t major = 0;
  uint32_t minor = 0;
  int32_t open_count = 0;
  bool suspended = false;
};

class DmControl {
 public:
  virtual ~DmControl() = default;
  // Creates and resumes "0 <length_sectors> era <metadata> <origin> <block_sectors>", and makes
  // /dev/mapper/<name> exist.
  virtual void create_era(const std::string& name, const std::string& metadata_dev,
                          const std::string& origin_dev, uint64_t length_sectors,
                          uint64_t block_sectors) = 0;
  // Creates and resumes "0 <length_sectors> linear <origin> 0" (schelk overhead's baseline).
  virtual void create_linear(const std::string& name, const std::string& origin_dev,
                             uint64_t length_sectors) = 0;
  // Sends "<msg>" to sector 0 (checkpoint, take_metadata_snap, drop_metadata_snap).
  virtual void message(const std::string& name, const std::string& msg) = 0;
  virtual EraStatus status(const std::string& name) = 0;
  virtual std::optional<DmInfo> info(const std::string& name) = 0;
  bool exists(const std::string& name) { return info(name).has_value(); }
  // The loaded table's targets; empty when the device does not exist or has no table.
  virtual std::vector<DmTarget> table(const std::string& name) = 0;
  // Removes the device and its node.
  virtual void remove(const std::string& name) = 0;
  virtual std::string device_path(const std::string& name) const { return "/dev/mapper/" + name; }
};

// libdevmapper, with udev synchronisation off when no udev daemon runs.
std::unique_ptr<DmControl> make_libdevmapper_control();

}  // namespace schelk
