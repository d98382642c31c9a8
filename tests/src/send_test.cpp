// schelk send against the fakes: --full carries every byte of virgin, --from-generation G the
// union of the promotes' written sets since G, read back with the stream reader and compared with
// virgin's bytes; refused without a baseline id, with a generation the history no longer keeps,
// a changed virgin superblock or a pending operation; -o FILE appears only when complete.
#include "src/workflow/send.hpp"

#include <catch2/catch.hpp>
#include <filesystem>

#include "src/history/run_history.hpp"
#include "src/stream/stream_reader.hpp"
#include "src/workflow/receive.hpp"
#include "tests/support/stream_rigs.hpp"
#include "tests/support/workflow_fakes.hpp"

using namespace schelk;
using test::promote_blocks;
using test::Rig;

namespace {

class FileSource final : public stream::ByteSource {
 public:
  explicit FileSource(const std::string& path) : in_(path, std::ios::binary) {}
  size_t read(void* p, size_t n) override {
    in_.read(static_cast<char*>(p), static_cast<std::streamsize>(n));
    return static_cast<size_t>(in_.gcount());
  }

 private:
  std::ifstream in_;
};

struct Received {
  stream::StreamHeader header;
  std::vector<std::pair<uint64_t, std::string>> extents;
};

Received read_stream(const std::string& path) {
  FileSource src(path);
  stream::StreamReader r(src);
  Received out{r.header(), {}};
  while (auto e = r.next()) {
    out.extents.push_back(
        {e->offset, std::string(reinterpret_cast<const char*>(e->data.data()), e->data.size())});
  }
  return out;
}

ReceiveOptions receiving(const std::string& path, bool dry_run) {
  return {.input = {path}, .dry_run = dry_run, .verify = false, .finish = false, .init = {}};
}

}  // namespace

TEST_CASE("send --full: every byte of virgin, with the baseline's id and generation") {
  Rig rig;
  rig.init_unmounted();
  auto ctx = rig.context();
  const auto st = *load_state(rig.options().state_path);
  const std::string out = (rig.dir / "full.schelk").string();
  auto opts = SendOptions{.full = false, .from_generation = {}, .output = {out}};
  opts.full = true;
  auto send = rig.context();
  cmd_send(send, opts);
  const auto got = read_stream(out);
  CHECK(got.header.full);
  CHECK(baseline_id_text(got.header.baseline_id) == *st.baseline_id);
  CHECK(got.header.to_generation == 0);
  CHECK(got.header.volume_bytes == Rig::kSize);
  CHECK(got.header.block_size == 4096);
  std::string joined;
  for (const auto& [offset, data] : got.extents) {
    CHECK(offset == joined.size());
    joined += data;
  }
  CHECK(joined == test::slurp(rig.virgin));
  CHECK(send.report().fields["data_bytes"] == Rig::kSize);
  CHECK(send.report().fields["blocks_carried"] == "all");  // the rig's volumes hold no ext4
  CHECK_FALSE(std::filesystem::exists(out + ".partial"));
}

TEST_CASE("send --from-generation: the union of the promotes since, from virgin") {
  Rig rig;
  rig.init_unmounted();
  auto ctx = rig.context();
  promote_blocks(rig, {{2, 4}}, 'a');            // generation 1
  promote_blocks(rig, {{3, 6}, {10, 11}}, 'b');  // generation 2
  promote_blocks(rig, {{20, 21}}, 'c');          // generation 3
  REQUIRE(load_state(rig.options().state_path)->generation == 3);
  const std::string virgin = test::slurp(rig.virgin);

  const std::string out = (rig.dir / "delta.schelk").string();
  auto opts = SendOptions{.full = false, .from_generation = {}, .output = {out}};
  opts.from_generation = 1;
  auto send = rig.context();
  cmd_send(send, opts);
  const auto got = read_stream(out);
  CHECK_FALSE(got.header.full);
  CHECK(got.header.from_generation == 1);
  CHECK(got.header.to_generation == 3);
  // Generations 2 and 3: blocks 3-5, 10 and 20, with virgin's bytes now.
  REQUIRE(got.extents.size() == 3);
  const std::vector<std::pair<uint64_t, uint64_t>> want = {{3, 6}, {10, 11}, {20, 21}};
  for (size_t i = 0; i < want.size(); ++i) {
    CHECK(got.extents[i].first == want[i].first * 4096);
    CHECK(got.extents[i].second ==
          virgin.substr(want[i].first * 4096, (want[i].second - want[i].first) * 4096));
  }
  CHECK(got.extents[0].second.substr(0, 4096) == std::string(4096, 'b'));

  // Nothing changed since the current generation: an empty delta.
  opts.from_generation = 3;
  auto same = rig.context();
  cmd_send(same, opts);
  CHECK(read_stream(out).extents.empty());

  // The history lost generation 2: refused, naming it.
  const auto dir = history_dir_for(rig.options().state_path);
  for (const auto& run : list_runs(dir)) {
    if (run.report.value("generation", 0) == 2) {
      std::filesystem::remove(dir / (run.id + ".json"));
    }
  }
  opts.from_generation = 0;
  auto lost = rig.context();
  CHECK_THROWS_WITH(cmd_send(lost, opts), Catch::Contains("generation 2; send --full instead"));
  opts.from_generation = 4;
  CHECK_THROWS_WITH(cmd_send(lost, opts), Catch::Contains("newer than this baseline's generation"));
}

TEST_CASE("send refuses: bad options, a changed virgin, a pending operation, no id") {
  Rig rig;
  rig.init_unmounted();
  auto ctx = rig.context();
  const std::string out = (rig.dir / "s.schelk").string();
  SendOptions both = SendOptions{.full = false, .from_generation = {}, .output = {out}};
  both.full = true;
  both.from_generation = 0;
  CHECK_THROWS_WITH(cmd_send(ctx, both), Catch::Contains("one of --full and --from-generation"));
  SendOptions json;
  json.full = true;
  json.json = true;
  CHECK_THROWS_WITH(cmd_send(ctx, json), Catch::Contains("--json needs -o FILE"));

  SendOptions full = SendOptions{.full = false, .from_generation = {}, .output = {out}};
  full.full = true;
  {
    std::fstream f(rig.virgin, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(100);
    f.put('!');  // the superblock region (the first 4 KiB) changed outside schelk
  }
  CHECK_THROWS_WITH(cmd_send(ctx, full), Catch::Contains("written outside schelk"));
  {
    std::fstream f(rig.virgin, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(100);
    f.put(test::slurp(rig.scratch)[100]);
  }

  Journal pending;
  pending.operation = "promote";
  pending.dm_era_name = "bench_era";
  pending.granularity = 4096;
  pending.nr_blocks = Rig::kSize / 4096;
  pending.ranges = {{1, 2}};
  save_journal(rig.options().state_path, pending);
  CHECK_THROWS_WITH(cmd_send(ctx, full), Catch::Contains("virgin may be half updated"));
  remove_journal(rig.options().state_path);

  auto st = *load_state(rig.options().state_path);
  st.baseline_id.reset();
  save_state(rig.options().state_path, st);
  CHECK_THROWS_WITH(cmd_send(ctx, full), Catch::Contains("no id yet"));
  CHECK_FALSE(std::filesystem::exists(out));
  CHECK_FALSE(std::filesystem::exists(out + ".partial"));
}

TEST_CASE("receive --dry-run: intact streams, and whether they apply to this pair") {
  Rig rig;
  rig.init_unmounted();
  promote_blocks(rig, {{2, 4}}, 'a');  // generation 1
  const std::string delta = (rig.dir / "delta.schelk").string();
  auto send = rig.context();
  cmd_send(send, SendOptions{.full = false, .from_generation = 1, .output = {delta}});

  auto check = rig.context();
  cmd_receive(check, receiving(delta, true));
  CHECK(check.report().fields["applies"] == true);
  CHECK(check.report().fields["to_generation"] == 1);
  CHECK(rig.out.str().find("It applies to this host.") != std::string::npos);

  // A stream from generation 0 to 1 is already applied to a pair at generation 1.
  auto old = rig.context();
  cmd_send(old, SendOptions{.full = false, .from_generation = 0, .output = {delta}});
  auto stale = rig.context();
  cmd_receive(stale, receiving(delta, true));
  CHECK(stale.report().fields["applies"] == false);
  CHECK(stale.report().fields["already_applied"] == true);
  CHECK(stale.report().fields["why_not"].get<std::string>().find("already holds generation 1") !=
        std::string::npos);

  // A cut stream is an error naming the byte; without --dry-run nothing is written.
  std::filesystem::resize_file(delta, std::filesystem::file_size(delta) - 1);
  auto cut = rig.context();
  CHECK_THROWS_WITH(cmd_receive(cut, receiving(delta, true)), Catch::Contains("stream byte"));
  const std::string virgin = test::slurp(rig.virgin);
  // Applying it: the pair already holds its generation, so nothing is read or written.
  cmd_receive(cut, receiving(delta, false));
  CHECK(cut.report().outcome == "nothing_to_do");
  CHECK(test::slurp(rig.virgin) == virgin);
}
