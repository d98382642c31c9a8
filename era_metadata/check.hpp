// era_check: full verification of dm-era metadata. Everything reachable from the live superblock
// (and from a held snapshot's superblock) is validated, era values are bounded by current_era,
// and the reference counts found by walking are compared with the metadata space map.
#pragma once

#include <string>
#include <vector>

#include "era_metadata/metadata_source.hpp"

namespace era_metadata {

struct CheckOptions {
  bool superblock_only = false;
  unsigned threads = 0;
};

struct CheckReport {
  std::vector<std::string> errors;    // damage: the metadata must not be trusted
  std::vector<std::string> warnings;  // oddities the kernel tolerates (underfull nodes, leaks)
  [[nodiscard]] bool ok() const { return errors.empty(); }
};

// Never throws MetadataError: every finding lands in the report (I/O errors still throw).
[[nodiscard]] CheckReport check_metadata(const MetadataSource& source, const CheckOptions& options);

}  // namespace era_metadata
