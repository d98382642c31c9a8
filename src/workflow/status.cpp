// status (the default command): configuration and state compared with reality. Needs neither
// root nor the lock; --json prints one object for scripts.
#include <iostream>
#include <nlohmann/json.hpp>

#include "base/sha256.hpp"
#include "src/state/journal.hpp"
#include "src/workflow/workflow.hpp"

namespace schelk {
namespace {

struct Reality {
  bool mounted = false;
  std::optional<DmInfo> dm;
  std::optional<EraStatus> era;
  std::optional<bool> discards_off;
  std::optional<Journal> journal;
  std::string journal_error;
};

Reality observe(Context& ctx, const State& st) {
  Reality r;
  r.mounted = ctx.mounter().is_mounted(st.mount_point);
  try {
    r.dm = ctx.dm().info(st.dm_era_name);  // fails as non-root: treated as no device
    if (r.dm) {
      r.era = ctx.dm().status(st.dm_era_name);
      r.discards_off = ctx.system().discards_disabled(*r.dm);
    }
  } catch (const std::exception&) {
  }
  try {
    r.journal = load_journal(ctx.options().state_path);
  } catch (const std::exception& e) {
    r.journal_error = e.what();
  }
  return r;
}

void print_json(Context& ctx, const std::optional<State>& st, const Reality& r) {
  nlohmann::ordered_json j;
  j["state_path"] = ctx.options().state_path.string();
  j["initialized"] = st.has_value();
  if (st) {
    j["virgin"] = st->virgin;
    j["scratch"] = st->scratch;
    j["ramdisk"] = st->ramdisk;
    j["mount_point"] = st->mount_point;
    j["fstype"] = st->fstype;
    j["mount_options"] = st->mount_options ? nlohmann::ordered_json(*st->mount_options) : nullptr;
    j["granularity"] = st->granularity;
    j["dm_era_name"] = st->dm_era_name;
    j["virgin_superblock_hash"] = base::to_hex(st->virgin_superblock_hash);
    j["state_mounted"] = st->is_mounted;
    j["current_era"] = st->current_era ? nlohmann::ordered_json(*st->current_era) : nullptr;
    j["actually_mounted"] = r.mounted;
    j["dm_device_exists"] = r.dm.has_value();
    j["dm_era_current_era"] = r.era ? nlohmann::ordered_json(r.era->current_era) : nullptr;
    j["dm_era_metadata_snapshot"] =
        r.era && r.era->snapshot_block ? nlohmann::ordered_json(*r.era->snapshot_block) : nullptr;
    j["discards_disabled"] = r.discards_off ? nlohmann::ordered_json(*r.discards_off) : nullptr;
    j["consistent"] = st->is_mounted == r.mounted && st->is_mounted == r.dm.has_value();
    j["saved_written_set"] =
        r.journal ? nlohmann::ordered_json{{"operation", r.journal->operation},
                                           {"blocks", count_blocks(r.journal->ranges)}}
                  : nlohmann::ordered_json(nullptr);
  }
  ctx.out() << j.dump() << "\n";
}

}  // namespace

void cmd_status(Context& ctx, bool json) {
  const auto st = load_state(ctx.options().state_path);
  const Reality r = st ? observe(ctx, *st) : Reality{};
  if (json) return print_json(ctx, st, r);
  auto& out = ctx.out();
  if (!st) {
    out << "schelk is not initialized.\n"
        << "Run 'schelk init-new' or 'schelk init-from' to get started (state file: "
        << ctx.options().state_path.string() << ").\n";
    return;
  }
  out << "schelk status\n=============\n\n";
  out << "State file: " << ctx.options().state_path.string() << "\n\n";
  out << "Configuration:\n";
  out << "  Virgin volume:  " << st->virgin << "\n";
  out << "  Scratch volume: " << st->scratch << "\n";
  out << "  RAM disk:       " << st->ramdisk << "\n";
  out << "  Mount point:    " << st->mount_point << "\n";
  out << "  Filesystem:     " << st->fstype << "\n";
  if (st->mount_options) out << "  Mount options:  " << *st->mount_options << "\n";
  out << "  Granularity: " << st->granularity << " bytes\n";
  out << "  dm-era name: " << st->dm_era_name << "\n\n";
  out << "Runtime status:\n";
  out << "  Mounted: " << (st->is_mounted ? "yes" : "no") << " (state)\n";
  if (r.mounted) {
    out << (st->is_mounted ? "  Mounted: yes (actual)\n"
                           : "  Mounted: YES (actual) - state inconsistent!\n");
  } else {
    out << (st->is_mounted ? "  Mounted: NO (actual) - state inconsistent!\n"
                           : "  Mounted: no (actual)\n");
  }
  if (r.dm) {
    out << (st->is_mounted ? "  dm-era device: active\n"
                           : "  dm-era device: EXISTS (state inconsistent, stale device?)\n");
  } else {
    out << (st->is_mounted ? "  dm-era device: MISSING (state inconsistent, possible crash)\n"
                           : "  dm-era device: none\n");
  }
  if (st->is_mounted && st->current_era) out << "  Current era: " << *st->current_era << "\n";
  if (r.era) {
    out << "  dm-era status: era " << r.era->current_era << ", metadata " << r.era->used << "/"
        << r.era->total << " blocks" << (r.era->snapshot_block ? ", metadata snapshot held" : "")
        << "\n";
  }
  if (r.discards_off) {
    out << "  Discards: " << (*r.discards_off ? "off (while tracking)" : "ON - not tracked!")
        << "\n";
  }
  if (r.journal) {
    out << "  Saved written set: " << count_blocks(r.journal->ranges) << " blocks from an "
        << "interrupted " << r.journal->operation << " (run 'schelk " << r.journal->operation
        << "' to finish)\n";
  } else if (!r.journal_error.empty()) {
    out << "  Saved written set: unreadable (" << r.journal_error << ")\n";
  }
  out << "\nVolume checksum:\n";
  out << "  Superblock hash: " << base::to_hex(st->virgin_superblock_hash) << "\n";
}

}  // namespace schelk
