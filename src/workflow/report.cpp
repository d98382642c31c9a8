// The copy report printed by recover/promote, and the verification check.
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
  const double speed = r.seconds > 0 ? static_cast<double>(r.bytes) / r.seconds : 0;
  out << "  Average speed: " << base::format_bytes(static_cast<uint64_t>(speed)) << "/s\n";
  if (r.verify_mismatches) {
    out << "  Verified: " << (*r.verify_mismatches == 0 ? "identical" : "MISMATCHES") << " ("
        << *r.verify_mismatches << " mismatches)\n";
  }
}

void check_verified(const CopyReport& report, const std::string& src, const std::string& dst) {
  if (report.verify_mismatches && *report.verify_mismatches != 0) {
    throw std::runtime_error("Verification failed: " + std::to_string(*report.verify_mismatches) +
                             " mismatching extents between " + src + " and " + dst);
  }
}

}  // namespace schelk
