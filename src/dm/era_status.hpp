// Parser of the dm-era target's status line ("8 75/4096 1 -", or with the "0 <len> era" prefix
// dmsetup prints) and its table line; pure functions, unit-tested without a kernel.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace schelk {

class DmError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct EraStatus {
  uint32_t metadata_block_sectors = 0;
  uint64_t used = 0;   // metadata blocks in use
  uint64_t total = 0;  // metadata blocks in all
  uint32_t current_era = 0;
  std::optional<uint64_t> snapshot_block;  // held metadata snapshot, if any
};

// Throws DmError naming the text on anything malformed (including the kernel's "Error").
EraStatus parse_era_status(std::string_view line);

// The table parameters: "<metadata dev> <origin dev> <block sectors>".
std::string era_table_params(const std::string& metadata_dev, const std::string& origin_dev,
                             uint64_t block_sectors);

// One target of a dm device's table (DM_DEVICE_TABLE): "<start> <length> <type> <params>".
struct DmTarget {
  uint64_t start = 0;
  uint64_t length = 0;  // sectors
  std::string type;
  std::string params;
};

struct DevNumber {
  uint32_t major = 0;
  uint32_t minor = 0;
  bool operator==(const DevNumber&) const = default;
};

// A loaded era table: the kernel prints both devices as major:minor (dm-era-target.c, era_status
// with STATUSTYPE_TABLE), whatever path created it.
struct EraTable {
  uint64_t length_sectors = 0;
  DevNumber metadata;
  DevNumber origin;
  uint64_t block_sectors = 0;
};

// The era table of a device whose table is exactly one era target from sector 0; nullopt for
// anything else (another target type, several targets, malformed parameters).
std::optional<EraTable> parse_era_table(const std::vector<DmTarget>& table);
// "0 <length> <type> <params>; ..." for messages.
std::string describe_table(const std::vector<DmTarget>& table);

// What to tell the user when creating an era device failed, given the target types the kernel
// has registered (dm_task_get_versions): empty when "era" is among them (the failure had another
// cause), else the fix ("... run 'modprobe dm-era' ...").
std::string missing_era_target_hint(const std::vector<std::string>& target_types);

// dm names schelk accepts: non-empty, not starting with '-', [A-Za-z0-9._+-] only.
void validate_dm_name(const std::string& name);

}  // namespace schelk
