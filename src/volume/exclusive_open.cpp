// See exclusive_open.hpp.
#include "src/volume/exclusive_open.hpp"

#include <stdexcept>
#include <system_error>

#include "src/volume/device_holders.hpp"

namespace schelk {

copier::Device open_device_naming_holders(const std::string& path, copier::Access access) {
  try {
    return copier::open_device(path, access, true);
  } catch (const std::system_error& e) {
    if (e.code() != std::errc::device_or_resource_busy) throw;
    const std::string holders = host_busy_holders(path);
    if (holders.empty()) throw;
    throw std::runtime_error(e.what() + ("." + holders));
  }
}

}  // namespace schelk
