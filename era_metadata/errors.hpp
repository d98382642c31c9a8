// The error type of the dm-era metadata reader: damaged or unusable metadata. It carries the
// Damage found (damage.hpp); what() is its one-line message, naming the block and the field,
// e.g. "btree node at block 812: nr_entries 300 > max_entries 252". OS errors (open, read) are
// std::system_error instead.
#pragma once

#include <memory>
#include <stdexcept>

#include "era_metadata/damage.hpp"

namespace era_metadata {

class MetadataError : public std::runtime_error {
 public:
  explicit MetadataError(Damage damage)
      : std::runtime_error(to_string(damage)),
        damage_(std::make_shared<const Damage>(std::move(damage))) {}
  [[nodiscard]] const Damage& damage() const noexcept { return *damage_; }

 private:
  std::shared_ptr<const Damage> damage_;  // shared: copying an exception must not throw
};

}  // namespace era_metadata
