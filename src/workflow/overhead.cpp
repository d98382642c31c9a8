#include "src/workflow/overhead.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "base/format.hpp"
#include "base/posix_io.hpp"
#include "base/scope_exit.hpp"
#include "src/state/journal.hpp"
#include "src/volume/tools.hpp"
#include "src/workflow/full_if_needed.hpp"
#include "src/workflow/ramdisk_check.hpp"
#include "src/workflow/untracked_writes.hpp"
#include "src/workflow/workflow.hpp"

namespace schelk {
namespace {

double number_at(const nlohmann::json& j, const char* key, const char* where) {
  if (!j.contains(key) || !j[key].is_number()) {
    throw std::runtime_error(std::string("fio's JSON has no number '") + key + "' in " + where +
                             "; is this fio 3.x?");
  }
  return j[key].get<double>();
}

double percentile_us(const nlohmann::json& clat, const char* key) {
  if (!clat.contains("percentile") || !clat["percentile"].contains(key)) {
    throw std::runtime_error(std::string("fio's JSON has no completion latency percentile ") + key +
                             "; is this fio 3.x?");
  }
  return clat["percentile"][key].get<double>() / 1000.0;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n == 0 ? 0 : n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// The median of each number over the repeats: one slow run does not decide the ratio.
FioResult median_of(const std::vector<FioResult>& runs) {
  auto pick = [&](double FioResult::*field) {
    std::vector<double> v;
    for (const auto& r : runs) v.push_back(r.*field);
    return median(v);
  };
  return {pick(&FioResult::iops),        pick(&FioResult::bytes_per_second),
          pick(&FioResult::lat_mean_us), pick(&FioResult::lat_p50_us),
          pick(&FioResult::lat_p99_us),  pick(&FioResult::lat_p999_us)};
}

nlohmann::ordered_json result_json(const FioResult& r) {
  return {{"iops", r.iops},
          {"bytes_per_second", r.bytes_per_second},
          {"lat_mean_us", r.lat_mean_us},
          {"lat_p50_us", r.lat_p50_us},
          {"lat_p99_us", r.lat_p99_us},
          {"lat_p999_us", r.lat_p999_us}};
}

double ratio(double a, double b) { return b > 0 ? a / b : 0; }

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string result_row(const std::string& name, const FioResult& r) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "  %-10s %10.0f %14s %10.1f %10.1f %10.1f %10.1f\n", name.c_str(),
                r.iops, base::format_rate(static_cast<uint64_t>(r.bytes_per_second), 1.0).c_str(),
                r.lat_mean_us, r.lat_p50_us, r.lat_p99_us, r.lat_p999_us);
  return buf;
}

std::vector<std::string> fio_args(const OverheadOptions& o, const std::string& device,
                                  uint64_t region) {
  return {"--name=schelk-overhead",
          "--filename=" + device,
          "--direct=1",
          "--ioengine=libaio",
          "--rw=" + o.rw,
          "--bs=" + std::to_string(o.bs),
          "--iodepth=" + std::to_string(o.iodepth),
          "--offset=0",
          "--size=" + std::to_string(region),
          "--runtime=" + fixed(o.runtime, 3),
          "--time_based",
          "--randrepeat=0",
          "--group_reporting"};
}

void check_options(const OverheadOptions& o, uint64_t scratch_size, uint64_t region) {
  if (o.rw != "randwrite" && o.rw != "write") {
    throw std::invalid_argument("--rw " + o.rw + ": use randwrite or write");
  }
  if (o.bs == 0 || o.bs % 512 != 0 || o.bs > (uint64_t{64} << 20)) {
    throw std::invalid_argument("--bs " + std::to_string(o.bs) +
                                ": use a multiple of 512 bytes up to 64 MiB (fio writes O_DIRECT)");
  }
  if (o.iodepth == 0 || o.iodepth > 4096) {
    throw std::invalid_argument("--iodepth " + std::to_string(o.iodepth) + ": use 1 to 4096");
  }
  if (!(o.runtime >= 0.1 && o.runtime <= 3600)) {
    throw std::invalid_argument("--runtime " + fixed(o.runtime, 3) + ": use 0.1 to 3600 seconds");
  }
  if (o.repeats == 0 || o.repeats > 20) {
    throw std::invalid_argument("--repeats " + std::to_string(o.repeats) + ": use 1 to 20");
  }
  if (region < o.bs || region % o.bs != 0 || region > scratch_size) {
    throw std::invalid_argument("--size " + std::to_string(region) + ": use a multiple of --bs (" +
                                std::to_string(o.bs) + ") up to the scratch size (" +
                                std::to_string(scratch_size) + " bytes)");
  }
}

}  // namespace

FioResult parse_fio_json(const std::string& text) {
  const auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.contains("jobs") || !j["jobs"].is_array() || j["jobs"].empty()) {
    throw std::runtime_error("fio printed no JSON job results");
  }
  const auto& job = j["jobs"][0];
  if (!job.contains("write") || !job["write"].is_object()) {
    throw std::runtime_error("fio's JSON has no write results");
  }
  const auto& w = job["write"];
  if (!w.contains("clat_ns") || !w["clat_ns"].is_object()) {
    throw std::runtime_error("fio's JSON has no completion latencies (clat_ns); is this fio 3.x?");
  }
  const auto& clat = w["clat_ns"];
  return {number_at(w, "iops", "write"),
          number_at(w, "bw_bytes", "write"),
          number_at(clat, "mean", "write.clat_ns") / 1000.0,
          percentile_us(clat, "50.000000"),
          percentile_us(clat, "99.000000"),
          percentile_us(clat, "99.900000")};
}

std::optional<std::string> HostFioRunner::find() { return find_in_path("fio"); }

std::string HostFioRunner::run(const std::vector<std::string>& args) {
  const auto out = std::filesystem::temp_directory_path() /
                   ("schelk-fio-" + std::to_string(::getpid()) + ".json");
  base::ScopeExit remove([&]() noexcept {
    std::error_code ec;
    std::filesystem::remove(out, ec);
  });
  std::vector<std::string> argv{"fio"};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.push_back("--output-format=json");
  argv.push_back("--output=" + out.string());
  run_program(argv, "fio");
  auto text = base::read_text_file(out);
  if (!text) throw std::runtime_error("fio wrote no output to " + out.string());
  return *text;
}

void run_overhead(Context& ctx, const OverheadOptions& opts, FioRunner& fio) {
  ctx.require_root();
  auto lock = ctx.lock();
  const State st = ctx.load_initialized();
  if (st.is_mounted) {
    throw std::runtime_error(
        "overhead runs on an unmounted pair (it writes scratch through its own devices): run "
        "'schelk recover' first.");
  }
  if (load_journal(ctx.options().state_path)) {
    throw std::runtime_error(
        "An interrupted recover or promote is pending; finish it first (see 'schelk status').");
  }
  refuse_if_receive_pending(ctx);
  if (!fio.find()) {
    throw std::runtime_error(
        "fio is not installed; schelk overhead measures with it: apt-get install fio");
  }
  auto& volumes = ctx.volumes();
  const uint64_t scratch_size = volumes.size(st.scratch);
  const uint64_t region = opts.size.value_or(std::min<uint64_t>(
      uint64_t{1} << 30, scratch_size / 4 / std::max<uint64_t>(opts.bs, 1) * opts.bs));
  // (--bs 0 is refused by check_options, not divided by.)
  check_options(opts, scratch_size, region);
  reject_volume_aliases(ctx.system(), st.virgin, st.scratch);
  check_ramdisk(ctx.system(), {st.ramdisk, st.virgin, st.scratch, st.allow_any_ramdisk,
                               "correct 'ramdisk' in " + ctx.options().state_path.string()});
  const std::string linear = st.dm_era_name + "_overhead_linear";
  const std::string era = st.dm_era_name + "_overhead_era";
  auto& dm = ctx.dm();
  for (const auto& name : {linear, era}) {
    if (dm.exists(name)) {
      throw std::runtime_error("dm device '" + name +
                               "' exists (left by an interrupted 'schelk overhead'?); remove it "
                               "with: dmsetup remove " +
                               name);
    }
  }
  const bool was_clean = scratch_known_clean(ctx, st);
  auto& out = ctx.out();
  ctx.confirm("This writes to the first " + base::format_bytes(region) + " of scratch (" +
              st.scratch + ") with fio, then copies that region back from virgin (" + st.virgin +
              "). Continue?");

  // From here on scratch's region is written: copy it back whatever happens.
  std::vector<FioResult> linear_runs, era_runs;
  bool copied_back = false;
  auto copy_back = [&] {
    StepTimer timer(ctx.report(), "copy back");
    const auto r = ctx.copier().copy({st.virgin, st.scratch, {{0, region}}, true, true});
    ctx.report().add_copy(r.bytes, (r.bytes + st.granularity - 1) / st.granularity, st.granularity);
    if (r.verify_mismatches && *r.verify_mismatches > 0) {
      throw std::runtime_error(
          "the region copied back from virgin differs from virgin; run "
          "'schelk full-recover'");
    }
    copied_back = true;
  };
  const uint64_t sectors = scratch_size / 512;
  // One fio run on a device made for it, removed again whatever happens.
  auto measure = [&](const std::string& name) {
    try {
      auto r = parse_fio_json(fio.run(fio_args(opts, dm.device_path(name), region)));
      dm.remove(name);
      return r;
    } catch (...) {
      try {
        dm.remove(name);
      } catch (const std::exception& e) {
        ctx.err() << "Error: cannot remove dm device '" << name << "': " << e.what()
                  << "; remove it with: dmsetup remove " << name << "\n";
      }
      throw;
    }
  };
  try {
    for (uint64_t i = 0; i < opts.repeats; ++i) {
      out << "Run " << i + 1 << "/" << opts.repeats << ": fio through dm-linear..." << std::endl;
      StepTimer timer(ctx.report(), "fio linear");
      dm.create_linear(linear, st.scratch, sectors);
      linear_runs.push_back(measure(linear));
      out << "Run " << i + 1 << "/" << opts.repeats << ": fio through dm-era..." << std::endl;
      timer.next("fio era");
      volumes.clear_era_superblock(st.ramdisk);
      dm.create_era(era, st.ramdisk, st.scratch, sectors, st.granularity / 512);
      era_runs.push_back(measure(era));
    }
  } catch (...) {
    if (!copied_back) {
      try {
        copy_back();
      } catch (const std::exception& e) {
        ctx.err() << "Error: copying the region back failed: " << e.what()
                  << "; run 'schelk full-recover'\n";
      }
    }
    throw;
  }
  copy_back();
  if (was_clean) record_scratch_untouched(ctx, st);

  const FioResult l = median_of(linear_runs);
  const FioResult e = median_of(era_runs);
  const double bw_ratio = ratio(e.bytes_per_second, l.bytes_per_second);
  const double p99_ratio = ratio(e.lat_p99_us, l.lat_p99_us);
  auto& f = ctx.report().fields;
  f["workload"] = {{"rw", opts.rw},           {"bs", opts.bs},
                   {"iodepth", opts.iodepth}, {"runtime_s", opts.runtime},
                   {"region_bytes", region},  {"repeats", opts.repeats},
                   {"ioengine", "libaio"}};
  f["linear"] = result_json(l);
  f["era"] = result_json(e);
  f["ratio"] = {{"throughput", bw_ratio},
                {"lat_mean", ratio(e.lat_mean_us, l.lat_mean_us)},
                {"lat_p99", p99_ratio},
                {"lat_p999", ratio(e.lat_p999_us, l.lat_p999_us)}};
  f["pair_clean"] = was_clean;

  out << "Workload: fio " << opts.rw << ", " << base::format_bytes(opts.bs)
      << " blocks, queue depth " << opts.iodepth << ", " << fixed(opts.runtime, 1) << " s per run, "
      << opts.repeats << " run(s) per target (medians), over the first "
      << base::format_bytes(region) << " of scratch\n";
  out << "  target           IOPS     throughput    mean us     p50 us     p99 us   p99.9 us\n";
  out << result_row("dm-linear", l) << result_row("dm-era", e);
  out << "dm-era / dm-linear: throughput " << fixed(bw_ratio, 3) << ", p99 latency "
      << fixed(p99_ratio, 3) << "\n";
  out << "Copied the region back from virgin"
      << (was_clean ? "; the pair is clean." : " (scratch was not known clean before: unchanged).")
      << "\n";
}

void cmd_overhead(Context& ctx, const OverheadOptions& opts) {
  HostFioRunner fio;
  run_overhead(ctx, opts, fio);
}

}  // namespace schelk
