// What send, receive and receive --dry-run report about a stream in the --json object (and the
// run history): the same field names for the same facts.
#pragma once

#include <string>

#include "src/stream/stream_format.hpp"
#include "src/stream/stream_writer.hpp"
#include "src/workflow/run_report.hpp"

namespace schelk {

// baseline_id, full, from_generation, to_generation, extents, data_bytes, stream_bytes.
void report_stream_fields(Report& report, const stream::StreamHeader& header,
                          const stream::StreamTotals& totals);

// "the whole baseline <id> at generation G" / "the changes of baseline <id> from generation F
// to T": what a stream holds, for people.
std::string describe_stream(const stream::StreamHeader& header);

}  // namespace schelk
