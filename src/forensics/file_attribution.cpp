// See file_attribution.hpp.
#include "src/forensics/file_attribution.hpp"

#include <algorithm>
#include <sstream>

#include "base/format.hpp"

namespace schelk {

const std::vector<std::string>& metadata_kinds() {
  static const std::vector<std::string> kinds = {
      "superblock", "group_descriptors", "block_bitmap", "inode_bitmap",   "inode_table",
      "journal",    "directory",         "extent_tree",  "reserved_inodes"};
  return kinds;
}

std::vector<MetadataBytes> empty_metadata() {
  std::vector<MetadataBytes> m;
  for (const auto& k : metadata_kinds()) m.push_back({k, 0});
  return m;
}

void add_metadata(std::vector<MetadataBytes>& metadata, const std::string& kind, uint64_t bytes) {
  for (auto& m : metadata) {
    if (m.kind == kind) {
      m.bytes += bytes;
      return;
    }
  }
  metadata.push_back({kind, bytes});
}

void finish_attribution(FileAttribution& a) {
  std::sort(a.files.begin(), a.files.end(), [](const FileBytes& x, const FileBytes& y) {
    if (x.bytes != y.bytes) return x.bytes > y.bytes;
    if (x.path != y.path) return x.path < y.path;
    return x.inode < y.inode;
  });
  uint64_t attributed = a.omitted_bytes;
  for (const auto& f : a.files) attributed += f.bytes;
  for (const auto& m : a.metadata) attributed += m.bytes;
  // Never negative: a block two inodes claim (a corrupt filesystem) would count twice.
  a.unattributed_bytes = a.written_bytes > attributed ? a.written_bytes - attributed : 0;
}

void keep_top_files(FileAttribution& a, size_t n) {
  if (a.files.size() <= n) return;
  for (size_t i = n; i < a.files.size(); ++i) {
    ++a.omitted_files;
    a.omitted_bytes += a.files[i].bytes;
  }
  a.files.resize(n);
}

nlohmann::ordered_json attribution_to_json(const FileAttribution& a) {
  auto files = nlohmann::ordered_json::array();
  for (const auto& f : a.files) {
    files.push_back({{"path", f.path ? nlohmann::ordered_json(*f.path) : nullptr},
                     {"inode", f.inode},
                     {"bytes", f.bytes}});
  }
  auto metadata = nlohmann::ordered_json::array();
  for (const auto& m : a.metadata) metadata.push_back({{"kind", m.kind}, {"bytes", m.bytes}});
  return {{"source", a.source},
          {"written_bytes", a.written_bytes},
          {"files", files},
          {"files_omitted", {{"count", a.omitted_files}, {"bytes", a.omitted_bytes}}},
          {"metadata", metadata},
          {"unattributed_bytes", a.unattributed_bytes},
          {"notes", a.notes}};
}

FileAttribution attribution_from_json(const nlohmann::json& j) {
  FileAttribution a;
  a.source = j.at("source").get<std::string>();
  a.written_bytes = j.at("written_bytes").get<uint64_t>();
  for (const auto& f : j.at("files")) {
    const auto& p = f.at("path");
    a.files.push_back({p.is_null() ? std::nullopt : std::optional(p.get<std::string>()),
                       f.at("inode").get<uint64_t>(), f.at("bytes").get<uint64_t>()});
  }
  a.omitted_files = j.at("files_omitted").at("count").get<uint64_t>();
  a.omitted_bytes = j.at("files_omitted").at("bytes").get<uint64_t>();
  for (const auto& m : j.at("metadata")) {
    a.metadata.push_back({m.at("kind").get<std::string>(), m.at("bytes").get<uint64_t>()});
  }
  a.unattributed_bytes = j.at("unattributed_bytes").get<uint64_t>();
  a.notes = j.at("notes").get<std::vector<std::string>>();
  return a;
}

std::string attribution_to_text(const FileAttribution& a, size_t top) {
  std::ostringstream out;
  uint64_t file_bytes = a.omitted_bytes;
  for (const auto& f : a.files) file_bytes += f.bytes;
  const uint64_t file_count = a.files.size() + a.omitted_files;
  out << "Files: " << file_count << " written, " << base::format_bytes(file_bytes) << "\n";
  for (size_t i = 0; i < a.files.size() && i < top; ++i) {
    const auto& f = a.files[i];
    out << "  " << base::format_bytes(f.bytes) << "  "
        << (f.path ? *f.path : "(inode " + std::to_string(f.inode) + ", no name)") << "\n";
  }
  if (file_count > top && !a.files.empty()) {
    out << "  ... " << file_count - std::min(top, a.files.size()) << " more (--json lists "
        << (a.omitted_files > 0 ? "the kept ones" : "all") << ")\n";
  }
  out << "Metadata:";
  bool any = false;
  for (const auto& m : a.metadata) {
    if (m.bytes == 0) continue;
    out << (any ? ", " : " ") << m.kind << " " << base::format_bytes(m.bytes);
    any = true;
  }
  out << (any ? "" : " none") << "\n";
  out << "Unattributed (free now): " << base::format_bytes(a.unattributed_bytes) << "\n";
  for (const auto& n : a.notes) out << "Note: " << n << "\n";
  return out.str();
}

}  // namespace schelk
