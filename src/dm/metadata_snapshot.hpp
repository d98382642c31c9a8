// A held dm-era metadata snapshot as a scope: the constructor sends take_metadata_snap, release()
// sends drop_metadata_snap and reports its failure, and a hold that ends without release() (an
// exception while reading) drops the snapshot best-effort, so no run leaves one held by mistake.
#pragma once

#include <iosfwd>
#include <string>

#include "src/dm/dm_control.hpp"

namespace schelk {

class MetadataSnapshotHold {
 public:
  // Throws DmError when the snapshot cannot be taken (nothing is held then). A failed drop in the
  // destructor is reported on `warnings` as one "Warning: ..." line.
  MetadataSnapshotHold(DmControl& dm, std::string device_name, std::ostream& warnings);
  MetadataSnapshotHold(const MetadataSnapshotHold&) = delete;
  MetadataSnapshotHold& operator=(const MetadataSnapshotHold&) = delete;
  ~MetadataSnapshotHold();

  // Drops the snapshot; throws DmError when that fails. Call once, on success.
  void release();

 private:
  DmControl& dm_;
  std::string name_;
  std::ostream& warnings_;
  bool held_ = true;
};

}  // namespace schelk
