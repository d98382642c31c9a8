// The expat wrapper; see xml_reader.hpp.
#include "src/era_tools/xml_reader.hpp"

#include <expat.h>

#include <algorithm>
#include <cstring>
#include <exception>
#include <memory>
#include <vector>

namespace schelk::era_tools {

namespace {

constexpr std::size_t kChunkBytes = 64 * 1024;

XML_Parser as_parser(void* p) { return static_cast<XML_Parser>(p); }

std::uint64_t current_line(XML_Parser p) { return XML_GetCurrentLineNumber(p); }

// One document being parsed: the expat parser, the handler, and the first exception a callback
// threw. C++ exceptions must not unwind through expat's C frames, so callbacks catch, stop the
// parser and the exception is rethrown once expat has returned.
class Session {
 public:
  Session(XmlHandler& handler, bool want_text)
      : parser_(XML_ParserCreate(nullptr), &XML_ParserFree), handler_(handler) {
    if (!parser_) throw std::bad_alloc();
    XML_Parser p = parser_.get();
    XML_SetUserData(p, this);
    XML_SetElementHandler(p, &Session::on_start, &Session::on_end);
    if (want_text) XML_SetCharacterDataHandler(p, &Session::on_text);
    XML_SetStartDoctypeDeclHandler(p, &Session::on_doctype);
    XML_SetEntityDeclHandler(p, &Session::on_entity_decl);
  }

  [[nodiscard]] XML_Parser parser() const { return parser_.get(); }

  // After XML_Parse/XML_ParseBuffer: rethrows a callback's exception or reports expat's error,
  // then enforces the token bound on what expat keeps buffered.
  void check(XML_Status status, std::uint64_t bytes_fed, bool final) {
    XML_Parser p = parser_.get();
    if (status == XML_STATUS_ERROR) {
      if (failure_) std::rethrow_exception(failure_);
      const XML_Error code = XML_GetErrorCode(p);
      const std::uint64_t line = current_line(p);
      if (final && code == XML_ERROR_NO_ELEMENTS) {
        if (depth_ == 0) throw XmlError(line, "no element in the document");
        throw XmlError(line, "missing </" + innermost() + "> (truncated input?)");
      }
      if (final && (code == XML_ERROR_UNCLOSED_TOKEN || code == XML_ERROR_PARTIAL_CHAR ||
                    code == XML_ERROR_UNCLOSED_CDATA_SECTION)) {
        throw XmlError(line, std::string(XML_ErrorString(code)) + " (truncated input?)");
      }
      if (code == XML_ERROR_TAG_MISMATCH && depth_ > 0) {
        throw XmlError(line, "mismatched tag (expected </" + innermost() + ">)");
      }
      if (code == XML_ERROR_JUNK_AFTER_DOC_ELEMENT) {
        throw XmlError(line, "junk after document element (a document has one root element)");
      }
      throw XmlError(line, XML_ErrorString(code));
    }
    // Bytes fed but not yet consumed form one incomplete token, held in expat's buffer.
    const XML_Index consumed = XML_GetCurrentByteIndex(p);
    if (consumed >= 0 && bytes_fed - static_cast<std::uint64_t>(consumed) > kMaxTokenBytes) {
      throw XmlError(current_line(p), "a tag, comment or text longer than " +
                                          std::to_string(kMaxTokenBytes) + " bytes");
    }
  }

 private:
  [[nodiscard]] std::string innermost() const { return quoted_name(open_[depth_ - 1]); }

  template <typename F>
  void guarded(F&& f) {
    if (failure_) return;
    try {
      f();
    } catch (...) {
      failure_ = std::current_exception();
      XML_StopParser(parser_.get(), XML_FALSE);
    }
  }

  static void XMLCALL on_start(void* self, const XML_Char* name, const XML_Char** attrs) {
    auto& s = *static_cast<Session*>(self);
    s.guarded([&] {
      // Reuses the strings' storage: no allocation per element once the depth was reached.
      const std::string_view n(name);
      if (s.depth_ == s.open_.size()) s.open_.emplace_back();
      s.open_[s.depth_++].assign(n);
      s.handler_.start_element(XmlElement(n, attrs, s.parser_.get()));
    });
  }
  static void XMLCALL on_end(void* self, const XML_Char* /*name: the open one*/) {
    auto& s = *static_cast<Session*>(self);
    s.guarded([&] {
      --s.depth_;
      s.handler_.end_element(XmlElement(s.open_[s.depth_], nullptr, s.parser_.get()));
    });
  }
  static void XMLCALL on_text(void* self, const XML_Char* chars, int len) {
    auto& s = *static_cast<Session*>(self);
    s.guarded([&] {
      s.handler_.text(std::string_view(chars, static_cast<std::size_t>(len)),
                      current_line(s.parser_.get()));
    });
  }
  static void XMLCALL on_doctype(void* self, const XML_Char*, const XML_Char*, const XML_Char*,
                                 int) {
    auto& s = *static_cast<Session*>(self);
    s.guarded([&] {
      throw XmlError(current_line(s.parser_.get()),
                     "<!DOCTYPE> is not accepted (the document needs none; remove it)");
    });
  }
  static void XMLCALL on_entity_decl(void* self, const XML_Char*, int, const XML_Char*, int,
                                     const XML_Char*, const XML_Char*, const XML_Char*,
                                     const XML_Char*) {
    auto& s = *static_cast<Session*>(self);
    s.guarded([&] {
      throw XmlError(current_line(s.parser_.get()), "entity declarations are not accepted");
    });
  }

  std::unique_ptr<XML_ParserStruct, void (*)(XML_Parser)> parser_;
  XmlHandler& handler_;
  std::exception_ptr failure_;
  std::vector<std::string> open_;  // [0, depth_): the open elements, for "missing </x>"
  std::size_t depth_ = 0;
};

}  // namespace

const char* XmlElement::attribute(std::string_view key) const {
  for (const char** a = attrs_; a && *a; a += 2) {
    // Compared in place: no strlen per attribute on the hot path.
    const char* n = a[0];
    std::size_t i = 0;
    while (i < key.size() && n[i] == key[i]) ++i;
    if (i == key.size() && n[i] == '\0') return a[1];
  }
  return nullptr;
}

std::uint64_t XmlElement::line() const { return current_line(as_parser(parser_)); }

std::string quoted_name(std::string_view name) {
  constexpr std::size_t kMax = 64;
  if (name.size() <= kMax) return std::string(name);
  std::size_t cut = kMax;
  while (cut > 0 && (static_cast<unsigned char>(name[cut]) & 0xC0) == 0x80) --cut;  // UTF-8
  return std::string(name.substr(0, cut)) + "...";
}

void read_xml(std::istream& in, XmlHandler& handler, bool want_text) {
  Session s(handler, want_text);
  std::uint64_t fed = 0;
  for (;;) {
    void* buf = XML_GetBuffer(s.parser(), static_cast<int>(kChunkBytes));
    if (!buf) throw XmlError(current_line(s.parser()), "out of memory");
    in.read(static_cast<char*>(buf), static_cast<std::streamsize>(kChunkBytes));
    if (in.bad()) throw XmlError(current_line(s.parser()), "read error");
    const auto n = static_cast<std::size_t>(in.gcount());
    const bool final = n == 0;
    fed += n;
    s.check(XML_ParseBuffer(s.parser(), static_cast<int>(n), final), fed, final);
    if (final) return;
  }
}

void read_xml(std::string_view text, XmlHandler& handler, bool want_text) {
  Session s(handler, want_text);
  std::uint64_t fed = 0;
  for (;;) {
    const std::size_t n = std::min(kChunkBytes, text.size());
    const bool final = n == 0;
    fed += n;
    s.check(XML_Parse(s.parser(), text.data(), static_cast<int>(n), final), fed, final);
    if (final) return;
    text.remove_prefix(n);
  }
}

}  // namespace schelk::era_tools
