// The copier's exclusive open of a volume, for every command that copies or compares devices
// (workflow copies, schelk copy, schelk verify): a busy device is named with what holds it.
#pragma once

#include <string>

#include "copier/device.hpp"

namespace schelk {

// copier::open_device(path, access, exclusive = true). Throws what it throws; EBUSY becomes a
// std::runtime_error with the same text followed by host_busy_holders(path) (the host's /proc
// and /sys) when that finds anything to say.
[[nodiscard]] copier::Device open_device_naming_holders(const std::string& path,
                                                        copier::Access access);

}  // namespace schelk
