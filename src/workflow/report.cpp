// The copy report printed by recover/promote, and the verification check.
#include <cmath>
#include <ostream>
#include <stdexcept>

#include "base/format.hpp"
#include "src/workflow/workflow.hpp"

namespace schelk {

void print_copy_report(std::ostream& out, const char* blocks_label, uint64_t blocks,
                       const CopyReport& r) {
  out << "  " << blocks_label << ": " << blocks << "\n";
  out << "  Bytes copied: " << base::format_bytes(r.bytes) << "\n";
  out << "  Time elapsed: " << base::format_duration(r.seconds) << "\n";
  out << "  Average speed: " << base::format_rate(r.bytes, r.seconds) << "\n";
  if (r.verify_mismatches) {
    out << "  Verified: " << (*r.verify_mismatches == 0 ? "identical" : "MISMATCHES") << " ("
        << *r.verify_mismatches << " mismatches), "
        << base::format_transfer(r.verify_bytes, r.verify_seconds) << "\n";
  }
}

namespace {

nlohmann::ordered_json phase_json(uint64_t bytes, double seconds) {
  nlohmann::ordered_json j;
  j["bytes"] = bytes;
  j["ms"] = std::round(seconds * 1e6) / 1000;  // microsecond resolution, as the steps
  j["mib_per_s"] = std::round(base::mib_per_second(bytes, seconds) * 10) / 10;
  return j;
}

}  // namespace

void record_copy_phases(Report& report, const CopyReport& copy) {
  report.fields["copy"] = phase_json(copy.bytes, copy.seconds);
  if (copy.verify_mismatches) {
    report.fields["verify"] = phase_json(copy.verify_bytes, copy.verify_seconds);
  }
}

void check_verified(const CopyReport& report, const std::string& src, const std::string& dst) {
  if (report.verify_mismatches && *report.verify_mismatches != 0) {
    throw std::runtime_error("Verification failed: " + std::to_string(*report.verify_mismatches) +
                             " mismatching extents between " + src + " and " + dst);
  }
}

}  // namespace schelk
