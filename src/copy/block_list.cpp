// Block list parsing; see block_list.hpp.
#include "src/copy/block_list.hpp"

#include <algorithm>
#include <cstdint>
#include <string>

#include "src/era_tools/blocks_xml_reader.hpp"

namespace schelk {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

std::vector<ListedRange> parse_xml(std::string_view text, const std::string& source) {
  std::vector<ListedRange> out;
  try {
    era_tools::read_blocks_xml(text, [&out](std::uint64_t begin, std::uint64_t end) {
      out.push_back({begin, end});
    });
  } catch (const era_tools::XmlError& e) {
    throw BlockListError(source + ":" + std::to_string(e.line()) + ": " + e.detail());
  }
  return out;
}

std::vector<ListedRange> parse_text(std::string_view text, const std::string& source) {
  if (text.starts_with(kUtf8Bom)) text.remove_prefix(kUtf8Bom.size());
  std::vector<ListedRange> out;
  unsigned line_no = 0;
  while (!text.empty()) {
    ++line_no;
    const std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (const auto hash = line.find('#'); hash != std::string_view::npos) {
      line = line.substr(0, hash);
    }
    const auto fail = [&](const std::string& message) {
      throw BlockListError(source + ":" + std::to_string(line_no) + ": " + message);
    };
    const auto skip_space = [&line] {
      while (!line.empty() && is_space(line.front())) line.remove_prefix(1);
    };
    const auto number = [&] {
      if (line.empty() || !is_digit(line.front())) fail("expected 'BEGIN END'");
      std::uint64_t value = 0;
      while (!line.empty() && is_digit(line.front())) {
        const auto digit = static_cast<std::uint64_t>(line.front() - '0');
        if (value > (UINT64_MAX - digit) / 10) fail("number too large");
        value = value * 10 + digit;
        line.remove_prefix(1);
      }
      return value;
    };
    skip_space();
    if (line.empty()) continue;
    const std::uint64_t begin = number();
    skip_space();
    const std::uint64_t end = number();
    skip_space();
    if (!line.empty()) fail("unexpected text after 'BEGIN END'");
    if (end <= begin) fail("END must be greater than BEGIN (END is exclusive)");
    out.push_back({begin, end});
  }
  return out;
}

}  // namespace

bool is_xml_block_list(std::string_view text) {
  if (text.starts_with(kUtf8Bom)) text.remove_prefix(kUtf8Bom.size());
  const auto first = std::find_if(text.begin(), text.end(), [](char c) { return !is_space(c); });
  return first != text.end() && *first == '<';
}

std::vector<ListedRange> parse_block_list(std::string_view text, const std::string& source) {
  return is_xml_block_list(text) ? parse_xml(text, source) : parse_text(text, source);
}

std::vector<copier::Extent> to_extents(const std::vector<ListedRange>& ranges,
                                       std::uint64_t block_size) {
  std::vector<copier::Extent> out;
  out.reserve(ranges.size());
  for (const auto& r : ranges) {
    if (r.end > UINT64_MAX / block_size) {
      throw BlockListError("block range " + std::to_string(r.begin) + ".." + std::to_string(r.end) +
                           " is too large for block size " + std::to_string(block_size));
    }
    out.push_back({r.begin * block_size, (r.end - r.begin) * block_size});
  }
  return out;
}

std::vector<ListedRange> to_blocks(const std::vector<copier::Extent>& extents,
                                   std::uint64_t block_size) {
  std::vector<ListedRange> out;
  for (const auto& e : copier::merge_extents(extents)) {
    const ListedRange r{e.offset / block_size, (e.end() + block_size - 1) / block_size};
    if (!out.empty() && r.begin <= out.back().end) {
      out.back().end = std::max(out.back().end, r.end);
    } else {
      out.push_back(r);
    }
  }
  return out;
}

}  // namespace schelk
