// The persisted schelk state: the same JSON file, fields and field order as the original schelk
// (/var/lib/schelk/state.json), saved atomically through <dir>/.state.json.tmp.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "base/sha256.hpp"

namespace schelk {

inline constexpr const char* kDefaultStatePath = "/var/lib/schelk/state.json";
inline constexpr const char* kDefaultDmEraName = "bench_era";

using base::Sha256Digest;

// A phase of a tracked run (`schelk mark LABEL`): the writes from `era` on, until the next
// phase, belong to it.
struct Phase {
  std::string label;
  uint32_t era = 0;
  uint64_t at = 0;  // unix seconds
  bool operator==(const Phase&) const = default;
};

struct State {
  std::string virgin;
  std::string scratch;
  std::string ramdisk;
  std::string mount_point;
  std::string fstype;
  std::optional<std::string> mount_options;
  uint64_t granularity = 4096;  // bytes
  Sha256Digest virgin_superblock_hash{};
  std::string dm_era_name = kDefaultDmEraName;
  bool is_mounted = false;
  std::optional<uint64_t> current_era;
  // Added field (written only when true, so older readers see schelk's file): init was given
  // --allow-any-ramdisk, so mount accepts a metadata device that is not RAM-backed.
  bool allow_any_ramdisk = false;
  // Added by this schelk (the original ignores unknown fields): set when scratch was left equal to
  // virgin (init, recover, full-recover, promote), cleared at mount. Unix seconds; saved as
  // "scratch_clean": true, "scratch_clean_at": N, and only when set.
  std::optional<uint64_t> scratch_clean_at;
  // Added field (written only when set): scratch was written while its tracking was lost (a
  // reboot while mounted, a mount schelk did not know), so only a full copy makes it equal to
  // virgin again. Holds the reason, a NeedsFull* code; cleared by mark_scratch_clean.
  std::optional<std::string> needs_full_recover;
  // Added field (written only when non-empty): the phases marked since mount, in order; mount
  // starts with none.
  std::vector<Phase> phases;
  // Added fields (written only when set): the run history's bounds (`schelk history
  // --keep-runs N --keep-bytes B`); the defaults are in src/history/run_history.hpp.
  std::optional<uint64_t> history_max_runs;
  std::optional<uint64_t> history_max_bytes;
  // Added fields (written only when an id is set): which baseline virgin holds (a UUID made at
  // init) and its generation (0 at init, +1 at every promote); send/receive match them.
  std::optional<std::string> baseline_id;
  uint64_t generation = 0;
};

// needs_full_recover codes (repair.hpp says when each is set).
inline constexpr const char* kNeedsFullTrackingLost = "tracking_lost";
inline constexpr const char* kNeedsFullUnknownMount = "unknown_mount";
// A receive of a full stream wrote scratch and did not finish (virgin untouched).
inline constexpr const char* kNeedsFullScratchOverwritten = "scratch_overwritten";

// A fresh baseline id: a random (version 4) UUID, "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".
std::string make_baseline_id();
// The 16 bytes of a baseline id, or nullopt when `id` is not a UUID in that form.
std::optional<std::array<uint8_t, 16>> baseline_id_bytes(const std::string& id);
std::string baseline_id_text(const std::array<uint8_t, 16>& bytes);

// Seconds since the epoch, now.
uint64_t unix_now();

// Records "scratch equals virgin now" (the current time) in `state`; a full recovery is no
// longer needed.
void mark_scratch_clean(State& state);

class StateError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Pretty JSON (2-space indent), fields in schelk's order.
std::string state_to_json(const State& state);
// Throws StateError("State file is corrupted: ...") on malformed input; unknown fields ignored,
// a missing dm_era_name defaults to bench_era.
State state_from_json(const std::string& text);

// None when the file does not exist ("not initialized"). Throws StateError naming the path when
// it is a directory or its contents are malformed, std::system_error when it cannot be read.
std::optional<State> load_state(const std::filesystem::path& path);
// create_dir_all, write <dir>/.state.json.tmp, fsync, rename, fsync the directory.
void save_state(const std::filesystem::path& path, const State& state);

// Writes `contents` to `path` atomically through `tmp` (same directory), with fsyncs.
void write_file_atomically(const std::filesystem::path& path, const std::filesystem::path& tmp,
                           const std::string& contents);

// The state path from --state-path, else $SCHELK_STATE, else the default.
std::filesystem::path resolve_state_path(const std::optional<std::string>& flag);

}  // namespace schelk
