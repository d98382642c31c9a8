// --full-if-needed: the decision between the incremental copy, a full copy and nothing.
#include "src/workflow/full_if_needed.hpp"

#include "base/format.hpp"
#include "base/posix_io.hpp"
#include "src/state/journal.hpp"
#include "src/workflow/untracked_writes.hpp"

namespace schelk {
namespace {

constexpr const char* kFullTail = ": copying all of virgin to scratch (--full-if-needed).";

// The stamp comparison mount makes, without its refusals; a corrupt stamp proves nothing.
UntrackedCheck check_stamp(Context& ctx, const State& st) {
  try {
    std::optional<ScratchStamp> then;
    const auto path = scratch_stamp_path_for(ctx.options().state_path);
    if (const auto text = base::read_text_file(path)) then = stamp_from_json(*text);
    return compare_stamps(then, take_scratch_stamp(st.scratch, ctx.system()));
  } catch (const StateError&) {
    return {};
  }
}

bool superblocks_match(Context& ctx, const State& st) {
  return ctx.volumes().hash_superblock(st.scratch) == st.virgin_superblock_hash;
}

BaselineDecision full(std::string reason, const std::string& why) {
  return {BaselinePath::kFull, std::move(reason), why + kFullTail};
}

}  // namespace

BaselineDecision decide_baseline(Context& ctx, const State& st) {
  if (st.is_mounted) {
    if (ctx.dm().exists(st.dm_era_name)) {
      return {BaselinePath::kIncremental, "tracked",
              "Tracking is intact: copying back only the blocks written since mount "
              "(--full-if-needed)."};
    }
    if (load_journal(ctx.options().state_path)) {
      return {BaselinePath::kIncremental, "resume",
              "An interrupted copy saved its written set: finishing it incrementally "
              "(--full-if-needed)."};
    }
    return full("tracking_lost", "Tracking was lost (rebooted while mounted)");
  }
  if (st.needs_full_recover) {
    return full(*st.needs_full_recover, st.needs_full_recover == kNeedsFullUnknownMount
                                            ? "Scratch was written through a mount schelk did "
                                              "not record"
                                            : "Tracking was lost (rebooted while mounted)");
  }
  const auto check = check_stamp(ctx, st);
  switch (check.verdict) {
    case UntrackedVerdict::kWritten:
      return full("untracked_writes",
                  "Scratch was changed outside schelk since it was last restored (" +
                      base::format_mib(check.written_sectors * 512, 1) + " written, " +
                      base::format_mib(check.discarded_sectors * 512, 1) + " discarded)");
    case UntrackedVerdict::kCannotTell:
      return full("unverifiable",
                  "Cannot prove scratch untouched since it was last restored (the host "
                  "rebooted or the device changed)");
    case UntrackedVerdict::kUnknown:
      return full("unverifiable",
                  "Cannot prove scratch untouched since it was last restored (no record of its "
                  "write counters)");
    case UntrackedVerdict::kUntouched:
      break;
  }
  if (!superblocks_match(ctx, st)) {
    return full("superblock_differs", "Scratch's superblock differs from virgin's");
  }
  if (st.scratch_clean_at) {
    return {BaselinePath::kNone, "clean", "Scratch is clean: nothing to recover."};
  }
  return {BaselinePath::kNone, "untouched",
          "Volume is not mounted and scratch is untouched since it was last restored: nothing "
          "to recover."};
}

bool scratch_known_clean(Context& ctx, const State& st) {
  if (st.is_mounted || !st.scratch_clean_at || st.needs_full_recover) return false;
  if (load_journal(ctx.options().state_path)) return false;
  // Mounted or claimed outside schelk: not provably clean, and the copy's refusal says why.
  if (ctx.system().exclusively_claimed(st.scratch)) return false;
  return check_stamp(ctx, st).verdict == UntrackedVerdict::kUntouched && superblocks_match(ctx, st);
}

}  // namespace schelk
