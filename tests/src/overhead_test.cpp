// schelk overhead against the fakes: fio runs alternately through a linear and an era device over
// scratch, each removed after its run; the region fio wrote is copied back from virgin (scratch
// byte-equal to virgin after, also when fio fails); refused before anything is made when fio is
// missing, the pair is mounted or an option is out of range. The JSON parser is checked on the
// output of the real fio.
#include "src/workflow/overhead.hpp"

#include <catch2/catch.hpp>
#include <cstdlib>

#include "tests/support/temp_path.hpp"
#include "tests/support/workflow_fakes.hpp"

using namespace schelk;
using test::Rig;

namespace {

std::string fio_json(double iops, double bw, double p50_ns, double p99_ns) {
  return R"({"fio version": "fio-3.33", "jobs": [{"jobname": "x", "write": {"iops": )" +
         std::to_string(iops) + R"(, "bw_bytes": )" + std::to_string(bw) +
         R"(, "clat_ns": {"mean": )" + std::to_string(p50_ns) +
         R"(, "percentile": {"50.000000": )" + std::to_string(p50_ns) + R"(, "99.000000": )" +
         std::to_string(p99_ns) + R"(, "99.900000": )" + std::to_string(p99_ns * 2) + "}}}}]}";
}

// Writes junk over the region of the file the device stands for, like fio would.
class FakeFio final : public FioRunner {
 public:
  FakeFio(std::string scratch, std::vector<std::string>& events)
      : scratch_(std::move(scratch)), events_(events) {}
  bool installed = true;
  std::string fail_on;  // a device name whose run throws
  std::vector<std::vector<std::string>> runs;

  std::optional<std::string> find() override {
    return installed ? std::optional<std::string>("/usr/bin/fio") : std::nullopt;
  }
  std::string run(const std::vector<std::string>& args) override {
    runs.push_back(args);
    std::string device;
    uint64_t size = 0;
    for (const auto& a : args) {
      if (a.starts_with("--filename=")) device = a.substr(11);
      if (a.starts_with("--size=")) size = std::stoull(a.substr(7));
    }
    events_.push_back("fio " + device);
    std::fstream f(scratch_, std::ios::in | std::ios::out | std::ios::binary);
    f.write(std::string(size, 'X').data(), static_cast<std::streamsize>(size));
    f.close();
    if (!fail_on.empty() && device.ends_with(fail_on)) throw std::runtime_error("fio failed: boom");
    const bool era = device.ends_with("_era");
    return era ? fio_json(900, 9e8, 40000, 90000) : fio_json(1000, 1e9, 36000, 60000);
  }

 private:
  std::string scratch_;
  std::vector<std::string>& events_;
};

OverheadOptions small() {
  OverheadOptions o;
  o.size = 16 * 4096;
  o.runtime = 1;
  return o;
}

}  // namespace

TEST_CASE("overhead: linear and era alternately, the region copied back, the ratios") {
  Rig rig;
  rig.init_unmounted();
  auto ctx = rig.context();
  FakeFio fio(rig.scratch, rig.events);
  run_overhead(ctx, small(), fio);

  const std::vector<std::string> creates_and_runs = [&] {
    std::vector<std::string> v;
    for (const auto& e : rig.events) {
      if (e.starts_with("create") || e.starts_with("remove") || e.starts_with("fio") ||
          e.starts_with("copy")) {
        v.push_back(e.substr(0, e.find(" 0 ")));
      }
    }
    return v;
  }();
  CHECK(creates_and_runs ==
        std::vector<std::string>{
            "create bench_era_overhead_linear", "fio /dev/mapper/bench_era_overhead_linear",
            "remove bench_era_overhead_linear", "create bench_era_overhead_era",
            "fio /dev/mapper/bench_era_overhead_era", "remove bench_era_overhead_era",
            "create bench_era_overhead_linear", "fio /dev/mapper/bench_era_overhead_linear",
            "remove bench_era_overhead_linear", "create bench_era_overhead_era",
            "fio /dev/mapper/bench_era_overhead_era", "remove bench_era_overhead_era",
            "copy " + rig.virgin + " -> " + rig.scratch});
  CHECK(test::slurp(rig.scratch) == test::slurp(rig.virgin));
  CHECK_FALSE(rig.dm.device);
  CHECK_FALSE(rig.dm.linear);
  // fio stays inside the region and writes O_DIRECT.
  for (const auto& args : fio.runs) {
    CHECK(std::find(args.begin(), args.end(), "--size=65536") != args.end());
    CHECK(std::find(args.begin(), args.end(), "--direct=1") != args.end());
  }
  const auto& f = ctx.report().fields;
  CHECK(f["ratio"]["throughput"].get<double>() == Approx(0.9));
  CHECK(f["ratio"]["lat_p99"].get<double>() == Approx(1.5));
  CHECK(f["linear"]["iops"].get<double>() == Approx(1000));
  CHECK(f["era"]["lat_p50_us"].get<double>() == Approx(40));
  CHECK(f["workload"]["region_bytes"] == 65536);
  CHECK(rig.out.str().find("dm-era / dm-linear: throughput 0.900, p99 latency 1.500") !=
        std::string::npos);
}

TEST_CASE("overhead: a failed fio run removes its device and still copies the region back") {
  Rig rig;
  rig.init_unmounted();
  auto ctx = rig.context();
  FakeFio fio(rig.scratch, rig.events);
  fio.fail_on = "_era";
  CHECK_THROWS_WITH(run_overhead(ctx, small(), fio), Catch::Contains("boom"));
  CHECK_FALSE(rig.dm.device);
  CHECK_FALSE(rig.dm.linear);
  CHECK(test::slurp(rig.scratch) == test::slurp(rig.virgin));
}

TEST_CASE("overhead refuses before making anything") {
  Rig rig;
  rig.init_unmounted();
  auto ctx = rig.context();
  FakeFio fio(rig.scratch, rig.events);
  rig.events.clear();

  fio.installed = false;
  CHECK_THROWS_WITH(run_overhead(ctx, small(), fio), Catch::Contains("apt-get install fio"));
  fio.installed = true;

  auto bad = small();
  bad.rw = "randread";
  CHECK_THROWS_WITH(run_overhead(ctx, bad, fio), Catch::Contains("--rw randread"));
  bad = small();
  bad.size = 4096 * 3 + 1;
  CHECK_THROWS_WITH(run_overhead(ctx, bad, fio), Catch::Contains("--size"));
  bad = small();
  bad.size = Rig::kSize * 2;
  CHECK_THROWS_WITH(run_overhead(ctx, bad, fio), Catch::Contains("up to the scratch size"));
  bad = OverheadOptions{};
  bad.bs = 0;  // with the default region, computed from --bs
  CHECK_THROWS_WITH(run_overhead(ctx, bad, fio), Catch::Contains("--bs 0"));
  bad = small();
  bad.runtime = 0;
  CHECK_THROWS_WITH(run_overhead(ctx, bad, fio), Catch::Contains("--runtime"));
  CHECK(fio.runs.empty());
  for (const auto& e : rig.events) CHECK_FALSE(e.starts_with("create"));

  cmd_mount(ctx);
  CHECK_THROWS_WITH(run_overhead(ctx, small(), fio), Catch::Contains("'schelk recover' first"));
  CHECK(fio.runs.empty());
}

TEST_CASE("parse_fio_json reads the real fio's JSON, refuses what is not fio's") {
  test::TempDir dir;
  const auto file = (dir.path() / "f").string();
  const auto out = (dir.path() / "o.json").string();
  const std::string cmd = "fio --name=t --filename=" + file +
                          " --size=1m --rw=randwrite --bs=4k --ioengine=psync --output-format=json "
                          "--output=" +
                          out + " >/dev/null 2>&1";
  REQUIRE(std::system(cmd.c_str()) == 0);  // fio is a test prerequisite (install-deps.sh)
  const FioResult r = parse_fio_json(test::slurp(out));
  CHECK(r.iops > 0);
  CHECK(r.bytes_per_second > 0);
  CHECK(r.lat_p50_us > 0);
  CHECK(r.lat_p99_us >= r.lat_p50_us);
  CHECK(r.lat_p999_us >= r.lat_p99_us);

  CHECK_THROWS_WITH(parse_fio_json("not json"), Catch::Contains("no JSON job results"));
  CHECK_THROWS_WITH(parse_fio_json(R"({"jobs": [{"read": {}}]})"),
                    Catch::Contains("no write results"));
  CHECK_THROWS_WITH(parse_fio_json(R"({"jobs": [{"write": {"iops": 1, "clat_ns": {}}}]})"),
                    Catch::Contains("bw_bytes"));
}
