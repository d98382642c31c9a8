#include "era_metadata/damage.hpp"

#include <utility>

namespace era_metadata {

Damage make_error(DamageKind kind, std::optional<std::uint64_t> block, std::string where,
                  std::string detail) {
  return Damage{kind, block, std::move(where), std::move(detail), Severity::kError};
}

Damage make_warning(DamageKind kind, std::optional<std::uint64_t> block, std::string where,
                    std::string detail) {
  return Damage{kind, block, std::move(where), std::move(detail), Severity::kWarning};
}

std::string to_string(const Damage& damage) {
  if (damage.where.empty()) return damage.detail;
  return damage.where + ": " + damage.detail;
}

Damage with_prefix(Damage damage, std::string_view prefix) {
  std::string& first = damage.where.empty() ? damage.detail : damage.where;
  first.insert(0, prefix);
  return damage;
}

void Findings::add(Damage damage) {
  (damage.fatal() ? errors_ : warnings_).push_back(std::move(damage));
}

std::vector<std::string> Findings::to_strings() const {
  std::vector<std::string> lines;
  lines.reserve(warnings_.size() + errors_.size());
  for (const auto& w : warnings_) lines.push_back("warning: " + to_string(w));
  for (const auto& e : errors_) lines.push_back("error: " + to_string(e));
  return lines;
}

}  // namespace era_metadata
