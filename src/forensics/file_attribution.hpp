// Which files and which filesystem metadata a written set wrote: the result both attributions
// (ext4_attribution.hpp through libext2fs, fiemap_attribution.hpp through the mounted tree) fill,
// its JSON (the `files`/`metadata`/`unattributed_bytes` fields of `schelk written --files --json`
// and the run history's <id>.files.json) and its text. Bytes are exact: a written era block
// counts only its bytes inside a file's blocks.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace schelk {

struct FileBytes {
  std::optional<std::string> path;  // from the filesystem root; nullopt for an inode no
                                    // directory names (open but deleted)
  uint64_t inode = 0;
  uint64_t bytes = 0;
};

struct MetadataBytes {
  std::string kind;  // one of metadata_kinds()
  uint64_t bytes = 0;
};

struct FileAttribution {
  std::string source;            // "libext2fs", "fiemap", "fiemap+libext2fs"
  uint64_t written_bytes = 0;    // all written bytes looked at (files + metadata + unattributed)
  std::vector<FileBytes> files;  // most bytes first, then by path
  std::vector<MetadataBytes> metadata;  // every kind of metadata_kinds(), in that order
  uint64_t unattributed_bytes = 0;      // in no block the filesystem uses now
  uint64_t omitted_files = 0;           // files cut by keep_top_files, and their bytes
  uint64_t omitted_bytes = 0;
  std::vector<std::string> notes;  // e.g. why metadata is empty
};

// superblock (copies, and the boot area before the first), group_descriptors (copies and the
// reserved GDT blocks online resize grows into), block_bitmap, inode_bitmap, inode_table,
// journal (the journal inode's blocks), directory (blocks of directories), extent_tree (extent
// tree nodes and indirect blocks of any inode), reserved_inodes (quota, orphan file, ...).
const std::vector<std::string>& metadata_kinds();
// Metadata with every kind at zero.
std::vector<MetadataBytes> empty_metadata();
void add_metadata(std::vector<MetadataBytes>& metadata, const std::string& kind, uint64_t bytes);

// Sorts files (most bytes first, then path) and sets unattributed = written - files - metadata.
void finish_attribution(FileAttribution& a);
// Keeps the `n` files with the most bytes; the rest count in omitted_files/omitted_bytes.
void keep_top_files(FileAttribution& a, size_t n);

// {"source", "written_bytes", "files": [{"path", "inode", "bytes"}], "files_omitted": {"count",
// "bytes"}, "metadata": [{"kind", "bytes"}], "unattributed_bytes", "notes"}.
nlohmann::ordered_json attribution_to_json(const FileAttribution& a);
// Throws nlohmann::json::exception on a malformed object.
FileAttribution attribution_from_json(const nlohmann::json& j);
// For people: the `top` files with the most bytes, the metadata kinds with bytes, unattributed.
std::string attribution_to_text(const FileAttribution& a, size_t top = 20);

}  // namespace schelk
