// Text form of the recovery journal: a header of "key value" lines, then one "begin end" line
// per range, then "end" so a truncated file is detected.
#include "src/state/journal.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>
#include <system_error>

#include "src/state/state.hpp"

namespace schelk {
namespace {

constexpr const char* kMagic = "schelk-written-set 1";

uint64_t parse_u64(const std::string& s, int line) {
  if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos || s.size() > 20) {
    throw StateError("Recovery journal is corrupted: bad number '" + s + "' on line " +
                     std::to_string(line));
  }
  return std::stoull(s);
}

}  // namespace

std::filesystem::path journal_path_for(const std::filesystem::path& state_path) {
  return std::filesystem::path(state_path.string() + ".written");
}

std::string journal_to_text(const Journal& j) {
  std::ostringstream out;
  out << kMagic << "\n";
  out << "operation " << j.operation << "\n";
  out << "dm_era_name " << j.dm_era_name << "\n";
  out << "granularity " << j.granularity << "\n";
  out << "nr_blocks " << j.nr_blocks << "\n";
  out << "era " << j.era << "\n";
  out << "ranges " << j.ranges.size() << "\n";
  for (const auto& r : j.ranges) out << r.begin << " " << r.end << "\n";
  out << "end\n";
  return out.str();
}

Journal journal_from_text(const std::string& text) {
  std::istringstream in(text);
  std::string line;
  int n = 0;
  auto next = [&]() -> std::string {
    if (!std::getline(in, line)) {
      throw StateError("Recovery journal is truncated at line " + std::to_string(n + 1));
    }
    ++n;
    return line;
  };
  if (next() != kMagic) throw StateError("Recovery journal is corrupted: bad header");
  auto field = [&](const std::string& key) {
    const std::string l = next();
    if (l.rfind(key + " ", 0) != 0) {
      throw StateError("Recovery journal is corrupted: expected '" + key + "' on line " +
                       std::to_string(n));
    }
    return l.substr(key.size() + 1);
  };
  Journal j;
  j.operation = field("operation");
  j.dm_era_name = field("dm_era_name");
  j.granularity = parse_u64(field("granularity"), n);
  j.nr_blocks = parse_u64(field("nr_blocks"), n);
  j.era = parse_u64(field("era"), n);
  const uint64_t count = parse_u64(field("ranges"), n);
  if (j.operation != "recover" && j.operation != "promote") {
    throw StateError("Recovery journal is corrupted: unknown operation '" + j.operation + "'");
  }
  uint64_t prev_end = 0;
  for (uint64_t i = 0; i < count; ++i) {
    const std::string l = next();
    const auto sp = l.find(' ');
    if (sp == std::string::npos) {
      throw StateError("Recovery journal is corrupted: bad range on line " + std::to_string(n));
    }
    BlockRange r{parse_u64(l.substr(0, sp), n), parse_u64(l.substr(sp + 1), n)};
    if (r.begin >= r.end || r.end > j.nr_blocks || (i > 0 && r.begin < prev_end)) {
      throw StateError("Recovery journal is corrupted: range out of order or bounds on line " +
                       std::to_string(n));
    }
    prev_end = r.end;
    j.ranges.push_back(r);
  }
  if (next() != "end") throw StateError("Recovery journal is corrupted: missing end marker");
  return j;
}

void save_journal(const std::filesystem::path& state_path, const Journal& journal) {
  const auto path = journal_path_for(state_path);
  if (!path.parent_path().empty()) std::filesystem::create_directories(path.parent_path());
  write_file_atomically(path, std::filesystem::path(path.string() + ".tmp"),
                        journal_to_text(journal));
}

std::optional<Journal> load_journal(const std::filesystem::path& state_path) {
  const auto path = journal_path_for(state_path);
  std::ifstream in(path);
  if (!in) {
    if (errno == ENOENT) return std::nullopt;
    throw std::system_error(errno, std::generic_category(), "Cannot read " + path.string());
  }
  std::stringstream buf;
  buf << in.rdbuf();
  return journal_from_text(buf.str());
}

void remove_journal(const std::filesystem::path& state_path) {
  std::error_code ec;
  std::filesystem::remove(journal_path_for(state_path), ec);
  if (ec) throw std::system_error(ec, "Cannot remove " + journal_path_for(state_path).string());
}

}  // namespace schelk
