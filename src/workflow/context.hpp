// What every workflow command gets: the global options, the console streams and the system it
// acts on, as narrow interfaces (dm control, mounter, volumes, the kernel's view, the written-set
// reader, the copier). There is no default for any of them: the real implementations are made
// only in the CLI entry (cli.cpp), the fakes in tests/support/workflow_fakes.hpp. The context
// also carries the command's Report (steps, copy counts, outcome), printed by the CLI at the end.
#pragma once

#include <filesystem>
#include <iosfwd>
#include <stdexcept>
#include <string>

#include "src/dm/dm_control.hpp"
#include "src/mount/mount.hpp"
#include "src/state/lock.hpp"
#include "src/state/state.hpp"
#include "src/ui/progress.hpp"
#include "src/volume/volume_ops.hpp"
#include "src/workflow/block_copy.hpp"
#include "src/workflow/run_report.hpp"
#include "src/workflow/system_view.hpp"
#include "src/workflow/written_set.hpp"

namespace schelk {

struct GlobalOptions {
  bool yes = false;
  std::filesystem::path state_path = kDefaultStatePath;
  double lock_timeout = 0;  // seconds; 0 = fail at once when busy
  // Progress of work the copier does not do itself (receive reading a stream); tests: none.
  ui::ProgressMode progress = ui::ProgressMode::kNever;
};

// The system a command acts on; every member must be given (references, no defaults).
struct Services {
  DmControl& dm;
  Mounter& mounter;
  VolumeOps& volumes;
  SystemView& system;
  WrittenSetReader& written_sets;
  VolumeCopier& copier;
};

class Context {
 public:
  Context(GlobalOptions options, Services services, std::istream& in, std::ostream& out,
          std::ostream& err)
      : options_(std::move(options)), services_(services), in_(in), out_(out), err_(err) {}

  const GlobalOptions& options() const { return options_; }
  DmControl& dm() { return services_.dm; }
  Mounter& mounter() { return services_.mounter; }
  VolumeOps& volumes() { return services_.volumes; }
  SystemView& system() { return services_.system; }
  WrittenSetReader& written_sets() { return services_.written_sets; }
  VolumeCopier& copier() { return services_.copier; }
  std::ostream& out() { return out_; }
  std::ostream& err() { return err_; }
  Report& report() { return report_; }
  const Report& report() const { return report_; }

  // Throws "This command requires root privileges. ..." unless the system says we are root.
  void require_root();
  // The state lock, waiting up to --lock-timeout (the wait is announced on err(); timed as the
  // step "lock").
  StateLock lock();
  // The lock shared with other readers (send): it only keeps writers out.
  StateLock lock_shared();
  // Loads the state or fails with schelk's "has not been initialized" message; a state file that
  // cannot be read throws StateError naming its path.
  State load_initialized() const;
  void save(const State& state) const;
  // "<msg> [y/N] " on err() unless --yes, the answer read from the input stream; anything but
  // y/yes fails "Operation cancelled by user."
  void confirm(const std::string& message);

 private:
  StateLock take_lock(bool shared);
  GlobalOptions options_;
  Services services_;
  std::istream& in_;
  std::ostream& out_;
  std::ostream& err_;
  Report report_;
};

class CancelledError : public std::runtime_error {
 public:
  CancelledError() : std::runtime_error("Operation cancelled by user.") {}
};

}  // namespace schelk
