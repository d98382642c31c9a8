#include "src/state/receive_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <sstream>
#include <system_error>

#include "base/errno.hpp"
#include "base/posix_io.hpp"
#include "base/strings.hpp"
#include "src/state/state.hpp"

namespace schelk {
namespace {

constexpr const char* kMagic = "schelk-receive-log 1";
constexpr const char* kComplete = "scratch_complete";
constexpr uint64_t kMaxLogBytes = uint64_t{1} << 32;  // bounded read: 4 GiB of ranges

[[noreturn]] void corrupted(const std::string& what, size_t line) {
  throw StateError("Receive log is corrupted: " + what + " on line " + std::to_string(line) +
                   "; run 'schelk receive' with the same stream again after 'schelk "
                   "full-recover'.");
}

uint64_t number(std::string_view s, size_t line) {
  const auto v = base::parse_decimal_u64(s);
  if (!v) corrupted("bad number '" + std::string(s) + "'", line);
  return *v;
}

void sync_dir(const std::filesystem::path& dir) {
  base::UniqueFd d(::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!d || ::fsync(d.get()) != 0) base::throw_errno(errno, "Cannot sync " + dir.string());
}

}  // namespace

std::filesystem::path receive_log_path_for(const std::filesystem::path& state_path) {
  return std::filesystem::path(state_path.string() + ".receive");
}

ReceiveLog receive_log_from_text(const std::string& text) {
  std::vector<std::string_view> lines;
  std::string_view rest(text);
  while (!rest.empty()) {
    const auto nl = rest.find('\n');
    if (nl == std::string_view::npos) break;  // torn by a kill: its data was never written
    lines.push_back(rest.substr(0, nl));
    rest.remove_prefix(nl + 1);
  }
  if (lines.empty() || lines[0] != kMagic) corrupted("bad header", 1);
  const char* keys[] = {"baseline_id", "from_generation", "to_generation", "block_size",
                        "scratch_was_clean"};
  constexpr size_t kKeys = std::size(keys);
  if (lines.size() < kKeys + 1) corrupted("header cut short", lines.size() + 1);
  std::string values[kKeys];
  for (size_t i = 0; i < kKeys; ++i) {
    const std::string key = std::string(keys[i]) + " ";
    if (!lines[i + 1].starts_with(key)) corrupted("expected '" + std::string(keys[i]) + "'", i + 2);
    values[i] = std::string(lines[i + 1].substr(key.size()));
  }
  ReceiveLog log;
  log.baseline_id = values[0];
  log.from_generation = number(values[1], 3);
  log.to_generation = number(values[2], 4);
  log.block_size = number(values[3], 5);
  log.scratch_was_clean = number(values[4], 6) != 0;
  for (size_t i = kKeys + 1; i < lines.size(); ++i) {
    const auto l = lines[i];
    if (l == kComplete) {
      if (i + 1 != lines.size()) corrupted("lines after " + std::string(kComplete), i + 2);
      log.scratch_complete = true;
      break;
    }
    const auto sp = l.find(' ');
    if (sp == std::string_view::npos) corrupted("bad range", i + 1);
    const BlockRange r{number(l.substr(0, sp), i + 1), number(l.substr(sp + 1), i + 1)};
    if (r.begin >= r.end) corrupted("empty range", i + 1);
    log.ranges.push_back(r);
  }
  return log;
}

std::optional<ReceiveLog> load_receive_log(const std::filesystem::path& state_path) {
  const auto path = receive_log_path_for(state_path);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    if (ec) throw std::system_error(ec, "Cannot read " + path.string());
    return std::nullopt;
  }
  // Whole or not at all: a log read short would roll back too little.
  const uint64_t size = std::filesystem::file_size(path);
  if (size > kMaxLogBytes) {
    throw StateError(
        "Receive log " + path.string() + " has " + std::to_string(size) +
        " bytes, more than a receive writes; run 'schelk full-recover' and remove it.");
  }
  auto text = base::read_text_file(path, static_cast<size_t>(size) + 1);
  if (!text || text->size() != size) {
    throw StateError("Cannot read the receive log " + path.string());
  }
  return receive_log_from_text(*text);
}

void remove_receive_log(const std::filesystem::path& state_path) {
  const auto path = receive_log_path_for(state_path);
  std::error_code ec;
  std::filesystem::remove(path, ec);
  if (ec) throw std::system_error(ec, "Cannot remove " + path.string());
  sync_dir(path.parent_path());
}

ReceiveLogWriter::ReceiveLogWriter(const std::filesystem::path& state_path,
                                   const ReceiveLog& header)
    : path_(receive_log_path_for(state_path)) {
  fd_ = base::UniqueFd(::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!fd_) base::throw_errno(errno, "Cannot create " + path_.string());
  std::ostringstream text;
  text << kMagic << "\nbaseline_id " << header.baseline_id << "\nfrom_generation "
       << header.from_generation << "\nto_generation " << header.to_generation << "\nblock_size "
       << header.block_size << "\nscratch_was_clean " << (header.scratch_was_clean ? 1 : 0) << "\n";
  write_synced(text.str());
  sync_dir(path_.parent_path());
}

void ReceiveLogWriter::append(const std::vector<BlockRange>& ranges) {
  if (ranges.empty()) return;
  std::string text;
  for (const auto& r : ranges) {
    text += std::to_string(r.begin) + " " + std::to_string(r.end) + "\n";
  }
  write_synced(text);
}

void ReceiveLogWriter::mark_scratch_complete() { write_synced(std::string(kComplete) + "\n"); }

void ReceiveLogWriter::write_synced(const std::string& text) {
  base::write_full(fd_.get(), std::string_view(text), "Cannot write " + path_.string());
  if (::fdatasync(fd_.get()) != 0) base::throw_errno(errno, "Cannot sync " + path_.string());
}

}  // namespace schelk
