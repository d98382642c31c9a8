// See run_history.hpp.
#include "src/history/run_history.hpp"

#include <algorithm>
#include <cstdio>
#include <map>

#include "base/posix_io.hpp"
#include "src/state/state.hpp"

namespace schelk {
namespace fs = std::filesystem;
namespace {

constexpr uint64_t kMaxRecordBytes = 16 << 20;     // a record is a few KiB
constexpr uint64_t kMaxWrittenBytes = 4ull << 30;  // far above any real compressed set

fs::path record_path(const fs::path& dir, const std::string& id) { return dir / (id + ".json"); }
fs::path written_path(const fs::path& dir, const std::string& id) {
  return dir / (id + ".written.zst");
}
fs::path files_path(const fs::path& dir, const std::string& id) {
  return dir / (id + ".files.json");
}

RunRecord run_from_json(const nlohmann::json& j) {
  RunRecord r;
  r.id = j.at("id").get<std::string>();
  r.command = j.at("command").get<std::string>();
  r.started_ms = j.at("started_ms").get<uint64_t>();
  r.ended_ms = j.at("ended_ms").get<uint64_t>();
  r.version = j.at("version").get<std::string>();
  r.report = j.at("report");
  r.written_ranges = j.value("written_ranges", uint64_t{0});
  return r;
}

// The ids in `dir` (from their .json files), oldest first.
std::vector<std::string> run_ids(const fs::path& dir) {
  std::vector<std::string> ids;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const auto name = it->path().filename().string();
    const bool json = name.size() > 5 && name.compare(name.size() - 5, 5, ".json") == 0;
    const bool files = name.size() > 11 && name.compare(name.size() - 11, 11, ".files.json") == 0;
    if (json && !files && name[0] != '.') {
      ids.push_back(name.substr(0, name.size() - 5));
    }
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

uint64_t file_size_or_zero(const fs::path& p) {
  std::error_code ec;
  const auto n = fs::file_size(p, ec);
  return ec ? 0 : n;
}

}  // namespace

fs::path history_dir_for(const fs::path& state_path) {
  return state_path.parent_path() / "history";
}

std::string make_run_id(uint64_t started_ms, const std::string& command) {
  char digits[32];
  std::snprintf(digits, sizeof digits, "%015llu", static_cast<unsigned long long>(started_ms));
  return std::string(digits) + "-" + command;
}

nlohmann::ordered_json run_to_json(const RunRecord& r) {
  return {{"id", r.id},
          {"command", r.command},
          {"started_ms", r.started_ms},
          {"ended_ms", r.ended_ms},
          {"version", r.version},
          {"written_ranges", r.written_ranges},
          {"report", r.report}};
}

void save_run(const fs::path& dir, RunRecord record, const std::vector<BlockRange>& written,
              const HistoryLimits& limits, const nlohmann::ordered_json* files) {
  fs::create_directories(dir);
  record.written_ranges = written.size();
  if (!written.empty()) {
    write_file_atomically(written_path(dir, record.id), dir / ".written.tmp",
                          encode_written_set(written));
  }
  if (files != nullptr) {
    write_file_atomically(files_path(dir, record.id), dir / ".files.tmp", files->dump() + "\n");
  }
  write_file_atomically(record_path(dir, record.id), dir / ".record.tmp",
                        run_to_json(record).dump(2) + "\n");
  prune_history(dir, limits);
}

std::vector<RunRecord> list_runs(const fs::path& dir, std::vector<std::string>* problems) {
  std::vector<RunRecord> runs;
  for (const auto& id : run_ids(dir)) {
    try {
      const auto text = base::read_text_file(record_path(dir, id), kMaxRecordBytes);
      if (!text) continue;  // removed meanwhile
      runs.push_back(run_from_json(nlohmann::json::parse(*text)));
    } catch (const std::exception& e) {
      if (problems) problems->push_back(record_path(dir, id).string() + ": " + e.what());
    }
  }
  return runs;
}

std::optional<RunRecord> find_run(const fs::path& dir, const std::string& id) {
  auto runs = list_runs(dir);
  if (runs.empty()) return std::nullopt;
  if (id == "last") return runs.back();
  for (auto& r : runs) {
    if (r.id == id) return r;
  }
  return std::nullopt;
}

std::vector<BlockRange> load_run_written_set(const fs::path& dir, const std::string& id) {
  const auto bytes = base::read_text_file(written_path(dir, id), kMaxWrittenBytes);
  if (!bytes) return {};
  return decode_written_set(*bytes);
}

std::optional<nlohmann::json> load_run_files(const fs::path& dir, const std::string& id) {
  const auto text = base::read_text_file(files_path(dir, id), kMaxRecordBytes);
  if (!text) return std::nullopt;
  return nlohmann::json::parse(*text);
}

size_t prune_history(const fs::path& dir, const HistoryLimits& limits) {
  auto ids = run_ids(dir);
  std::map<std::string, uint64_t> sizes;
  uint64_t total = 0;
  for (const auto& id : ids) {
    sizes[id] = file_size_or_zero(record_path(dir, id)) + file_size_or_zero(written_path(dir, id)) +
                file_size_or_zero(files_path(dir, id));
    total += sizes[id];
  }
  size_t removed = 0;
  while (!ids.empty() && (ids.size() > limits.max_runs || total > limits.max_bytes)) {
    const auto id = ids.front();
    std::error_code ec;
    fs::remove(written_path(dir, id), ec);
    fs::remove(files_path(dir, id), ec);
    fs::remove(record_path(dir, id), ec);
    total -= sizes[id];
    ids.erase(ids.begin());
    ++removed;
  }
  return removed;
}

}  // namespace schelk
