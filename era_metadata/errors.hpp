// The error type of the dm-era metadata reader: damaged or unusable metadata. Messages are one
// line and name the block and the field, e.g. "btree node at block 812: nr_entries 300 >
// max_entries 252". OS errors (open, read) are std::system_error instead.
#pragma once

#include <stdexcept>
#include <string>

namespace era_metadata {

class MetadataError : public std::runtime_error {
 public:
  explicit MetadataError(const std::string& what) : std::runtime_error(what) {}
};

}  // namespace era_metadata
