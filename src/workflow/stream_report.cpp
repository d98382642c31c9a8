#include "src/workflow/stream_report.hpp"

#include "src/state/state.hpp"

namespace schelk {

void report_stream_fields(Report& report, const stream::StreamHeader& h,
                          const stream::StreamTotals& t) {
  auto& f = report.fields;
  f["baseline_id"] = baseline_id_text(h.baseline_id);
  f["full"] = h.full;
  f["from_generation"] = h.from_generation;
  f["to_generation"] = h.to_generation;
  f["extents"] = t.extents;
  f["data_bytes"] = t.data_bytes;
  f["stream_bytes"] = t.stream_bytes;
}

std::string describe_stream(const stream::StreamHeader& h) {
  const std::string id = baseline_id_text(h.baseline_id);
  if (h.full)
    return "the whole baseline " + id + " at generation " + std::to_string(h.to_generation);
  return "the changes of baseline " + id + " from generation " + std::to_string(h.from_generation) +
         " to " + std::to_string(h.to_generation);
}

}  // namespace schelk
