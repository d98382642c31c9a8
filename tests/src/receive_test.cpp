// schelk receive against the fakes (volumes are files): a full stream makes a new pair equal to
// the sender's, incremental streams bring it along generation by generation, byte for byte; every
// kind of damage and mismatch is refused with virgin, scratch and the state as before; a kill at
// each stop point of receive leaves a pending receive that --finish rolls back or finishes.
#include "src/workflow/receive.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>

#include "base/sha256.hpp"
#include "src/state/receive_log.hpp"
#include "src/stream/stream_reader.hpp"
#include "src/stream/stream_writer.hpp"
#include "src/workflow/repair.hpp"
#include "tests/support/stream_rigs.hpp"
#include "tests/support/workflow_fakes.hpp"

using namespace schelk;
using test::FakeScratch;
using test::promote_blocks;
using test::Rig;
using test::send_to;
using test::slurp;

namespace {

ReceiveOptions from_file(const std::string& path) {
  ReceiveOptions o;
  o.input.file = path;
  return o;
}

// A receiving pair whose volumes start as zeros (unlike the sender's pattern).
struct Receiver {
  Rig rig;
  Receiver() {
    for (const auto& p : {rig.virgin, rig.scratch}) {
      std::ofstream(p, std::ios::binary) << std::string(Rig::kSize, '\0');
    }
  }
  ReceiveOptions full_from(const std::string& path) {
    ReceiveOptions o = from_file(path);
    o.init = rig.init_options();
    return o;
  }
  State state() { return *load_state(rig.options().state_path); }
};

// What must not change when a receive is refused.
struct Snapshot {
  std::string virgin, scratch, state;
  explicit Snapshot(Rig& rig)
      : virgin(slurp(rig.virgin)),
        scratch(slurp(rig.scratch)),
        state(slurp(rig.options().state_path.string())) {}
  bool operator==(const Snapshot&) const = default;
};

void flip_byte(const std::string& path, uint64_t at) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(static_cast<std::streamoff>(at));
  const char c = static_cast<char>(f.get());
  f.seekp(static_cast<std::streamoff>(at));
  f.put(static_cast<char>(c ^ 0x20));
}

// A sender at generation 1 and a receiver holding its generation 1 from a full stream.
struct Pair {
  Rig sender;
  Receiver receiver;
  Pair() {
    sender.init_unmounted();
    promote_blocks(sender, {{2, 4}}, 'a');
    const std::string full = (sender.dir / "full.schelk").string();
    send_to(sender, full, std::nullopt);
    auto ctx = receiver.rig.context();
    cmd_receive(ctx, receiver.full_from(full));
  }
  // The sender's next promote, sent from the receiver's generation into `path`.
  std::string next(std::vector<BlockRange> blocks, char fill, const std::string& name) {
    const uint64_t from = load_state(sender.options().state_path)->generation;
    promote_blocks(sender, std::move(blocks), fill);
    const std::string path = (sender.dir / name).string();
    send_to(sender, path, from);
    return path;
  }
};

}  // namespace

TEST_CASE("receive: a full stream makes a new pair, incremental ones follow, byte for byte") {
  Pair p;
  Receiver& b = p.receiver;
  const State a0 = *load_state(p.sender.options().state_path);
  CHECK(slurp(b.rig.virgin) == slurp(p.sender.virgin));
  CHECK(slurp(b.rig.scratch) == slurp(p.sender.virgin));
  CHECK(b.state().baseline_id == a0.baseline_id);
  CHECK(b.state().generation == 1);
  CHECK(b.state().virgin == b.rig.virgin);
  CHECK(b.state().fstype == a0.fstype);
  CHECK(b.state().virgin_superblock_hash == a0.virgin_superblock_hash);
  CHECK(b.rig.out.str().find("Initialized. State saved to") != std::string::npos);

  for (int round = 0; round < 2; ++round) {
    const std::string delta = round == 0 ? p.next({{3, 6}, {10, 11}}, 'b', "d1.schelk")
                                         : p.next({{0, 1}, {63, 64}}, 'c', "d2.schelk");
    auto ctx = b.rig.context();
    cmd_receive(ctx, from_file(delta));
    CHECK(slurp(b.rig.virgin) == slurp(p.sender.virgin));
    CHECK(slurp(b.rig.scratch) == slurp(b.rig.virgin));
    CHECK(b.state().generation == 2 + static_cast<uint64_t>(round));
    CHECK(ctx.report().fields["generation"] == 2 + round);
    CHECK_FALSE(std::filesystem::exists(receive_log_path_for(b.rig.options().state_path)));
    CHECK(b.state().virgin_superblock_hash ==
          load_state(p.sender.options().state_path)->virgin_superblock_hash);
  }
  // The last stream again: already applied, nothing changes; an older one no longer applies.
  const Snapshot before(b.rig);
  auto again = b.rig.context();
  cmd_receive(again, from_file((p.sender.dir / "d2.schelk").string()));
  CHECK(again.report().outcome == "nothing_to_do");
  CHECK(b.rig.out.str().find("already applied: virgin holds generation 3") != std::string::npos);
  CHECK_THROWS_WITH(cmd_receive(again, from_file((p.sender.dir / "d1.schelk").string())),
                    Catch::Contains("starts at generation 1, this pair is at generation 3"));
  CHECK(Snapshot(b.rig) == before);
}

TEST_CASE("receive: a clean scratch stays provably clean; an unclean one is noted") {
  Rig sender;
  sender.init_unmounted();
  Rig b;
  FakeScratch sys(b.system, b.scratch);
  const std::string full = (sender.dir / "full.schelk").string();
  send_to(sender, full, std::nullopt);
  auto init = b.context();
  ReceiveOptions o = from_file(full);
  o.init = b.init_options();
  cmd_receive(init, o);
  REQUIRE(load_state(b.options().state_path)->scratch_clean_at);
  promote_blocks(sender, {{5, 7}}, 'z');
  const std::string delta = (sender.dir / "delta.schelk").string();
  send_to(sender, delta, 0);
  auto ctx = b.context();
  cmd_receive(ctx, from_file(delta));
  CHECK(load_state(b.options().state_path)->scratch_clean_at);
  CHECK(b.out.str().find("not provably equal") == std::string::npos);
  CHECK(slurp(b.virgin) == slurp(sender.virgin));
}

TEST_CASE("receive refuses every damaged stream with virgin, scratch and state unchanged") {
  Pair p;
  Receiver& b = p.receiver;
  const std::string delta = p.next({{3, 6}, {10, 11}}, 'b', "d.schelk");
  const std::string good = slurp(delta);
  const Snapshot before(b.rig);
  const std::string damaged = (b.rig.dir / "damaged.schelk").string();
  // Every byte flipped (the stream is small: header, 2 records, trailer), then cuts anywhere.
  for (uint64_t at = 0; at < good.size(); ++at) {
    std::ofstream(damaged, std::ios::binary | std::ios::trunc) << good;
    flip_byte(damaged, at);
    auto ctx = b.rig.context();
    CHECK_THROWS(cmd_receive(ctx, from_file(damaged)));
    CHECK(Snapshot(b.rig) == before);
  }
  for (uint64_t cut = 0; cut < good.size(); cut += 7) {
    std::ofstream(damaged, std::ios::binary | std::ios::trunc) << good.substr(0, cut);
    auto ctx = b.rig.context();
    CHECK_THROWS(cmd_receive(ctx, from_file(damaged)));
    CHECK(Snapshot(b.rig) == before);
  }
  std::ofstream(damaged, std::ios::binary | std::ios::trunc) << good << "x";
  auto appended = b.rig.context();
  CHECK_THROWS_WITH(cmd_receive(appended, from_file(damaged)), Catch::Contains("stream byte"));
  CHECK(Snapshot(b.rig) == before);
  CHECK(b.rig.out.str().find("Rolling scratch back from virgin") != std::string::npos);
  // The intact stream still applies afterwards.
  auto ctx = b.rig.context();
  cmd_receive(ctx, from_file(delta));
  CHECK(slurp(b.rig.virgin) == slurp(p.sender.virgin));
}

TEST_CASE("receive refuses streams for another baseline, generation, volume or superblock") {
  Pair p;
  Receiver& b = p.receiver;
  const Snapshot before(b.rig);
  const State st = b.state();
  const std::string path = (b.rig.dir / "made.schelk").string();
  // A stream made by hand from the receiver's own header values, one field changed at a time.
  auto make = [&](auto change) {
    stream::StreamHeader h;
    h.baseline_id = *baseline_id_bytes(*st.baseline_id);
    h.from_generation = st.generation;
    h.to_generation = st.generation + 1;
    h.volume_bytes = Rig::kSize;
    h.block_size = 4096;
    h.fstype = st.fstype;
    std::copy(st.virgin_superblock_hash.begin(), st.virgin_superblock_hash.end(),
              h.superblock_sha256.begin());
    change(h);
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    struct Sink : stream::ByteSink {
      std::ofstream& f;
      explicit Sink(std::ofstream& o) : f(o) {}
      void write(const void* d, size_t n) override {
        f.write(static_cast<const char*>(d), static_cast<std::streamsize>(n));
      }
    } sink(f);
    stream::StreamWriter w(sink, h);
    const std::string data(8192, 'q');
    w.add(4096 * 8, std::span(reinterpret_cast<const uint8_t*>(data.data()), data.size()));
    w.finish();
  };
  auto refused = [&](const char* why) {
    auto ctx = b.rig.context();
    CHECK_THROWS_WITH(cmd_receive(ctx, from_file(path)), Catch::Contains(why));
    CHECK(Snapshot(b.rig) == before);
  };
  make([](stream::StreamHeader& h) { h.baseline_id[0] ^= 1; });
  refused("is not this pair's");
  make([](stream::StreamHeader& h) { h.from_generation += 1; });
  refused("starts at generation 2, this pair is at generation 1");
  make([](stream::StreamHeader& h) { h.volume_bytes *= 2; });
  refused("its volume has");
  make([](stream::StreamHeader& h) { h.block_size = 8192; });
  refused("its block size 8192");
  // Applicable, but what it makes is not the sender's superblock: rolled back after stage 1.
  make([](stream::StreamHeader& h) { h.superblock_sha256[0] ^= 1; });
  refused("superblock is not the one the stream names");
  // Written by hand with the right superblock: it applies.
  make([](stream::StreamHeader&) {});
  auto ctx = b.rig.context();
  cmd_receive(ctx, from_file(path));
  CHECK(slurp(b.rig.virgin).substr(4096 * 8, 8192) == std::string(8192, 'q'));
}

TEST_CASE("receive refuses: wrong kind of stream for the options, mounted, pending, stdin") {
  Pair p;
  Receiver& b = p.receiver;
  const std::string delta = p.next({{3, 4}}, 'b', "d.schelk");
  const std::string full = (p.sender.dir / "full2.schelk").string();
  send_to(p.sender, full, std::nullopt);
  auto ctx = b.rig.context();
  CHECK_THROWS_WITH(cmd_receive(ctx, from_file(full)),
                    Catch::Contains("initialises a new pair. Give --virgin"));
  CHECK_THROWS_WITH(cmd_receive(ctx, b.full_from(delta)), Catch::Contains("drop --virgin"));
  ReceiveOptions piped;  // stdin, without -y
  auto asking = b.rig.context(false);
  CHECK_THROWS_WITH(cmd_receive(asking, piped), Catch::Contains("give -y"));
  cmd_mount(ctx);
  CHECK_THROWS_WITH(cmd_receive(ctx, from_file(delta)), Catch::Contains("is mounted"));
  b.rig.reader.written = {};
  cmd_recover(ctx, {});
  Journal pending;
  pending.operation = "recover";
  pending.dm_era_name = b.state().dm_era_name;
  pending.granularity = 4096;
  pending.nr_blocks = Rig::kSize / 4096;
  save_journal(b.rig.options().state_path, pending);
  CHECK_THROWS_WITH(cmd_receive(ctx, from_file(delta)), Catch::Contains("run 'schelk recover'"));
  remove_journal(b.rig.options().state_path);
  // A scratch that is no longer virgin's size: refused before a byte is written.
  const std::string scratch = slurp(b.rig.scratch);
  std::filesystem::resize_file(b.rig.scratch, Rig::kSize / 2);
  const std::string virgin = slurp(b.rig.virgin);
  CHECK_THROWS_WITH(cmd_receive(ctx, from_file(delta)), Catch::Contains("Volume size mismatch"));
  CHECK(slurp(b.rig.virgin) == virgin);
  CHECK(slurp(b.rig.scratch) == scratch.substr(0, Rig::kSize / 2));
  CHECK_FALSE(std::filesystem::exists(receive_log_path_for(b.rig.options().state_path)));
  std::ofstream(b.rig.scratch, std::ios::binary | std::ios::trunc) << scratch;
  cmd_receive(ctx, from_file(delta));
  CHECK(slurp(b.rig.virgin) == slurp(p.sender.virgin));
}

namespace {

// Runs receive in a child stopped at `point` (SCHELK_TEST_STOP_AT), then kills it with SIGKILL:
// what a kill -9 at that point leaves. Returns whether the child reached the point.
bool receive_killed_at(Rig& rig, const ReceiveOptions& opts, const char* point) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::setenv("SCHELK_TEST_STOP_AT", point, 1);
    try {
      auto ctx = rig.context();
      cmd_receive(ctx, opts);
    } catch (...) {
    }
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(pid, &status, WUNTRACED);
  const bool stopped = WIFSTOPPED(status);
  ::kill(pid, SIGKILL);
  ::waitpid(pid, &status, 0);
  return stopped;
}

}  // namespace

TEST_CASE("receive killed at each point: status says so, others refuse, --finish settles it") {
  const char* stage1[] = {"receive-mid-scratch", "receive-after-scratch"};
  const char* stage2[] = {"receive-scratch-complete", "receive-after-virgin", "receive-after-save"};
  for (const char* point : {stage1[0], stage1[1], stage2[0], stage2[1], stage2[2]}) {
    DYNAMIC_SECTION(point) {
      Pair p;
      Receiver& b = p.receiver;
      const std::string delta = p.next({{3, 6}, {10, 11}, {40, 41}}, 'k', "d.schelk");
      const Snapshot before(b.rig);
      REQUIRE(receive_killed_at(b.rig, from_file(delta), point));
      const bool rolls_back = std::string(point).find("scratch") != std::string::npos &&
                              std::string(point) != "receive-scratch-complete";
      const bool saved = std::string(point) == "receive-after-save";
      auto ctx = b.rig.context();
      if (!saved) {
        REQUIRE(std::filesystem::exists(receive_log_path_for(b.rig.options().state_path)));
        StatusOptions check;
        check.check = true;
        check.json = true;
        cmd_status(ctx, check);
        CHECK(ctx.report().exit_code == kExitInterrupted);
        CHECK(ctx.report().fields["pending_receive"]["stage"] ==
              (rolls_back ? "scratch" : "virgin"));
        CHECK_THROWS_WITH(cmd_mount(ctx), Catch::Contains("receive --finish"));
        CHECK_THROWS_WITH(send_to(b.rig, (b.rig.dir / "x.schelk").string(), std::nullopt),
                          Catch::Contains("receive --finish"));
        CHECK_THROWS_WITH(cmd_full_recover(ctx, false), Catch::Contains("receive --finish"));
        auto repair = b.rig.context();
        cmd_repair(repair, {});
        CHECK(repair.report().exit_code == kExitInterrupted);
        CHECK(b.rig.out.str().find("run 'schelk receive --finish'") != std::string::npos);
      }
      ReceiveOptions finish;
      finish.finish = true;
      auto settle = b.rig.context();
      cmd_receive(settle, finish);
      CHECK_FALSE(std::filesystem::exists(receive_log_path_for(b.rig.options().state_path)));
      if (rolls_back) {
        CHECK(Snapshot(b.rig) == before);
        auto again = b.rig.context();
        cmd_receive(again, from_file(delta));
      } else {
        // Finished: the rerun with the same stream says so and changes nothing.
        auto again = b.rig.context();
        cmd_receive(again, from_file(delta));
        CHECK(again.report().outcome == "nothing_to_do");
      }
      CHECK(slurp(b.rig.virgin) == slurp(p.sender.virgin));
      CHECK(slurp(b.rig.scratch) == slurp(b.rig.virgin));
      CHECK(b.state().generation == 2);
    }
  }
}

TEST_CASE("receive of a full stream killed midway leaves no pair; the rerun makes it") {
  for (const char* point : {"receive-full-after-scratch", "receive-full-after-copy"}) {
    DYNAMIC_SECTION(point) {
      Rig sender;
      sender.init_unmounted();
      promote_blocks(sender, {{1, 2}}, 'f');
      const std::string full = (sender.dir / "full.schelk").string();
      send_to(sender, full, std::nullopt);
      Receiver b;
      REQUIRE(receive_killed_at(b.rig, b.full_from(full), point));
      CHECK_FALSE(load_state(b.rig.options().state_path));
      auto ctx = b.rig.context();
      cmd_receive(ctx, b.full_from(full));
      CHECK(slurp(b.rig.virgin) == slurp(sender.virgin));
      CHECK(b.state().generation == 1);
    }
  }
}

TEST_CASE("receive of a damaged full stream leaves virgin as it was; an old pair is marked") {
  Pair p;  // the receiver holds generation 1 of the sender
  Receiver& b = p.receiver;
  const std::string full = (p.sender.dir / "full.schelk").string();
  const std::string good = slurp(full);
  const std::string virgin = slurp(b.rig.virgin);
  const std::string damaged = (b.rig.dir / "damaged.schelk").string();
  for (uint64_t at : {uint64_t{5}, uint64_t{200}, good.size() / 2, good.size() - 20}) {
    std::ofstream(damaged, std::ios::binary | std::ios::trunc) << good;
    flip_byte(damaged, at);
    auto ctx = b.rig.context();
    CHECK_THROWS(cmd_receive(ctx, b.full_from(damaged)));
    CHECK(slurp(b.rig.virgin) == virgin);
  }
  std::ofstream(damaged, std::ios::binary | std::ios::trunc) << good.substr(0, good.size() - 30);
  auto ctx = b.rig.context();
  CHECK_THROWS_WITH(cmd_receive(ctx, b.full_from(damaged)), Catch::Contains("stream byte"));
  CHECK(slurp(b.rig.virgin) == virgin);
  // The old pair's scratch was overwritten: it says so until a full recovery or a new receive.
  CHECK(b.state().needs_full_recover == std::string(kNeedsFullScratchOverwritten));
  CHECK_THROWS_WITH(cmd_mount(ctx), Catch::Contains("receive of a full stream"));
  cmd_receive(ctx, b.full_from(full));
  CHECK(slurp(b.rig.virgin) == slurp(p.sender.virgin));
  CHECK_FALSE(b.state().needs_full_recover);
}

TEST_CASE("receive log: a torn last line is ignored, anything else malformed names its line") {
  const std::string head =
      "schelk-receive-log 1\nbaseline_id x\nfrom_generation 3\nto_generation 4\nblock_size "
      "4096\nscratch_was_clean 1\n";
  auto log = receive_log_from_text(head + "10 12\n20 21\n30 3");
  CHECK(log.from_generation == 3);
  CHECK(log.to_generation == 4);
  CHECK(log.scratch_was_clean);
  CHECK(log.ranges == std::vector<BlockRange>{{10, 12}, {20, 21}});
  CHECK_FALSE(log.scratch_complete);
  CHECK(receive_log_from_text(head + "10 12\nscratch_complete\n").scratch_complete);
  // A torn "scratch_complete": stage 2 never began.
  CHECK_FALSE(receive_log_from_text(head + "10 12\nscratch_comp").scratch_complete);
  CHECK_THROWS_WITH(receive_log_from_text(head + "10 x\n"), Catch::Contains("line 7"));
  CHECK_THROWS_WITH(receive_log_from_text(head + "12 10\n"), Catch::Contains("empty range"));
  CHECK_THROWS_WITH(receive_log_from_text(head + "scratch_complete\n1 2\n"),
                    Catch::Contains("lines after"));
  CHECK_THROWS_WITH(receive_log_from_text("schelk-receive-log 1\nbaseline_id x\n"),
                    Catch::Contains("header cut short"));
  CHECK_THROWS_WITH(receive_log_from_text("something else\n"), Catch::Contains("bad header"));

  // Written and read back through the writer.
  test::TempDir dir;
  const auto state = dir.path() / "state.json";
  ReceiveLog h{"id-1", 1, 2, 4096, {}, false, false};
  {
    ReceiveLogWriter w(state, h);
    w.append({{1, 3}, {7, 8}});
    w.append({{9, 10}});
  }
  auto back = load_receive_log(state);
  REQUIRE(back);
  CHECK(back->ranges == std::vector<BlockRange>{{1, 3}, {7, 8}, {9, 10}});
  CHECK_FALSE(back->scratch_was_clean);
  remove_receive_log(state);
  CHECK_FALSE(load_receive_log(state));
}
