// dm-era status/table text helpers.
#include "src/dm/era_status.hpp"

#include <charconv>
#include <cstdint>
#include <optional>
#include <vector>

namespace schelk {
namespace {

std::vector<std::string_view> split_words(std::string_view s) {
  std::vector<std::string_view> words;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n')) ++i;
    const size_t start = i;
    while (i < s.size() && s[i] != ' ' && s[i] != '\t' && s[i] != '\n') ++i;
    if (i > start) words.push_back(s.substr(start, i - start));
  }
  return words;
}

template <typename T>
T parse_number(std::string_view word, std::string_view line, const char* field) {
  T value{};
  const auto [ptr, ec] = std::from_chars(word.data(), word.data() + word.size(), value);
  if (ec != std::errc() || ptr != word.data() + word.size()) {
    throw DmError("Cannot parse dm-era status '" + std::string(line) + "': bad " + field + " '" +
                  std::string(word) + "'");
  }
  return value;
}

std::optional<uint64_t> parse_u64_word(std::string_view word) {
  uint64_t value = 0;
  const auto [ptr, ec] = std::from_chars(word.data(), word.data() + word.size(), value);
  if (word.empty() || ec != std::errc() || ptr != word.data() + word.size()) return std::nullopt;
  return value;
}

}  // namespace

EraStatus parse_era_status(std::string_view line) {
  auto words = split_words(line);
  // dmsetup's form starts with "<start> <length> era".
  if (words.size() >= 3 && words[2] == "era") words.erase(words.begin(), words.begin() + 3);
  if (words.size() == 1 && words[0] == "Error") {
    throw DmError("dm-era reports a metadata error (status 'Error')");
  }
  if (words.size() != 4) {
    throw DmError("Cannot parse dm-era status '" + std::string(line) + "': expected 4 fields");
  }
  EraStatus st;
  st.metadata_block_sectors = parse_number<uint32_t>(words[0], line, "metadata block size");
  const auto slash = words[1].find('/');
  if (slash == std::string_view::npos) {
    throw DmError("Cannot parse dm-era status '" + std::string(line) + "': bad used/total");
  }
  st.used = parse_number<uint64_t>(words[1].substr(0, slash), line, "used blocks");
  st.total = parse_number<uint64_t>(words[1].substr(slash + 1), line, "total blocks");
  st.current_era = parse_number<uint32_t>(words[2], line, "current era");
  if (words[3] != "-") st.snapshot_block = parse_number<uint64_t>(words[3], line, "snapshot");
  return st;
}

std::string era_table_params(const std::string& metadata_dev, const std::string& origin_dev,
                             uint64_t block_sectors) {
  return metadata_dev + " " + origin_dev + " " + std::to_string(block_sectors);
}

namespace {

std::optional<DevNumber> parse_dev_number(std::string_view word) {
  const auto colon = word.find(':');
  if (colon == std::string::npos) return std::nullopt;
  const auto major = parse_u64_word(word.substr(0, colon));
  const auto minor = parse_u64_word(word.substr(colon + 1));
  if (!major || !minor || *major > UINT32_MAX || *minor > UINT32_MAX) return std::nullopt;
  return DevNumber{static_cast<uint32_t>(*major), static_cast<uint32_t>(*minor)};
}

}  // namespace

std::optional<EraTable> parse_era_table(const std::vector<DmTarget>& table) {
  if (table.size() != 1 || table[0].type != "era" || table[0].start != 0) return std::nullopt;
  const auto words = split_words(table[0].params);
  if (words.size() != 3) return std::nullopt;
  EraTable t;
  t.length_sectors = table[0].length;
  const auto m = parse_dev_number(words[0]);
  const auto o = parse_dev_number(words[1]);
  const auto b = parse_u64_word(words[2]);
  if (!m || !o || !b) return std::nullopt;
  t.metadata = *m;
  t.origin = *o;
  t.block_sectors = *b;
  return t;
}

std::string describe_table(const std::vector<DmTarget>& table) {
  if (table.empty()) return "no table";
  std::string text;
  for (const auto& t : table) {
    if (!text.empty()) text += "; ";
    text += std::to_string(t.start) + " " + std::to_string(t.length) + " " + t.type;
    if (!t.params.empty()) text += " " + t.params;
  }
  return text;
}

void validate_dm_name(const std::string& name) {
  if (name.empty()) throw DmError("dm-era name must not be empty.");
  if (name[0] == '-') throw DmError("dm-era name must not start with '-': " + name);
  if (name.size() > 127) throw DmError("dm-era name is too long (127 characters at most).");
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '+' || c == '-';
    if (!ok) {
      throw DmError("dm-era name '" + name +
                    "' contains invalid characters (allowed: A-Z a-z 0-9 . _ + -).");
    }
  }
  if (name == "." || name == "..") throw DmError("dm-era name must not be '.' or '..'.");
}

std::string missing_era_target_hint(const std::vector<std::string>& target_types) {
  for (const auto& t : target_types) {
    if (t == "era") return {};
  }
  return "the kernel has no dm-era target: load it with 'modprobe dm-era' (Debian and Ubuntu "
         "kernels ship it as a module; elsewhere it needs CONFIG_DM_ERA)";
}

}  // namespace schelk
