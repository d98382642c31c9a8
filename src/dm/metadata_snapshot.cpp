// See metadata_snapshot.hpp.
#include "src/dm/metadata_snapshot.hpp"

#include <exception>
#include <ostream>

namespace schelk {

MetadataSnapshotHold::MetadataSnapshotHold(DmControl& dm, std::string device_name,
                                           std::ostream& warnings)
    : dm_(dm), name_(std::move(device_name)), warnings_(warnings) {
  dm_.message(name_, "take_metadata_snap");
}

MetadataSnapshotHold::~MetadataSnapshotHold() {
  if (!held_) return;
  try {
    dm_.message(name_, "drop_metadata_snap");
  } catch (const std::exception& e) {
    warnings_ << "Warning: could not drop the metadata snapshot: " << e.what() << std::endl;
  }
}

void MetadataSnapshotHold::release() {
  held_ = false;  // a failed drop is reported by the throw, not tried again
  dm_.message(name_, "drop_metadata_snap");
}

}  // namespace schelk
