// written: what a run wrote, from the live era device while mounted (through a held metadata
// snapshot, while the benchmark keeps running), a past run of the history, or metadata given by
// path; as a summary, block ranges for `schelk copy --blocks`, or JSON.
#include <algorithm>
#include <iostream>
#include <stdexcept>

#include "src/dm/metadata_snapshot.hpp"
#include "src/forensics/written_summary.hpp"
#include "src/history/run_history.hpp"
#include "src/picture/written_picture.hpp"
#include "src/workflow/workflow.hpp"

namespace schelk {
namespace {

// One phase's share: the blocks last written in it.
struct PhaseCount {
  std::string label;
  uint32_t era = 0;
  std::optional<uint64_t> blocks;
  std::vector<BlockRange> ranges;  // its blocks, when known (live with --by-phase or --picture)
};

struct WrittenView {
  std::string source;  // "live", "run <id>", "metadata <path>"
  std::vector<BlockRange> ranges;
  uint64_t block_size = 0;
  uint64_t volume_blocks = 0;
  uint64_t volume_bytes = 0;
  std::vector<PhaseCount> phases;
};

uint32_t resolve_since(const std::string& since, const std::vector<Phase>& phases) {
  for (const auto& p : phases) {
    if (p.label == since) return p.era;
  }
  const bool digits = !since.empty() && since.find_first_not_of("0123456789") == std::string::npos;
  if (!digits || since.size() > 10 || std::stoull(since) > UINT32_MAX) {
    throw std::runtime_error("--since " + since +
                             " is neither a phase of this mount nor an era number; see 'schelk "
                             "status' for the phases.");
  }
  return static_cast<uint32_t>(std::stoull(since));
}

void fill_from(WrittenView& v, WrittenBlocks w) {
  v.block_size = uint64_t{w.data_block_sectors} * 512;
  v.volume_blocks = w.nr_blocks;
  v.ranges = std::move(w.ranges);
}

WrittenView from_metadata(const WrittenOptions& opts) {
  WrittenView v;
  v.source = "metadata " + *opts.metadata;
  const uint32_t since = opts.since ? resolve_since(*opts.since, {}) : 0;
  fill_from(v, read_written_from_metadata(*opts.metadata, since, opts.metadata_snapshot));
  v.volume_bytes = v.volume_blocks * v.block_size;
  return v;
}

WrittenView from_run(Context& ctx, const State& st, const WrittenOptions& opts) {
  if (opts.since || opts.by_phase) {
    throw std::runtime_error(
        "A past run keeps its whole written set only: --since and --by-phase work on the live "
        "device (while mounted) or on --metadata.");
  }
  const auto dir = history_dir_for(ctx.options().state_path);
  const std::string id = opts.run.value_or("last");
  const auto run = find_run(dir, id);
  if (!run) {
    throw std::runtime_error(id == "last" ? "No run is recorded yet in " + dir.string() +
                                                " (recover, restore, promote and full-recover "
                                                "record theirs)."
                                          : "No run '" + id + "' in " + dir.string() +
                                                "; 'schelk history' lists them.");
  }
  WrittenView v;
  v.source = "run " + run->id;
  v.ranges = load_run_written_set(dir, run->id);
  v.block_size =
      run->report.value("block_size", nlohmann::ordered_json(st.granularity)).is_number_unsigned()
          ? run->report["block_size"].get<uint64_t>()
          : st.granularity;
  v.volume_bytes = ctx.volumes().size(st.scratch);
  v.volume_blocks = (v.volume_bytes + v.block_size - 1) / v.block_size;
  for (const auto& p : run->report.value("phases", nlohmann::ordered_json::array())) {
    v.phases.push_back({p.value("label", ""), p.value("era", 0u), std::nullopt, {}});
  }
  return v;
}

WrittenView from_live(Context& ctx, const State& st, const WrittenOptions& opts) {
  ctx.require_root();
  auto lock = ctx.lock();
  auto& dm = ctx.dm();
  if (!dm.exists(st.dm_era_name)) {
    throw std::runtime_error("dm-era device '" + st.dm_era_name +
                             "' does not exist; see 'schelk status' and 'schelk repair'.");
  }
  const uint32_t base = static_cast<uint32_t>(st.current_era.value_or(0));
  const uint32_t since = opts.since ? resolve_since(*opts.since, st.phases) : base;
  WrittenView v;
  v.source = "live";
  StepTimer timer(ctx.report(), "snapshot");
  MetadataSnapshotHold hold(dm, st.dm_era_name, ctx.err());
  timer.next("read written set");
  fill_from(v, ctx.written_sets().read(st.ramdisk, since));
  if (opts.by_phase || opts.picture) {
    // A phase owns the blocks last written in it: written since its era, not since the next.
    std::vector<PhaseCount> phases{{"(mount)", base, std::nullopt, {}}};
    for (const auto& p : st.phases) phases.push_back({p.label, p.era, std::nullopt, {}});
    std::vector<std::vector<BlockRange>> since_sets;
    for (const auto& p : phases) {
      since_sets.push_back(ctx.written_sets().read(st.ramdisk, p.era).ranges);
    }
    for (size_t i = 0; i < phases.size(); ++i) {
      phases[i].ranges =
          i + 1 < phases.size() ? subtract_ranges(since_sets[i], since_sets[i + 1]) : since_sets[i];
      phases[i].blocks = count_blocks(phases[i].ranges);
    }
    v.phases = std::move(phases);
  } else {
    for (const auto& p : st.phases) v.phases.push_back({p.label, p.era, std::nullopt, {}});
  }
  timer.next("drop snapshot");
  hold.release();
  timer.stop();
  v.volume_bytes = ctx.volumes().size(st.scratch);
  return v;
}

nlohmann::ordered_json phases_json(const WrittenView& v) {
  auto j = nlohmann::ordered_json::array();
  for (const auto& p : v.phases) {
    nlohmann::ordered_json e = {{"label", p.label}, {"era", p.era}};
    e["blocks"] = p.blocks ? nlohmann::ordered_json(*p.blocks) : nullptr;
    e["bytes"] = p.blocks ? nlohmann::ordered_json(*p.blocks * v.block_size) : nullptr;
    j.push_back(e);
  }
  return j;
}

// The picture's phases: each phase's own blocks when known, else the whole set in one colour.
PictureInput picture_input(const WrittenView& v) {
  PictureInput in{v.source, v.block_size, v.volume_bytes, {}};
  const bool per_phase =
      !v.phases.empty() && std::all_of(v.phases.begin(), v.phases.end(),
                                       [](const PhaseCount& p) { return p.blocks.has_value(); });
  if (per_phase) {
    for (const auto& p : v.phases) in.phases.push_back({p.label, p.ranges});
  } else {
    in.phases.push_back({v.phases.empty() ? "written" : "all phases (kept as one set)", v.ranges});
  }
  return in;
}

}  // namespace

void cmd_written(Context& ctx, const WrittenOptions& opts) {
  WrittenView v;
  if (opts.metadata) {
    v = from_metadata(opts);
  } else {
    const State st = ctx.load_initialized();
    v = (opts.run || !st.is_mounted) ? from_run(ctx, st, opts) : from_live(ctx, st, opts);
  }
  const auto summary = summarize_written(v.ranges, v.block_size, v.volume_blocks, v.volume_bytes);
  auto& fields = ctx.report().fields;
  fields["source"] = v.source;
  const auto summary_json = summary_to_json(summary);
  for (const auto& [key, value] : summary_json.items()) fields[key] = value;
  fields["phases"] = phases_json(v);
  if (opts.picture) {
    const auto layout = write_written_picture(picture_input(v), *opts.picture);
    fields["picture"] = {
        {"path", *opts.picture}, {"width", layout.width}, {"height", layout.height}};
  }
  auto& out = ctx.out();
  if (opts.ranges) {
    ctx.report().print_steps = false;  // stdout is the list `schelk copy --blocks` reads
    for (const auto& r : v.ranges) out << r.begin << " " << r.end << "\n";
    return;
  }
  if (opts.json) return;
  out << "Source: " << v.source << "\n" << summary_to_text(summary);
  for (const auto& p : v.phases) {
    out << "Phase " << p.label << " (from era " << p.era << ")";
    if (p.blocks) out << ": " << *p.blocks << " blocks last written in it";
    out << "\n";
  }
  if (opts.picture) out << "Picture: " << *opts.picture << "\n";
}

}  // namespace schelk
