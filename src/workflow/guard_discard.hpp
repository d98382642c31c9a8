// Keeping discards away from a tracked scratch: dm-era marks only the first block of a discard,
// so while it tracks, the era device must refuse them (queue/discard_max_bytes = 0), and a
// `discard` mount option can only be warned about.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>

#include "src/dm/dm_control.hpp"
#include "src/workflow/context.hpp"

namespace schelk {

// True when the comma-separated mount options ask for online discard (`discard`, or
// `discard=...` as some filesystems take; the last of discard/nodiscard wins, as in ext4).
bool mount_options_enable_discard(std::string_view options);

// Prints a warning when the stored mount options ask for discards, which are off while tracking.
void warn_if_discard_option(std::ostream& out, const std::optional<std::string>& options);

// Turns discards off on the era device and reads the setting back; throws (so mount rolls back
// and says why) when either fails. Call after every table load of the era device.
void turn_discards_off(Context& ctx, const DmInfo& info);

}  // namespace schelk
