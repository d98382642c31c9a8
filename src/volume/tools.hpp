// External programs schelk still runs (only mkfs.ext4) and filesystem type detection (libblkid).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace schelk {

// Absolute path of `name` found in $PATH, or nullopt.
std::optional<std::string> find_in_path(const std::string& name);
// "<cmd> not found in PATH. Install <hint>." when missing.
void require_tool(const std::string& name, const std::string& hint);

// Runs argv (argv[0] searched in PATH), stdout passed through, stderr captured. Throws
// std::runtime_error "<what> failed: <stderr>" on a non-zero exit.
void run_program(const std::vector<std::string>& argv, const std::string& what);

// mkfs.ext4 -F -b 4096 -L schelk <device>
void make_ext4(const std::string& device);

// Filesystem type of a device or image by libblkid ("ext4", "xfs", ...), or nullopt.
std::optional<std::string> detect_fstype(const std::string& device);

}  // namespace schelk
