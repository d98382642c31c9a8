// Discard guard: the mount-option warning and the checked sysfs switch-off.
#include "src/workflow/guard_discard.hpp"

#include <iostream>
#include <stdexcept>

namespace schelk {

bool mount_options_enable_discard(std::string_view options) {
  bool on = false;
  while (!options.empty()) {
    const auto comma = options.find(',');
    const std::string_view opt = options.substr(0, comma);
    if (opt == "discard" || opt.starts_with("discard=")) on = true;
    if (opt == "nodiscard") on = false;
    if (comma == std::string_view::npos) break;
    options.remove_prefix(comma + 1);
  }
  return on;
}

void warn_if_discard_option(std::ostream& out, const std::optional<std::string>& options) {
  if (!options || !mount_options_enable_discard(*options)) return;
  out << "WARNING: mount option 'discard' has no effect while schelk tracks scratch: discards "
         "are off on the era device (dm-era marks only the first block of a discard, so a "
         "discard it let through could not be rolled back).\n";
}

void turn_discards_off(Context& ctx, const DmInfo& info) {
  auto& system = ctx.system();
  const std::string knob = discard_max_bytes_path(system.sys_root(), info).string();
  const std::string where = "dm-era device " + std::to_string(info.major) + ":" +
                            std::to_string(info.minor) + " (" + knob + ")";
  try {
    system.disable_discards(info);
  } catch (const std::exception& e) {
    throw std::runtime_error("Cannot turn discards off on " + where + ": " + e.what() +
                             ". Refusing to track: dm-era cannot track discards.");
  }
  if (!system.discards_disabled(info)) {
    throw std::runtime_error("Discards are still on after writing 0 to " + knob +
                             ". Refusing to track: dm-era cannot track discards.");
  }
}

}  // namespace schelk
