// era_check: full verification of dm-era metadata. Everything reachable from the live superblock
// (and from a held snapshot's superblock) is validated, era values are bounded by current_era,
// and the reference counts found by walking are compared with the metadata space map.
#pragma once

#include "era_metadata/damage.hpp"
#include "era_metadata/metadata_source.hpp"

namespace era_metadata {

struct CheckOptions {
  bool superblock_only = false;
  unsigned threads = 0;
};

// Errors: damage, the metadata must not be trusted. Warnings: oddities the kernel tolerates
// (underfull nodes, leaks). Never throws MetadataError: every finding lands in the result; I/O
// errors still throw std::system_error.
[[nodiscard]] Findings check_metadata(const MetadataSource& source, const CheckOptions& options);

}  // namespace era_metadata
