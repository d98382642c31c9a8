// overhead: what dm-era tracking costs a write workload on this host. The same fio job runs on
// scratch through a plain linear target and through dm-era (metadata on the ramdisk, as mount
// makes it), alternately, confined to a region at the start of scratch; then that region is
// copied back from virgin so the pair stays clean. fio runs behind FioRunner so the flow is
// tested without root or fio.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "src/workflow/context.hpp"

namespace schelk {

struct OverheadOptions {
  std::optional<uint64_t> size;  // the region, bytes (default: 1 GiB or a quarter of scratch)
  double runtime = 10;           // seconds per fio run
  std::string rw = "randwrite";  // fio's --rw: randwrite or write
  uint64_t bs = 4096;
  uint64_t iodepth = 32;
  uint64_t repeats = 2;  // runs per target, alternating linear and era
};

// One fio run's write side.
struct FioResult {
  double iops = 0;
  double bytes_per_second = 0;
  double lat_mean_us = 0;  // completion latency
  double lat_p50_us = 0;
  double lat_p99_us = 0;
  double lat_p999_us = 0;
};

// Parses `fio --output-format=json` (the first job's "write" part). Throws std::runtime_error
// naming what is missing.
FioResult parse_fio_json(const std::string& text);

class FioRunner {
 public:
  virtual ~FioRunner() = default;
  // fio's path, or nullopt when it is not installed.
  virtual std::optional<std::string> find() = 0;
  // Runs fio with `args` (no --output options) and returns its JSON output. Throws on failure.
  virtual std::string run(const std::vector<std::string>& args) = 0;
};

// The fio from $PATH, its JSON written to a temporary file.
class HostFioRunner final : public FioRunner {
 public:
  std::optional<std::string> find() override;
  std::string run(const std::vector<std::string>& args) override;
};

void run_overhead(Context& ctx, const OverheadOptions& opts, FioRunner& fio);
void cmd_overhead(Context& ctx, const OverheadOptions& opts);

}  // namespace schelk
