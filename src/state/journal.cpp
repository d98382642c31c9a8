// Text form of the recovery journal: a header of "key value" lines, then one "begin end" line
// per range, then "end" so a truncated file is detected.
#include "src/state/journal.hpp"

#include <cerrno>
#include <fstream>
#include <sstream>
#include <system_error>

#include "base/errno.hpp"
#include "base/strings.hpp"
#include "src/state/state.hpp"

namespace schelk {
namespace {

constexpr const char* kMagic = "schelk-written-set 1";

uint64_t parse_u64(const std::string& s, int line) {
  // An overflow used to escape as std::stoull's bare "stoull".
  const auto v = base::parse_decimal_u64(s);
  if (!v) {
    throw StateError("Recovery journal is corrupted: bad number '" + s + "' on line " +
                     std::to_string(line));
  }
  return *v;
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
  // The line is read before its number is parsed, so a bad number names its own line (as
  // parse_u64(field(key), n) arguments, n could be read first).
  auto number = [&](const std::string& key) {
    const std::string value = field(key);
    return parse_u64(value, n);
  };
  j.granularity = number("granularity");
  j.nr_blocks = number("nr_blocks");
  j.era = number("era");
  const uint64_t count = number("ranges");
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
    base::throw_errno(errno, "Cannot read " + path.string());
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
