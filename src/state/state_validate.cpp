// Value checks on state.json and the state directory probe; see state_validate.hpp.
#include "src/state/state_validate.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <nlohmann/json.hpp>

#include "base/errno.hpp"
#include "src/state/state.hpp"

namespace schelk {
namespace {

constexpr uint64_t kMaxGranularity = uint64_t{1} << 40;  // far beyond any useful tracking block

[[noreturn]] void refuse(const std::filesystem::path& path, const std::string& field,
                         const nlohmann::json& value, const std::string& rule) {
  throw StateError("State file " + path.string() + ": field '" + field + "' is " + value.dump() +
                   ", but " + rule + "; correct it or re-run 'schelk init-from'.");
}

}  // namespace

void validate_state_text(const std::string& text, const std::filesystem::path& path) {
  const auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return;  // state_from_json reports it
  if (const auto it = j.find("granularity"); it != j.end()) {
    const auto& g = *it;
    const bool ok = g.is_number_unsigned() && g.get<uint64_t>() >= 512 &&
                    g.get<uint64_t>() <= kMaxGranularity && g.get<uint64_t>() % 512 == 0;
    if (!ok) {
      refuse(path, "granularity", g,
             "it must be a whole number of bytes, a multiple of 512, from 512 to 2^40");
    }
  }
  if (const auto it = j.find("current_era"); it != j.end() && !it->is_null()) {
    const auto& e = *it;
    if (!e.is_number_unsigned() || e.get<uint64_t>() > UINT32_MAX) {
      refuse(path, "current_era", e, "it must be null or a whole number below 2^32");
    }
  }
}

void require_state_dir_writable(const std::filesystem::path& state_path) {
  auto dir = state_path.parent_path();
  if (dir.empty()) dir = ".";
  std::error_code ec;
  // The very file save_state writes first when the directory exists; a probe in the nearest
  // existing ancestor when it is still to be created.
  auto probe = dir / ".state.json.tmp";
  if (!std::filesystem::exists(dir, ec)) {
    while (!std::filesystem::exists(dir, ec) && dir.has_parent_path() && dir != dir.parent_path()) {
      dir = dir.parent_path();
    }
    probe = dir / (".schelk-write-probe." + std::to_string(::getpid()));
  }
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    throw StateError("Cannot write the state directory " + dir.string() + " (for " +
                     state_path.string() + "): " + base::errno_text(errno) +
                     "; make it writable (chattr -i, remount rw) or choose another --state-path.");
  }
  ::close(fd);
  ::unlink(probe.c_str());
}

}  // namespace schelk
