// era_dump XML to a writer model; see era_dump_xml_reader.hpp.
#include "src/era_tools/era_dump_xml_reader.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace schelk::era_tools {

using era_metadata::EraModel;
using era_metadata::WritesetModel;

namespace {

[[noreturn]] void fail(const XmlElement& e, const std::string& what) {
  throw XmlError(e.line(), what);
}

std::string tag(const XmlElement& e) { return "<" + quoted_name(e.name()) + ">"; }

const char* required(const XmlElement& e, std::string_view key) {
  const char* v = e.attribute(key);
  if (!v) fail(e, tag(e) + " lacks attribute " + std::string(key));
  return v;
}

std::uint64_t attr_u64(const XmlElement& e, std::string_view key, std::uint64_t max) {
  const char* v = required(e, key);
  // Decimal digits only, as from_chars would take them, without measuring the string first.
  std::uint64_t x = 0;
  const char* p = v;
  bool ok = *p != '\0';
  for (; ok && *p != '\0'; ++p) {
    const auto digit = static_cast<std::uint64_t>(*p - '0');
    ok = *p >= '0' && *p <= '9' && x <= (max - digit) / 10;
    x = x * 10 + digit;
  }
  if (!ok) {
    fail(e, tag(e) + " attribute " + std::string(key) + "=\"" + quoted_name(v) +
                "\" is not a number in 0.." + std::to_string(max));
  }
  return x;
}

std::uint32_t attr_u32(const XmlElement& e, std::string_view key) {
  return static_cast<std::uint32_t>(attr_u64(e, key, UINT32_MAX));
}

bool attr_bool(const XmlElement& e, std::string_view key) {
  const std::string_view v = required(e, key);
  if (v == "true" || v == "1") return true;
  if (v == "false" || v == "0") return false;
  fail(e, tag(e) + " attribute " + std::string(key) + "=\"" + quoted_name(v) +
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

using BitWords = ChunkedArray<std::uint64_t, 509>;    // one bitset array block per chunk
using EraValues = ChunkedArray<std::uint32_t, 1018>;  // one era array block per chunk

// Sets bits [b, b + len), a word at a time.
void set_bits(BitWords& w, std::uint64_t b, std::uint64_t len) {
  const std::uint64_t end = b + len;
  while (b < end) {
    const std::uint64_t in_word = std::min<std::uint64_t>(64 - b % 64, end - b);
    const std::uint64_t mask =
        in_word == 64 ? ~std::uint64_t{0} : ((std::uint64_t{1} << in_word) - 1) << (b % 64);
    w.at(b / 64) |= mask;
    b += in_word;
  }
}

// The dialect's grammar: superblock (writeset (bit | marked)*)* era_array (era)*; bit, marked and
// era are leaves.
class EraDumpHandler final : public XmlHandler {
 public:
  explicit EraDumpHandler(std::uint64_t max_metadata_blocks) : max_blocks_(max_metadata_blocks) {}

  void start_element(const XmlElement& e) override {
    const std::string_view n = e.name();
    const bool known = n == "superblock" || n == "writeset" || n == "bit" || n == "marked" ||
                       n == "era_array" || n == "era";
    if (!known) fail(e, "unknown tag type " + tag(e));
    if (in_leaf_) unexpected(e);
    if (n == "bit") {
      if (where_ != Where::kWriteset) unexpected(e);
      const std::uint64_t b = attr_u64(e, "block", UINT64_MAX);
      const bool v = attr_bool(e, "value");
      if (b >= ws_.nr_bits) {
        fail(e, "bitset index out of bounds (" + std::to_string(b) +
                    " >= " + std::to_string(ws_.nr_bits) + ")");
      }
      if (v) set_bits(*bits_, b, 1);
      in_leaf_ = true;
    } else if (n == "era") {
      if (where_ != Where::kEraArray) unexpected(e);
      const std::uint64_t b = attr_u64(e, "block", UINT64_MAX);
      const std::uint32_t era = attr_u32(e, "era");
      if (b >= m_.nr_blocks) {
        fail(e, "array_block index out of bounds (" + std::to_string(b) +
                    " >= " + std::to_string(m_.nr_blocks) + ")");
      }
      if (era > m_.current_era)
        fail(e, era_too_great("<era block=\"" + std::to_string(b) + "\">", era));
      eras_->at(b) = era;
      in_leaf_ = true;
    } else if (n == "marked") {
      if (where_ != Where::kWriteset) unexpected(e);
      const std::uint64_t b = attr_u64(e, "block_begin", UINT32_MAX);
      const std::uint64_t len = attr_u64(e, "len", UINT32_MAX);
      if (b + len > ws_.nr_bits) {
        fail(e, "bitset index out of bounds (" + std::to_string(b) + "+" + std::to_string(len) +
                    " > " + std::to_string(ws_.nr_bits) + ")");
      }
      set_bits(*bits_, b, len);
      in_leaf_ = true;
    } else if (n == "superblock") {
      if (where_ != Where::kTop) unexpected(e);
      // uuid is accepted and, like both tool versions, not stored (always zero on disk).
      m_.data_block_size = attr_u32(e, "block_size");
      m_.nr_blocks = attr_u32(e, "nr_blocks");
      m_.current_era = attr_u32(e, "current_era");
      need(e, (std::uint64_t{m_.nr_blocks} + 1017) / 1018);
      eras_ = std::make_shared<EraValues>(m_.nr_blocks);
      where_ = Where::kSuperblock;
    } else if (n == "writeset") {
      if (where_ != Where::kSuperblock) unexpected(e);
      ws_ = {};
      ws_.era = attr_u32(e, "era");
      ws_.nr_bits = attr_u32(e, "nr_bits");
      if (ws_.era > m_.current_era) fail(e, era_too_great("<writeset>", ws_.era));
      need(e, (std::uint64_t{ws_.nr_bits} + 64 * 509 - 1) / (64 * 509));
      bits_ = std::make_shared<BitWords>((std::uint64_t{ws_.nr_bits} + 63) / 64);
      where_ = Where::kWriteset;
    } else {  // era_array
      if (where_ != Where::kSuperblock) unexpected(e);
      where_ = Where::kEraArray;
    }
  }

  // expat checks that ends match starts, so only the state changes remain.
  void end_element(const XmlElement& e) override {
    if (in_leaf_) {
      in_leaf_ = false;
      return;
    }
    const std::string_view n = e.name();
    if (n == "writeset") {
      finish_writeset();
      where_ = Where::kSuperblock;
    } else if (n == "era_array") {
      where_ = Where::kSuperblock;
    } else {  // superblock
      where_ = Where::kDone;
    }
  }

  EraModel take() {
    // A repeated era replaces the earlier writeset, as 0.9's btree insert does.
    std::stable_sort(m_.writesets.begin(), m_.writesets.end(),
                     [](const auto& a, const auto& b) { return a.era < b.era; });
    std::vector<WritesetModel> unique;
    for (auto& w : m_.writesets) {
      if (!unique.empty() && unique.back().era == w.era) unique.pop_back();
      unique.push_back(std::move(w));
    }
    m_.writesets = std::move(unique);
    m_.era_array = [e = std::move(eras_)](std::uint64_t first, std::uint32_t* out,
                                          std::size_t count) { e->copy(first, out, count); };
    return std::move(m_);
  }

 private:
  enum class Where { kTop, kSuperblock, kWriteset, kEraArray, kDone };

  [[noreturn]] static void unexpected(const XmlElement& e) {
    fail(e, "unexpected " + tag(e) + " here");
  }

  std::string era_too_great(const std::string& what, std::uint32_t era) const {
    return what + " era " + std::to_string(era) + " is greater than current_era " +
           std::to_string(m_.current_era) + " (era tools and the kernel would reject it)";
  }

  // Array blocks the declared sizes need so far (a lower bound of the metadata size).
  void need(const XmlElement& e, std::uint64_t blocks) {
    needed_ += blocks;
    if (needed_ > max_blocks_) {
      throw XmlTooLargeError(
          e.line(), "the metadata needs more than " + std::to_string(max_blocks_) + " blocks");
    }
  }

  void finish_writeset() {
    ws_.fill = [b = std::move(bits_)](std::uint64_t first, std::uint64_t* out, std::size_t count) {
      b->copy(first, out, count);
    };
    m_.writesets.push_back(std::move(ws_));
    ws_ = {};
  }

  std::uint64_t max_blocks_;
  std::uint64_t needed_ = 0;
  EraModel m_;
  std::shared_ptr<EraValues> eras_;
  WritesetModel ws_;
  std::shared_ptr<BitWords> bits_;
  Where where_ = Where::kTop;
  bool in_leaf_ = false;  // inside <bit>, <marked> or <era>, which have no children
};

}  // namespace

EraModel read_era_dump_xml(std::istream& in, std::uint64_t max_metadata_blocks) {
  EraDumpHandler h(max_metadata_blocks);
  read_xml(in, h);
  return h.take();
}

}  // namespace schelk::era_tools
