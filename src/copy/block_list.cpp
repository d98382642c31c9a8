// Block list parsing; see block_list.hpp.
#include "src/copy/block_list.hpp"

#include <algorithm>
#include <cctype>
#include <optional>

namespace schelk {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

class Cursor {
 public:
  Cursor(std::string_view text, const std::string& source) : text_(text), source_(source) {}

  [[nodiscard]] bool done() const { return pos_ >= text_.size(); }
  [[nodiscard]] char peek() const { return done() ? '\0' : text_[pos_]; }
  char next() {
    const char c = text_[pos_++];
    if (c == '\n') ++line_;
    return c;
  }
  void skip_space() {
    while (!done() && is_space(peek())) next();
  }
  bool consume(std::string_view s) {
    if (text_.substr(pos_, s.size()) != s) return false;
    for (std::size_t i = 0; i < s.size(); ++i) next();
    return true;
  }
  void expect(std::string_view s, const char* what) {
    if (!consume(s)) fail(std::string("expected ") + what);
  }
  std::string name() {
    std::string out;
    while (!done() && (std::isalnum(static_cast<unsigned char>(peek())) || peek() == '_' ||
                       peek() == '-' || peek() == ':')) {
      out += next();
    }
    return out;
  }
  std::uint64_t number() {
    if (!std::isdigit(static_cast<unsigned char>(peek()))) fail("expected a number");
    std::uint64_t value = 0;
    while (std::isdigit(static_cast<unsigned char>(peek()))) {
      const auto digit = static_cast<std::uint64_t>(next() - '0');
      if (value > (UINT64_MAX - digit) / 10) fail("number too large");
      value = value * 10 + digit;
    }
    return value;
  }
  void skip_until(std::string_view end, const char* what) {
    for (;;) {
      if (consume(end)) return;
      if (done()) fail(std::string("unterminated ") + what);
      next();
    }
  }
  [[noreturn]] void fail(const std::string& message) const {
    throw BlockListError(source_ + ":" + std::to_string(line_) + ": " + message);
  }
  [[nodiscard]] unsigned line() const { return line_; }

 private:
  std::string_view text_;
  const std::string& source_;
  std::size_t pos_ = 0;
  unsigned line_ = 1;
};

// name ws? '=' ws? quote digits quote: era_invalidate 0.9 writes `end = "E"`, 1.x `end="E"`.
std::pair<std::string, std::uint64_t> attribute(Cursor& in) {
  std::string name = in.name();
  if (name.empty()) in.fail("expected an attribute");
  in.skip_space();
  in.expect("=", "'=' after attribute");
  in.skip_space();
  const char quote = in.peek();
  if (quote != '"' && quote != '\'') in.fail("expected a quoted value for " + name);
  in.next();
  const std::uint64_t value = in.number();
  if (in.peek() != quote) in.fail("expected a closing quote after " + name);
  in.next();
  return {name, value};
}

BlockRange parse_element(Cursor& in, const std::string& element) {
  std::optional<std::uint64_t> begin, end, block;
  for (;;) {
    in.skip_space();
    if (in.consume("/>")) break;
    const auto [name, value] = attribute(in);
    if (element == "range" && name == "begin" && !begin) {
      begin = value;
    } else if (element == "range" && name == "end" && !end) {
      end = value;
    } else if (element == "block" && name == "block" && !block) {
      block = value;
    } else {
      in.fail("unexpected attribute " + name + " in <" + element + ">");
    }
  }
  if (element == "block") {
    if (!block) in.fail("<block> without a block attribute");
    if (*block == UINT64_MAX) in.fail("block number too large");
    return {*block, *block + 1};
  }
  if (!begin || !end) in.fail("<range> needs begin and end");
  if (*end <= *begin) in.fail("<range> end must be greater than begin");
  return {*begin, *end};
}

std::vector<BlockRange> parse_xml(std::string_view text, const std::string& source) {
  Cursor in(text, source);
  std::vector<BlockRange> out;
  bool open = false, closed = false;
  for (;;) {
    in.skip_space();
    if (in.done()) break;
    if (in.peek() != '<') in.fail("unexpected text outside an element");
    if (in.consume("<?")) {
      in.skip_until("?>", "processing instruction");
      continue;
    }
    if (in.consume("<!--")) {
      in.skip_until("-->", "comment");
      continue;
    }
    in.next();
    const bool closing = in.consume("/");
    const std::string element = in.name();
    if (element == "blocks") {
      in.skip_space();
      if (closing) {
        if (!open || closed) in.fail("unexpected </blocks>");
        in.expect(">", "'>'");
        closed = true;
      } else {
        if (open) in.fail("nested <blocks>");
        open = true;
        if (in.consume("/>")) {
          closed = true;
        } else {
          in.expect(">", "'>'");
        }
      }
      continue;
    }
    if (element != "range" && element != "block") in.fail("unexpected element <" + element + ">");
    if (closing || !open || closed) in.fail("<" + element + "> outside <blocks>");
    out.push_back(parse_element(in, element));
  }
  if (!open) in.fail("no <blocks> element");
  if (!closed) in.fail("missing </blocks> (truncated input?)");
  return out;
}

std::vector<BlockRange> parse_text(std::string_view text, const std::string& source) {
  std::vector<BlockRange> out;
  unsigned line_no = 0;
  while (!text.empty()) {
    ++line_no;
    const std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (const auto hash = line.find('#'); hash != std::string_view::npos) {
      line = line.substr(0, hash);
    }
    std::string numbers(line);
    Cursor in(numbers, source);
    in.skip_space();
    if (in.done()) continue;
    const auto fail = [&](const std::string& message) {
      throw BlockListError(source + ":" + std::to_string(line_no) + ": " + message);
    };
    if (!std::isdigit(static_cast<unsigned char>(in.peek()))) fail("expected 'BEGIN END'");
    const std::uint64_t begin = in.number();
    in.skip_space();
    if (!std::isdigit(static_cast<unsigned char>(in.peek()))) fail("expected 'BEGIN END'");
    const std::uint64_t end = in.number();
    in.skip_space();
    if (!in.done()) fail("unexpected text after 'BEGIN END'");
    if (end <= begin) fail("END must be greater than BEGIN (END is exclusive)");
    out.push_back({begin, end});
  }
  return out;
}

}  // namespace

std::vector<BlockRange> parse_block_list(std::string_view text, const std::string& source) {
  const auto first = std::find_if(text.begin(), text.end(), [](char c) { return !is_space(c); });
  if (first != text.end() && *first == '<') return parse_xml(text, source);
  return parse_text(text, source);
}

std::vector<copier::Extent> to_extents(const std::vector<BlockRange>& ranges,
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

std::vector<BlockRange> to_blocks(const std::vector<copier::Extent>& extents,
                                  std::uint64_t block_size) {
  std::vector<BlockRange> out;
  for (const auto& e : copier::merge_extents(extents)) {
    const BlockRange r{e.offset / block_size, (e.end() + block_size - 1) / block_size};
    if (!out.empty() && r.begin <= out.back().end) {
      out.back().end = std::max(out.back().end, r.end);
    } else {
      out.push_back(r);
    }
  }
  return out;
}

}  // namespace schelk
