// mark: start a phase of the tracked run. The era device rolls to a new era (the `checkpoint`
// message) and the state records the label with the era its writes count in (doc/
// kernel-behaviour.md section 4 says what the kernel does then and what it costs).
#include <iostream>
#include <stdexcept>

#include "src/workflow/workflow.hpp"

namespace schelk {
namespace {

constexpr size_t kMaxLabelBytes = 64;

void validate_label(const std::string& label) {
  const auto bad = [&label](const std::string& why) {
    return std::runtime_error("Phase label '" + label + "' " + why +
                              "; use 1 to 64 letters, digits and . _ : @ + - (not first).");
  };
  if (label.empty()) throw std::runtime_error("Phase label is empty; give one, e.g. 'load'.");
  if (label.size() > kMaxLabelBytes) throw bad("is too long");
  if (label.front() == '-') throw bad("starts with '-'");
  for (const char c : label) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == ':' || c == '@' || c == '+' || c == '-';
    if (!ok) throw bad("has a character outside the allowed set");
  }
}

}  // namespace

void cmd_mark(Context& ctx, const std::string& label) {
  validate_label(label);
  ctx.require_root();
  auto lock = ctx.lock();
  State st = ctx.load_initialized();
  if (!st.is_mounted) {
    throw std::runtime_error(
        "Volume is not mounted: a phase is part of a tracked run. Run 'schelk mount' first.");
  }
  for (const auto& p : st.phases) {
    if (p.label == label) {
      throw std::runtime_error("Phase label '" + label + "' is already used in this mount (era " +
                               std::to_string(p.era) + "); choose another.");
    }
  }
  auto& dm = ctx.dm();
  if (!dm.exists(st.dm_era_name)) {
    throw std::runtime_error("dm-era device '" + st.dm_era_name +
                             "' does not exist, so nothing is tracked to mark; see 'schelk "
                             "status' and 'schelk repair'.");
  }
  StepTimer timer(ctx.report(), "checkpoint");
  dm.message(st.dm_era_name, "checkpoint");
  timer.next("status");
  const uint32_t era = dm.status(st.dm_era_name).current_era;
  timer.next("save state");
  st.phases.push_back({label, era, unix_now()});
  ctx.save(st);
  timer.stop();
  ctx.report().fields["label"] = label;
  ctx.report().fields["era"] = era;
  ctx.out() << "Phase '" << label << "' started: writes from now on count in era " << era << ".\n";
}

}  // namespace schelk
