// JSON (de)serialisation and atomic saving of the schelk state file.
#include "src/state/state.hpp"

#include <fcntl.h>
#include <sys/random.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <system_error>

#include "base/errno.hpp"
#include "base/posix_io.hpp"
#include "base/unique_fd.hpp"
#include "src/state/state_validate.hpp"

namespace schelk {
namespace {

using ordered_json = nlohmann::ordered_json;

}  // namespace

std::string state_to_json(const State& s) {
  ordered_json j;
  j["virgin"] = s.virgin;
  j["scratch"] = s.scratch;
  j["ramdisk"] = s.ramdisk;
  j["mount_point"] = s.mount_point;
  j["fstype"] = s.fstype;
  j["mount_options"] = s.mount_options ? ordered_json(*s.mount_options) : ordered_json(nullptr);
  j["granularity"] = s.granularity;
  ordered_json hash = ordered_json::array();
  for (uint8_t b : s.virgin_superblock_hash) hash.push_back(b);
  j["virgin_superblock_hash"] = hash;
  j["dm_era_name"] = s.dm_era_name;
  j["is_mounted"] = s.is_mounted;
  j["current_era"] = s.current_era ? ordered_json(*s.current_era) : ordered_json(nullptr);
  if (s.allow_any_ramdisk) j["allow_any_ramdisk"] = true;
  if (s.scratch_clean_at) {
    j["scratch_clean"] = true;
    j["scratch_clean_at"] = *s.scratch_clean_at;
  }
  if (s.needs_full_recover) j["needs_full_recover"] = *s.needs_full_recover;
  if (s.history_max_runs) j["history_max_runs"] = *s.history_max_runs;
  if (s.history_max_bytes) j["history_max_bytes"] = *s.history_max_bytes;
  if (s.baseline_id) {
    j["baseline_id"] = *s.baseline_id;
    j["generation"] = s.generation;
  }
  if (!s.phases.empty()) {
    auto phases = ordered_json::array();
    for (const auto& p : s.phases) {
      phases.push_back({{"label", p.label}, {"era", p.era}, {"at", p.at}});
    }
    j["phases"] = phases;
  }
  return j.dump(2);
}

State state_from_json(const std::string& text) {
  try {
    const auto j = nlohmann::json::parse(text);
    if (!j.is_object()) throw StateError("State file is corrupted: not a JSON object");
    State s;
    s.virgin = j.at("virgin").get<std::string>();
    s.scratch = j.at("scratch").get<std::string>();
    s.ramdisk = j.at("ramdisk").get<std::string>();
    s.mount_point = j.at("mount_point").get<std::string>();
    s.fstype = j.at("fstype").get<std::string>();
    const auto& opts = j.at("mount_options");
    if (!opts.is_null()) s.mount_options = opts.get<std::string>();
    s.granularity = j.at("granularity").get<uint64_t>();
    const auto& hash = j.at("virgin_superblock_hash");
    if (!hash.is_array() || hash.size() != s.virgin_superblock_hash.size()) {
      throw StateError("State file is corrupted: virgin_superblock_hash must be 32 integers");
    }
    for (size_t i = 0; i < hash.size(); ++i) {
      const auto v = hash[i].get<int64_t>();
      if (v < 0 || v > 255) {
        throw StateError("State file is corrupted: virgin_superblock_hash byte out of range");
      }
      s.virgin_superblock_hash[i] = static_cast<uint8_t>(v);
    }
    if (j.contains("dm_era_name")) s.dm_era_name = j.at("dm_era_name").get<std::string>();
    s.is_mounted = j.at("is_mounted").get<bool>();
    const auto& era = j.at("current_era");
    if (!era.is_null()) s.current_era = era.get<uint64_t>();
    if (j.contains("allow_any_ramdisk"))
      s.allow_any_ramdisk = j.at("allow_any_ramdisk").get<bool>();
    if (j.value("scratch_clean", false)) {
      s.scratch_clean_at = j.value("scratch_clean_at", uint64_t{0});
    }
    if (j.contains("history_max_runs")) {
      s.history_max_runs = j.at("history_max_runs").get<uint64_t>();
    }
    if (j.contains("history_max_bytes")) {
      s.history_max_bytes = j.at("history_max_bytes").get<uint64_t>();
    }
    if (j.contains("phases")) {
      for (const auto& p : j.at("phases")) {
        const auto phase_era = p.at("era").get<uint64_t>();
        if (phase_era > UINT32_MAX)
          throw StateError("State file is corrupted: a phase's era is > 2^32");
        s.phases.push_back({p.at("label").get<std::string>(), static_cast<uint32_t>(phase_era),
                            p.at("at").get<uint64_t>()});
      }
    }
    if (j.contains("baseline_id") && !j.at("baseline_id").is_null()) {
      s.baseline_id = j.at("baseline_id").get<std::string>();
      if (!baseline_id_bytes(*s.baseline_id)) {
        throw StateError("State file is corrupted: baseline_id is not a UUID");
      }
      s.generation = j.value("generation", uint64_t{0});
    }
    if (j.contains("needs_full_recover") && !j.at("needs_full_recover").is_null()) {
      s.needs_full_recover = j.at("needs_full_recover").get<std::string>();
    }
    return s;
  } catch (const nlohmann::json::exception& e) {
    throw StateError(std::string("State file is corrupted: ") + e.what());
  }
}

std::string baseline_id_text(const std::array<uint8_t, 16>& b) {
  static const char* hex = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < b.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) s += '-';
    s += hex[b[i] >> 4];
    s += hex[b[i] & 15];
  }
  return s;
}

std::string make_baseline_id() {
  std::array<uint8_t, 16> b{};
  size_t got = 0;
  while (got < b.size()) {
    const ssize_t n = ::getrandom(b.data() + got, b.size() - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw std::system_error(errno, std::generic_category(), "getrandom");
    got += static_cast<size_t>(n);
  }
  b[6] = static_cast<uint8_t>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<uint8_t>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
  return baseline_id_text(b);
}

std::optional<std::array<uint8_t, 16>> baseline_id_bytes(const std::string& id) {
  if (id.size() != 36) return std::nullopt;
  std::array<uint8_t, 16> b{};
  size_t k = 0;
  for (size_t i = 0; i < id.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (id[i] != '-') return std::nullopt;
      continue;
    }
    const char c = id[i];
    int v = -1;
    if (c >= '0' && c <= '9') v = c - '0';
    if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    if (v < 0) return std::nullopt;
    b[k / 2] = static_cast<uint8_t>(b[k / 2] << 4 | v);
    ++k;
  }
  return b;
}

uint64_t unix_now() {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(now).count());
}

void mark_scratch_clean(State& state) {
  state.needs_full_recover.reset();
  state.scratch_clean_at = unix_now();
}

std::optional<State> load_state(const std::filesystem::path& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    // An ifstream opens a directory and then reads nothing ("unexpected end of input").
    throw StateError("State path " + path.string() +
                     " is a directory, not a state file; give the file's path with "
                     "--state-path or SCHELK_STATE.");
  }
  std::ifstream in(path);
  if (!in) {
    if (errno == ENOENT) return std::nullopt;
    base::throw_errno(errno, "Cannot read state file " + path.string());
  }
  std::stringstream buf;
  buf << in.rdbuf();
  validate_state_text(buf.str(), path);
  try {
    return state_from_json(buf.str());
  } catch (const StateError& e) {
    // Name the file: with $SCHELK_STATE or the default path the user may not know which it is.
    const std::string prefix = "State file is corrupted: ";
    std::string detail = e.what();
    if (detail.rfind(prefix, 0) == 0) detail.erase(0, prefix.size());
    throw StateError(prefix + path.string() + ": " + detail +
                     ". Repair or remove it, then run 'schelk init-new' or 'schelk init-from' "
                     "again.");
  }
}

void write_file_atomically(const std::filesystem::path& path, const std::filesystem::path& tmp,
                           const std::string& contents) {
  base::UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd) base::throw_errno(errno, "Cannot create " + tmp.string());
  base::write_full(fd.get(), contents, "Cannot write " + tmp.string());
  if (::fsync(fd.get()) != 0) base::throw_errno(errno, "Cannot fsync " + tmp.string());
  // close's own error matters here (NFS reports write errors at close): not UniqueFd's reset.
  if (::close(fd.release()) != 0) base::throw_errno(errno, "Cannot close " + tmp.string());
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    base::throw_errno(errno, "Cannot rename " + tmp.string() + " to " + path.string());
  }
  auto dir = path.parent_path();
  if (dir.empty()) dir = ".";
  const base::UniqueFd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dfd) base::throw_errno(errno, "Cannot open directory " + dir.string());
  if (::fsync(dfd.get()) != 0) base::throw_errno(errno, "Cannot fsync directory " + dir.string());
}

void save_state(const std::filesystem::path& path, const State& state) {
  auto dir = path.parent_path();
  if (!dir.empty()) std::filesystem::create_directories(dir);
  write_file_atomically(path, (dir.empty() ? "." : dir) / ".state.json.tmp", state_to_json(state));
}

std::filesystem::path resolve_state_path(const std::optional<std::string>& flag) {
  if (flag && !flag->empty()) return *flag;
  if (const char* env = std::getenv("SCHELK_STATE"); env && *env) return env;
  return kDefaultStatePath;
}

}  // namespace schelk
