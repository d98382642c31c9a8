// era_invalidate XML to block ranges; see blocks_xml_reader.hpp.
#include "src/era_tools/blocks_xml_reader.hpp"

#include <optional>
#include <string>

namespace schelk::era_tools {

namespace {

[[noreturn]] void fail(const XmlElement& e, const std::string& what) {
  throw XmlError(e.line(), what);
}

std::uint64_t number(const XmlElement& e, std::string_view name, std::string_view v) {
  if (v.empty()) fail(e, "expected a number for " + std::string(name));
  std::uint64_t value = 0;
  for (const char c : v) {
    if (c < '0' || c > '9') {
      fail(e, "expected a number for " + std::string(name) + ", not \"" + quoted_name(v) + "\"");
    }
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (value > (UINT64_MAX - digit) / 10) fail(e, "number too large for " + std::string(name));
    value = value * 10 + digit;
  }
  return value;
}

class BlocksHandler final : public XmlHandler {
 public:
  explicit BlocksHandler(const std::function<void(std::uint64_t, std::uint64_t)>& on_range)
      : on_range_(on_range) {}

  void start_element(const XmlElement& e) override {
    const std::string_view n = e.name();
    const std::string tag = "<" + quoted_name(n) + ">";
    if (n == "blocks") {
      if (depth_ > 0) fail(e, "nested <blocks>");
    } else if (n == "range" || n == "block") {
      if (depth_ == 0) fail(e, tag + " outside <blocks>");
      if (depth_ > 1) fail(e, tag + " inside another element");
      read_range(e, n == "range");
    } else {
      fail(e, "unexpected element " + tag);
    }
    ++depth_;
  }

  void end_element(const XmlElement&) override { --depth_; }

  void text(std::string_view chars, std::uint64_t line) override {
    for (const char c : chars) {
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
        throw XmlError(line, depth_ == 0 ? "unexpected text outside an element"
                                         : "unexpected text inside an element");
      }
    }
  }

 private:
  void read_range(const XmlElement& e, bool is_range) {
    const std::string tag = is_range ? "<range>" : "<block>";
    std::optional<std::uint64_t> begin, end, block;
    // expat refuses a repeated attribute, so each is seen at most once.
    e.for_each_attribute([&](std::string_view name, std::string_view value) {
      if (is_range && name == "begin") {
        begin = number(e, name, value);
      } else if (is_range && name == "end") {
        end = number(e, name, value);
      } else if (!is_range && name == "block") {
        block = number(e, name, value);
      } else {
        fail(e, "unexpected attribute " + quoted_name(name) + " in " + tag);
      }
    });
    if (!is_range) {
      if (!block) fail(e, "<block> without a block attribute");
      if (*block == UINT64_MAX) fail(e, "block number too large");
      on_range_(*block, *block + 1);
      return;
    }
    if (!begin || !end) fail(e, "<range> needs begin and end");
    if (*end <= *begin) fail(e, "<range> end must be greater than begin");
    on_range_(*begin, *end);
  }

  const std::function<void(std::uint64_t, std::uint64_t)>& on_range_;
  int depth_ = 0;
};

}  // namespace

void read_blocks_xml(std::string_view text,
                     const std::function<void(std::uint64_t begin, std::uint64_t end)>& on_range) {
  BlocksHandler h(on_range);
  read_xml(text, h, /*want_text=*/true);
}

}  // namespace schelk::era_tools
