#include "era_metadata/era_xml.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

namespace era_metadata {

namespace {

struct Tag {
  std::string name;
  std::vector<std::pair<std::string, std::string>> attrs;
  bool closing = false;      // </name>
  bool self_closing = false;  // <name/>
  std::uint64_t line = 0;
};

// Reads tags from a stream through a 64 KiB buffer, counting lines; text between tags is
// ignored (era_dump has none but whitespace).
class TagReader {
 public:
  explicit TagReader(std::istream& in) : in_(in) {}

  // Next element tag; nullopt at end of input. Declarations and comments are skipped.
  std::optional<Tag> next() {
    for (;;) {
      int c;
      while ((c = get()) != EOF && c != '<') {
      }
      if (c == EOF) return std::nullopt;
      const std::uint64_t start_line = line_;
      c = peek();
      if (c == '?') {
        skip_until("?>");
        continue;
      }
      if (c == '!') {
        skip_until(">");  // comments and DOCTYPE; era_dump writes neither
        continue;
      }
      Tag t;
      t.line = start_line;
      if (c == '/') {
        get();
        t.closing = true;
      }
      t.name = read_name();
      if (t.name.empty()) fail(start_line, "malformed tag");
      for (;;) {
        skip_space();
        c = get();
        if (c == EOF) fail(start_line, "unterminated tag <" + t.name + ">");
        if (c == '>') break;
        if (c == '/') {
          if (get() != '>') fail(line_, "expected '>' after '/' in <" + t.name + ">");
          t.self_closing = true;
          break;
        }
        unget(c);
        std::string key = read_name();
        if (key.empty()) fail(line_, "malformed attribute in <" + t.name + ">");
        skip_space();
        if (get() != '=') fail(line_, "expected '=' after attribute " + key);
        skip_space();
        const int q = get();
        if (q != '"' && q != '\'') fail(line_, "expected a quoted value for attribute " + key);
        std::string val;
        while ((c = get()) != q) {
          if (c == EOF) fail(start_line, "unterminated attribute value of " + key);
          val.push_back(static_cast<char>(c));
        }
        t.attrs.emplace_back(std::move(key), std::move(val));
      }
      if (t.closing && (t.self_closing || !t.attrs.empty())) fail(start_line, "malformed closing tag");
      return t;
    }
  }

  [[noreturn]] static void fail(std::uint64_t line, const std::string& what) {
    throw XmlError("line " + std::to_string(line) + ": " + what);
  }

 private:
  int fill() {
    if (pos_ < len_) return 0;
    if (!in_) return EOF;
    in_.read(buf_.data(), static_cast<std::streamsize>(buf_.size()));
    len_ = static_cast<std::size_t>(in_.gcount());
    pos_ = 0;
    return len_ ? 0 : EOF;
  }
  int get() {
    if (pushed_ >= 0) {
      const int c = pushed_;
      pushed_ = -1;
      return c;
    }
    if (fill() == EOF) return EOF;
    const int c = static_cast<unsigned char>(buf_[pos_++]);
    if (c == '\n') ++line_;
    return c;
  }
  void unget(int c) { pushed_ = c; }  // only ever one non-newline character
  int peek() {
    const int c = get();
    if (c != EOF) unget(c);
    return c;
  }
  void skip_space() {
    int c;
    while ((c = get()) == ' ' || c == '\t' || c == '\n' || c == '\r') {
    }
    if (c != EOF) unget(c);
  }
  std::string read_name() {
    std::string s;
    int c;
    while ((c = get()) != EOF && (std::isalnum(c) || c == '_' || c == '-' || c == ':' || c == '.')) {
      s.push_back(static_cast<char>(c));
    }
    if (c != EOF) unget(c);
    return s;
  }
  void skip_until(std::string_view end) {
    std::size_t matched = 0;
    const std::uint64_t start = line_;
    while (matched < end.size()) {
      const int c = get();
      if (c == EOF) fail(start, "unterminated declaration or comment");
      matched = c == end[matched] ? matched + 1 : (c == end[0] ? 1 : 0);
    }
  }

  std::istream& in_;
  std::array<char, 65536> buf_{};
  std::size_t pos_ = 0, len_ = 0;
  int pushed_ = -1;
  std::uint64_t line_ = 1;
};

const std::string* find_attr(const Tag& t, std::string_view key) {
  for (const auto& [k, v] : t.attrs) {
    if (k == key) return &v;
  }
  return nullptr;
}

std::uint64_t attr_u64(const Tag& t, std::string_view key, std::uint64_t max) {
  const std::string* v = find_attr(t, key);
  if (!v) TagReader::fail(t.line, "<" + t.name + "> lacks attribute " + std::string(key));
  std::uint64_t x = 0;
  const auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), x);
  if (v->empty() || ec != std::errc() || p != v->data() + v->size() || x > max) {
    TagReader::fail(t.line, "<" + t.name + "> attribute " + std::string(key) + "=\"" + *v +
                                "\" is not a number in 0.." + std::to_string(max));
  }
  return x;
}

std::uint32_t attr_u32(const Tag& t, std::string_view key) {
  return static_cast<std::uint32_t>(attr_u64(t, key, UINT32_MAX));
}

bool attr_bool(const Tag& t, std::string_view key) {
  const std::string* v = find_attr(t, key);
  if (!v) TagReader::fail(t.line, "<" + t.name + "> lacks attribute " + std::string(key));
  if (*v == "true" || *v == "1") return true;
  if (*v == "false" || *v == "0") return false;
  TagReader::fail(t.line, "<" + t.name + "> attribute " + std::string(key) + "=\"" + *v +
                              "\" is not true or false");
}

// Zero-initialised array of `size` elements that allocates N-element chunks on first write, so
// a sparse document claiming 2^32 blocks costs memory only for what it lists.
template <typename T, std::size_t N>
class ChunkedArray {
 public:
  explicit ChunkedArray(std::uint64_t size) : chunks_((size + N - 1) / N) {}
  T& at(std::uint64_t i) {
    auto& c = chunks_[i / N];
    if (!c) c = std::make_unique<std::array<T, N>>();  // value-initialised: zeros
    return (*c)[i % N];
  }
  void copy(std::uint64_t first, T* out, std::size_t count) const {
    while (count > 0) {
      const std::size_t off = first % N;
      const std::size_t n = std::min(count, N - off);
      const auto* c = first / N < chunks_.size() ? chunks_[first / N].get() : nullptr;
      if (c) {
        std::memcpy(out, c->data() + off, n * sizeof(T));
      } else {
        std::fill_n(out, n, T{});
      }
      out += n;
      first += n;
      count -= n;
    }
  }

 private:
  std::vector<std::unique_ptr<std::array<T, N>>> chunks_;
};

using BitWords = ChunkedArray<std::uint64_t, 509>;  // one bitset array block per chunk
using EraValues = ChunkedArray<std::uint32_t, 1018>;  // one era array block per chunk

// Sets bits [b, b + len), a word at a time.
void set_bits(BitWords& w, std::uint64_t b, std::uint64_t len) {
  const std::uint64_t end = b + len;
  while (b < end) {
    const std::uint64_t in_word = std::min<std::uint64_t>(64 - b % 64, end - b);
    const std::uint64_t mask = in_word == 64 ? ~std::uint64_t{0} : ((std::uint64_t{1} << in_word) - 1) << (b % 64);
    w.at(b / 64) |= mask;
    b += in_word;
  }
}

}  // namespace

EraModel parse_era_xml(std::istream& in, std::uint64_t max_metadata_blocks) {
  TagReader r(in);
  // Array blocks the declared sizes need so far (a lower bound of the metadata size).
  std::uint64_t needed = 0;
  const auto need = [&](const Tag& t, std::uint64_t blocks) {
    needed += blocks;
    if (needed > max_metadata_blocks) {
      throw XmlTooLargeError("line " + std::to_string(t.line) + ": the metadata needs more than " +
                             std::to_string(max_metadata_blocks) + " blocks");
    }
  };
  EraModel m;
  std::shared_ptr<EraValues> eras;
  enum class Where { kTop, kSuperblock, kWriteset, kEraArray, kDone } where = Where::kTop;
  WritesetModel ws;
  std::shared_ptr<BitWords> bits;
  const auto finish_writeset = [&] {
    ws.fill = [b = std::move(bits)](std::uint64_t first, std::uint64_t* out, std::size_t count) {
      b->copy(first, out, count);
    };
    m.writesets.push_back(std::move(ws));
    ws = {};
  };

  while (auto t = r.next()) {
    const std::string& n = t->name;
    const auto unexpected = [&] {
      TagReader::fail(t->line, std::string(t->closing ? "unexpected </" : "unexpected <") + n +
                                   "> here");
    };
    const auto known = n == "superblock" || n == "writeset" || n == "bit" || n == "marked" ||
                       n == "era_array" || n == "era";
    if (!known) TagReader::fail(t->line, "unknown tag type <" + n + ">");
    if (t->closing) {
      if (n == "superblock" && where == Where::kSuperblock) {
        where = Where::kDone;
      } else if (n == "writeset" && where == Where::kWriteset) {
        finish_writeset();
        where = Where::kSuperblock;
      } else if (n == "era_array" && where == Where::kEraArray) {
        where = Where::kSuperblock;
      } else {
        unexpected();
      }
      continue;
    }
    if (n == "superblock") {
      if (where != Where::kTop) unexpected();
      // uuid is accepted and, like both tool versions, not stored (always zero on disk).
      m.data_block_size = attr_u32(*t, "block_size");
      m.nr_blocks = attr_u32(*t, "nr_blocks");
      m.current_era = attr_u32(*t, "current_era");
      need(*t, (std::uint64_t{m.nr_blocks} + 1017) / 1018);
      eras = std::make_shared<EraValues>(m.nr_blocks);
      where = t->self_closing ? Where::kDone : Where::kSuperblock;
    } else if (n == "writeset") {
      if (where != Where::kSuperblock) unexpected();
      ws = {};
      ws.era = attr_u32(*t, "era");
      ws.nr_bits = attr_u32(*t, "nr_bits");
      need(*t, (std::uint64_t{ws.nr_bits} + 64 * 509 - 1) / (64 * 509));
      bits = std::make_shared<BitWords>((std::uint64_t{ws.nr_bits} + 63) / 64);
      if (t->self_closing) {
        finish_writeset();
      } else {
        where = Where::kWriteset;
      }
    } else if (n == "bit") {
      if (where != Where::kWriteset || !t->self_closing) unexpected();
      const std::uint64_t b = attr_u64(*t, "block", UINT64_MAX);
      const bool v = attr_bool(*t, "value");
      if (b >= ws.nr_bits) {
        TagReader::fail(t->line, "bitset index out of bounds (" + std::to_string(b) +
                                     " >= " + std::to_string(ws.nr_bits) + ")");
      }
      if (v) set_bits(*bits, b, 1);
    } else if (n == "marked") {
      if (where != Where::kWriteset || !t->self_closing) unexpected();
      const std::uint64_t b = attr_u64(*t, "block_begin", UINT32_MAX);
      const std::uint64_t len = attr_u64(*t, "len", UINT32_MAX);
      if (b + len > ws.nr_bits) {
        TagReader::fail(t->line, "bitset index out of bounds (" + std::to_string(b) + "+" +
                                     std::to_string(len) + " > " + std::to_string(ws.nr_bits) +
                                     ")");
      }
      set_bits(*bits, b, len);
    } else if (n == "era_array") {
      if (where != Where::kSuperblock) unexpected();
      if (!t->self_closing) where = Where::kEraArray;
    } else {  // era
      if (where != Where::kEraArray || !t->self_closing) unexpected();
      const std::uint64_t b = attr_u64(*t, "block", UINT64_MAX);
      const std::uint32_t e = attr_u32(*t, "era");
      if (b >= m.nr_blocks) {
        TagReader::fail(t->line, "array_block index out of bounds (" + std::to_string(b) +
                                     " >= " + std::to_string(m.nr_blocks) + ")");
      }
      eras->at(b) = e;
    }
  }
  if (where == Where::kTop) throw XmlError("no <superblock> in the XML");
  if (where != Where::kDone) throw XmlError("XML ends before </superblock>");

  // A repeated era replaces the earlier writeset, as 0.9's btree insert does.
  std::stable_sort(m.writesets.begin(), m.writesets.end(),
                   [](const auto& a, const auto& b) { return a.era < b.era; });
  std::vector<WritesetModel> unique;
  for (auto& w : m.writesets) {
    if (!unique.empty() && unique.back().era == w.era) unique.pop_back();
    unique.push_back(std::move(w));
  }
  m.writesets = std::move(unique);
  m.era_array = [e = std::move(eras)](std::uint64_t first, std::uint32_t* out, std::size_t count) {
    e->copy(first, out, count);
  };
  return m;
}

}  // namespace era_metadata
