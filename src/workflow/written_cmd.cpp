// written: what a run wrote, from the live era device while mounted (through a held metadata
// snapshot, while the benchmark keeps running), a past run of the history, or metadata given by
// path; as a summary, block ranges for `schelk copy --blocks`, or JSON. --files adds which files
// and which filesystem metadata those blocks belong to (src/forensics/).
#include <algorithm>
#include <iostream>
#include <stdexcept>

#include "src/dm/metadata_snapshot.hpp"
#include "src/forensics/ext4_attribution.hpp"
#include "src/forensics/fiemap_attribution.hpp"
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
  std::optional<FileAttribution> files;  // --files
};

// The run history keeps this many files of a --map-files run (most bytes first) and the count
// and bytes of the rest: a bounded record whatever the benchmark wrote.
constexpr size_t kMappedFilesKept = 1000;

constexpr const char* kNotExt = "not an ext2/3/4 filesystem: ";

// An unmounted filesystem: all from libext2fs. Another filesystem: all unattributed, a note.
FileAttribution attribute_unmounted(const std::string& device, const WrittenView& v) {
  try {
    return attribute_ext4(device, v.ranges, v.block_size, v.volume_bytes);
  } catch (const NotExt4Error&) {
    FileAttribution a;
    a.source = "none";
    a.metadata = empty_metadata();
    a.written_bytes =
        summarize_written(v.ranges, v.block_size, v.volume_blocks, v.volume_bytes).bytes;
    a.notes.push_back(
        kNotExt + device +
        " has no ext2/3/4 superblock; files are only mapped "
        "(through FIEMAP) while it is mounted, so every written byte is unattributed");
    finish_attribution(a);
    return a;
  }
}

// The mounted filesystem: files from the kernel's view (FIEMAP over the tree), because its
// newest inode and extent changes may be only in the journal, which libext2fs does not replay.
// The static kinds (superblock and descriptor copies, bitmaps, inode tables, journal) never
// move while mounted, so libext2fs reads their places from the era device itself: a buffered
// read of the device the filesystem is mounted on shares its page cache.
FileAttribution attribute_mounted(const std::string& era_device, const std::string& mount_point,
                                  const WrittenView& v) {
  FileAttribution a;
  try {
    a = attribute_ext4(era_device, v.ranges, v.block_size, v.volume_bytes,
                       Ext4Scope::kStaticMetadata);
    a.source = "fiemap+libext2fs";
    a.notes.push_back(
        "while mounted, extent tree blocks are not mapped (FIEMAP does not report them): they "
        "count as unattributed");
  } catch (const NotExt4Error&) {
    a = FileAttribution{};
    a.source = "fiemap";
    a.metadata = empty_metadata();
    a.notes.push_back(kNotExt +
                      std::string("files through FIEMAP only; its metadata is unattributed"));
  }
  MountedTree tree(mount_point);
  attribute_extents(tree, v.ranges, v.block_size, v.volume_bytes, a);
  return a;
}

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
  if (opts.files) v.files = attribute_unmounted(*opts.device, v);
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
  if (opts.files) {
    const auto map = load_run_files(dir, run->id);
    if (!map) {
      throw std::runtime_error("Run " + run->id +
                               " recorded no file map; 'schelk recover --map-files' (or restore "
                               "--map-files) records one, the run's data is gone after its copy.");
    }
    v.files = attribution_from_json(*map);
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
  if (opts.files) {
    StepTimer map(ctx.report(), "map files");
    v.files = attribute_mounted(dm.device_path(st.dm_era_name), st.mount_point, v);
  }
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

void map_run_files(Context& ctx, const State& st, const Journal& journal) {
  if (ctx.report().fields.value("resumed", false)) {
    // The interrupted copy may have overwritten part of scratch already.
    ctx.err() << "Warning: --map-files: this run resumes an interrupted copy, scratch may be "
                 "partly copied back already; no file map is recorded.\n";
    return;
  }
  StepTimer timer(ctx.report(), "map files");
  try {
    WrittenView v;
    v.ranges = journal.ranges;
    v.block_size = journal.granularity;
    v.volume_bytes = ctx.volumes().size(st.scratch);
    v.volume_blocks = (v.volume_bytes + v.block_size - 1) / v.block_size;
    auto a = attribute_unmounted(st.scratch, v);
    keep_top_files(a, kMappedFilesKept);
    ctx.report().files_map = attribution_to_json(a);
  } catch (const std::exception& e) {
    // The copy back matters more than the map: say why there is none and go on.
    ctx.err() << "Warning: --map-files: no file map recorded: " << e.what() << "\n";
  }
}

void cmd_written(Context& ctx, const WrittenOptions& opts) {
  if (opts.files && opts.ranges) {
    throw std::runtime_error("--files and --ranges print different things: give one of them.");
  }
  if (opts.device && !(opts.files && opts.metadata)) {
    throw std::runtime_error(
        "--device names the filesystem for --metadata PATH --files; give it with both.");
  }
  if (opts.files && opts.metadata && !opts.device) {
    throw std::runtime_error(
        "--files with --metadata needs --device PATH: the unmounted filesystem (image or "
        "device) the metadata tracked, to read its files from.");
  }
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
  if (v.files) {
    const auto j = attribution_to_json(*v.files);
    fields["files_source"] = j["source"];
    for (const char* key : {"files", "files_omitted", "metadata", "unattributed_bytes"}) {
      fields[key] = j[key];
    }
    fields["files_notes"] = j["notes"];
  }
  if (opts.json) return;
  out << "Source: " << v.source << "\n" << summary_to_text(summary);
  for (const auto& p : v.phases) {
    out << "Phase " << p.label << " (from era " << p.era << ")";
    if (p.blocks) out << ": " << *p.blocks << " blocks last written in it";
    out << "\n";
  }
  if (opts.picture) out << "Picture: " << *opts.picture << "\n";
  if (v.files) out << attribution_to_text(*v.files);
}

}  // namespace schelk
