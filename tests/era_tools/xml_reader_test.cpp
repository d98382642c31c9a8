// The expat wrapper: XML syntax as XML says (comments, CDATA, references, BOM), DOCTYPE and entity
// declarations refused, line numbers, truncated input, the token bound, chunk boundaries, and
// handler exceptions passing through expat unchanged.
#include "src/era_tools/xml_reader.hpp"

#include <catch2/catch.hpp>
#include <sstream>
#include <string>
#include <vector>

using schelk::era_tools::kMaxTokenBytes;
using schelk::era_tools::quoted_name;
using schelk::era_tools::read_xml;
using schelk::era_tools::XmlElement;
using schelk::era_tools::XmlError;
using schelk::era_tools::XmlHandler;

namespace {

// Records "<name a=v ...>@line", "</name>" and text as a flat list.
class Recorder final : public XmlHandler {
 public:
  std::vector<std::string> events;
  void start_element(const XmlElement& e) override {
    std::string s = "<" + std::string(e.name());
    e.for_each_attribute([&](std::string_view k, std::string_view v) {
      s += " " + std::string(k) + "=" + std::string(v);
    });
    events.push_back(s + ">@" + std::to_string(e.line()));
  }
  void end_element(const XmlElement& e) override {
    events.push_back("</" + std::string(e.name()) + ">");
  }
  void text(std::string_view chars, std::uint64_t) override {
    if (!events.empty() && events.back().starts_with("text:")) {
      events.back() += chars;
    } else {
      events.push_back("text:" + std::string(chars));
    }
  }
};

// Both entry points must agree; returns the events or the error message.
std::vector<std::string> read(const std::string& doc, bool want_text = false) {
  Recorder from_text, from_stream;
  std::string error_text, error_stream;
  try {
    read_xml(std::string_view(doc), from_text, want_text);
  } catch (const XmlError& e) {
    error_text = e.what();
  }
  std::istringstream in(doc);
  try {
    read_xml(in, from_stream, want_text);
  } catch (const XmlError& e) {
    error_stream = e.what();
  }
  REQUIRE(error_text == error_stream);
  REQUIRE(from_text.events == from_stream.events);
  if (!error_text.empty()) return {"error: " + error_text};
  return from_text.events;
}

using Events = std::vector<std::string>;

}  // namespace

TEST_CASE("xml_reader: elements, attributes and line numbers") {
  CHECK(read("<?xml version='1.0'?>\n<a x='1'>\n  <b y=\"2\" z='3'/>\n</a>\n") ==
        Events{"<a x=1>@2", "<b y=2 z=3>@3", "</b>", "</a>"});
}

TEST_CASE("xml_reader: a comment hides the elements inside it, even after a '>' (D5)") {
  CHECK(read("<a>\n<!-- x > y <b/> <c>\n</c> -->\n<d/></a>") ==
        Events{"<a>@1", "<d>@4", "</d>", "</a>"});
  CHECK(read("<a><!-- <b/> --></a>") == Events{"<a>@1", "</a>"});
  CHECK(read("<a>\n<!-- <b/>\n</a>") == Events{"error: line 2: unclosed token (truncated input?)"});
}

TEST_CASE("xml_reader: CDATA is text, references are resolved in values and text") {
  CHECK(read("<a><![CDATA[<b/> & ]]></a>", true) == Events{"<a>@1", "text:<b/> & ", "</a>"});
  CHECK(read("<a v='&#57;&#x31;&amp;&lt;&quot;'>&#65;&gt;</a>", true) ==
        Events{"<a v=91&<\">@1", "text:A>", "</a>"});
  CHECK(read("<a v='&nope;'/>") == Events{"error: line 1: undefined entity"});
}

TEST_CASE("xml_reader: a UTF-8 BOM and a declared encoding are accepted") {
  CHECK(read("\xEF\xBB\xBF<a/>") == Events{"<a>@1", "</a>"});
  CHECK(read("<?xml version='1.0' encoding='ISO-8859-1'?><a v='\xE9'/>") ==
        Events{"<a v=\xC3\xA9>@1", "</a>"});
}

TEST_CASE("xml_reader: DOCTYPE and entity declarations are refused") {
  const std::string refused =
      "error: line 1: <!DOCTYPE> is not accepted (the document needs none; remove it)";
  CHECK(read("<!DOCTYPE a>\n<a/>") == Events{refused});
  CHECK(read("<!DOCTYPE a [<!ENTITY e 'x'>]><a>&e;</a>") == Events{refused});
  CHECK(read("<?xml version='1.0'?>\n<!DOCTYPE a [\n<!ENTITY lol 'lol'>\n"
             "<!ENTITY lol2 '&lol;&lol;&lol;&lol;'>]>\n<a v='&lol2;'/>") ==
        Events{"error: line 2: <!DOCTYPE> is not accepted (the document needs none; remove it)"});
}

TEST_CASE("xml_reader: truncated and malformed documents name the line") {
  CHECK(read("") == Events{"error: line 1: no element in the document"});
  CHECK(read("<?xml version='1.0'?>\n") == Events{"error: line 2: no element in the document"});
  CHECK(read("<a>\n<b>\n") == Events{"error: line 3: missing </b> (truncated input?)"});
  CHECK(read("<a>\n<b x='1") == Events{"error: line 2: unclosed token (truncated input?)"});
  CHECK(read("<a>\n</b>") == Events{"error: line 2: mismatched tag (expected </a>)"});
  CHECK(read("<a/>\n<a/>") ==
        Events{"error: line 2: junk after document element (a document has one root element)"});
  CHECK(read("<a x='1' x='2'/>") == Events{"error: line 1: duplicate attribute"});
  CHECK(read("<a>\xFF</a>") == Events{"error: line 1: not well-formed (invalid token)"});
}

TEST_CASE("xml_reader: elements across 64 KiB chunk boundaries") {
  std::string doc = "<a>\n";
  for (int i = 0; i < 20000; ++i) doc += "<b v='" + std::to_string(i) + "'/>\n";
  doc += "</a>\n";
  const Events ev = read(doc);
  REQUIRE(ev.size() == 40002);
  CHECK(ev[2 * 19999 + 1] == "<b v=19999>@20001");
}

TEST_CASE("xml_reader: a token longer than the bound is refused, names are cut in messages") {
  // A 10 MB tag name (D12e): refused once expat holds more than kMaxTokenBytes of it.
  const std::string huge(10 << 20, 'n');
  const Events ev = read("<a>\n<" + huge + "/></a>");
  REQUIRE(ev.size() == 1);
  CHECK(ev[0] == "error: line 2: a tag, comment or text longer than " +
                     std::to_string(kMaxTokenBytes) + " bytes");
  const std::string bound = "a tag, comment or text longer than " + std::to_string(kMaxTokenBytes);
  CHECK(read("<a><!--" + huge + "--></a>")[0].find(bound) != std::string::npos);
  CHECK(read("<!--" + huge + "--><a/>")[0].find(bound) != std::string::npos);
  CHECK(read("<a/><?pi " + huge + "?>")[0].find(bound) != std::string::npos);
  CHECK(read("<a v='" + huge + "'/>")[0].find(bound) != std::string::npos);
  // Text and CDATA reach the handler in pieces as they come: expat holds no more of them.
  const Events text = read("<a><![CDATA[" + huge + "]]></a>", true);
  REQUIRE(text.size() == 3);
  CHECK(text[1].size() == 5 + huge.size());
  CHECK(quoted_name(huge) == std::string(64, 'n') + "...");
  CHECK(quoted_name("short") == "short");
  // A multi-byte character is not cut in half.
  CHECK(quoted_name(std::string(63, 'x') + "\xC3\xA9" + "tail") == std::string(63, 'x') + "...");
}

TEST_CASE("xml_reader: a handler's exception passes through unchanged") {
  struct Thrower final : XmlHandler {
    void start_element(const XmlElement& e) override {
      if (e.name() == "bad") throw std::runtime_error("handler said no");
    }
    void end_element(const XmlElement&) override {}
  } h;
  CHECK_THROWS_WITH(read_xml(std::string_view("<a><bad/></a>"), h), "handler said no");
  std::istringstream in("<a>\n<bad/></a>");
  CHECK_THROWS_WITH(read_xml(in, h), "handler said no");
  CHECK_NOTHROW(read_xml(std::string_view("<a><good/></a>"), h));
}
