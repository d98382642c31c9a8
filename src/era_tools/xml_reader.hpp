// Streaming XML through expat for the era tools' two dialects (era_dump and era_invalidate XML).
// Callbacks see element starts and ends with their attributes and, if asked, character data.
// Contracts:
// - Comments, processing instructions, CDATA sections, character and predefined entity
//   references, a UTF-8 BOM and the XML declaration's encodings are handled as XML says.
// - DOCTYPE (and so entity declarations) is refused: neither dialect has one, and refusing it
//   rules out entity expansion attacks.
// - Memory is bounded: input is read in 64 KiB chunks and a single token (tag, comment, text
//   run) longer than kMaxTokenBytes is refused.
// - Every error is an XmlError whose message is "line N: what".
#pragma once

#include <cstdint>
#include <istream>
#include <stdexcept>
#include <string>
#include <string_view>

namespace schelk::era_tools {

class XmlError : public std::runtime_error {
 public:
  XmlError(std::uint64_t line, const std::string& what)
      : std::runtime_error("line " + std::to_string(line) + ": " + what),
        line_(line),
        detail_(what) {}
  [[nodiscard]] std::uint64_t line() const { return line_; }
  // The message without the "line N: " prefix.
  [[nodiscard]] const std::string& detail() const { return detail_; }

 private:
  std::uint64_t line_;
  std::string detail_;
};

// Longest tag, comment or run of text accepted (the dialects' tags are under 100 bytes).
inline constexpr std::uint64_t kMaxTokenBytes = 1 << 20;

// An element as a callback sees it; valid only during the callback.
class XmlElement {
 public:
  XmlElement(std::string_view name, const char** attrs, void* parser)
      : name_(name), attrs_(attrs), parser_(parser) {}
  [[nodiscard]] std::string_view name() const { return name_; }
  // The value of attribute `key` (references resolved), nullptr if absent.
  [[nodiscard]] const char* attribute(std::string_view key) const;
  // Calls f(name, value) for every attribute in document order.
  template <typename F>
  void for_each_attribute(F&& f) const {
    for (const char** a = attrs_; a && *a; a += 2)
      f(std::string_view(a[0]), std::string_view(a[1]));
  }
  // The line of the element's tag (1-based).
  [[nodiscard]] std::uint64_t line() const;

 private:
  std::string_view name_;
  const char** attrs_;
  void* parser_;
};

class XmlHandler {
 public:
  virtual ~XmlHandler() = default;
  virtual void start_element(const XmlElement& element) = 0;
  // `element` has no attributes here.
  virtual void end_element(const XmlElement& element) = 0;
  // Character data (text, CDATA content, resolved references), possibly in several pieces.
  // Called only when read_xml's want_text is true.
  virtual void text(std::string_view /*chars*/, std::uint64_t /*line*/) {}
};

// Builds the message for a name taken from the input: at most 64 bytes of it, so that a
// 10 MB tag name does not become a 10 MB error line.
[[nodiscard]] std::string quoted_name(std::string_view name);

// Parses a whole document. Exceptions thrown by the handler propagate unchanged (an XmlError
// built there should take its line from XmlElement::line()). Throws XmlError on malformed XML,
// a DOCTYPE, an oversized token or a read error; the message of an expat error is expat's.
void read_xml(std::istream& in, XmlHandler& handler, bool want_text = false);
void read_xml(std::string_view text, XmlHandler& handler, bool want_text = false);

}  // namespace schelk::era_tools
