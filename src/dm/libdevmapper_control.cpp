// DmControl through libdevmapper: no dmsetup binary. Without a running udev, udev sync is turned
// off and libdevmapper creates/removes the /dev/mapper nodes itself (dm_task_update_nodes).
// libdevmapper is loaded on the first dm operation, not at startup (src/dl/devmapper_api.hpp).
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "src/dl/devmapper_api.hpp"
#include "src/dm/dm_control.hpp"
#include "src/dm/era_status.hpp"

namespace schelk {
namespace {

// libdevmapper's error messages, collected for the exception instead of printed.
thread_local std::string g_dm_errors;

void collect_log(int level, const char* /*file*/, int /*line*/, int /*dm_errno*/, const char* f,
                 ...) {
  if ((level & 7) > 3) return;  // keep errors only (_LOG_ERR == 3)
  char buf[512];
  va_list ap;
  va_start(ap, f);
  std::vsnprintf(buf, sizeof buf, f, ap);
  va_end(ap);
  if (!g_dm_errors.empty()) g_dm_errors += "; ";
  g_dm_errors += buf;
}

bool udev_running() { return ::access("/run/udev/control", F_OK) == 0; }

// Without the kernel's device-mapper driver (dm-mod not loaded, or not built) no dm device can
// exist: asking whether one does must not fail (recover of an unmounted volume needs no dm).
// The driver registers this misc device when it loads.
bool driver_present() { return ::access("/sys/class/misc/device-mapper", F_OK) == 0; }

// Set by dm() before any task runs.
bool g_use_udev = false;

// libdevmapper, loaded and set up (logging, udev sync) on first use.
const DevmapperApi& dm() {
  static const DevmapperApi& api = []() -> const DevmapperApi& {
    const DevmapperApi& a = devmapper_api();
    a.dm_log_with_errno_init(collect_log);
    g_use_udev = udev_running();
    if (!g_use_udev) a.dm_udev_set_sync_support(0);
    return a;
  }();
  return api;
}

struct TaskDeleter {
  void operator()(dm_task* t) const { dm().dm_task_destroy(t); }
};
using Task = std::unique_ptr<dm_task, TaskDeleter>;

class LibDevmapperControl final : public DmControl {
 public:
  void create_era(const std::string& name, const std::string& metadata_dev,
                  const std::string& origin_dev, uint64_t length_sectors,
                  uint64_t block_sectors) override {
    Task t = new_task(DM_DEVICE_CREATE, name);
    const std::string params = era_table_params(metadata_dev, origin_dev, block_sectors);
    if (!dm().dm_task_add_target(t.get(), 0, length_sectors, "era", params.c_str())) {
      fail("add era target to", name, t.get());
    }
    dm().dm_task_set_add_node(t.get(), DM_ADD_NODE_ON_CREATE);
    try {
      run(t.get(), "create", name);
    } catch (const DmError& e) {
      // The kernel answers a missing target type with a bare EINVAL: say what to do instead.
      const std::string hint = missing_era_target_hint(target_types());
      if (hint.empty()) throw;
      throw DmError(std::string(e.what()) + ": " + hint);
    }
    // Make sure the node exists whatever udev did.
    dm().dm_mknodes(name.c_str());
  }

  void create_linear(const std::string& name, const std::string& origin_dev,
                     uint64_t length_sectors) override {
    Task t = new_task(DM_DEVICE_CREATE, name);
    const std::string params = origin_dev + " 0";
    if (!dm().dm_task_add_target(t.get(), 0, length_sectors, "linear", params.c_str())) {
      fail("add linear target to", name, t.get());
    }
    dm().dm_task_set_add_node(t.get(), DM_ADD_NODE_ON_CREATE);
    run(t.get(), "create", name);
    dm().dm_mknodes(name.c_str());
  }

  void message(const std::string& name, const std::string& msg) override {
    Task t = new_task(DM_DEVICE_TARGET_MSG, name);
    if (!dm().dm_task_set_sector(t.get(), 0) || !dm().dm_task_set_message(t.get(), msg.c_str())) {
      fail("prepare message '" + msg + "' for", name, t.get());
    }
    g_dm_errors.clear();
    if (!dm().dm_task_run(t.get())) fail("send message '" + msg + "' to", name, t.get());
  }

  EraStatus status(const std::string& name) override {
    return parse_era_status(single_target(DM_DEVICE_STATUS, name));
  }

  std::optional<DmInfo> info(const std::string& name) override {
    if (!driver_present()) return std::nullopt;
    Task t = new_task(DM_DEVICE_INFO, name);
    g_dm_errors.clear();
    if (!dm().dm_task_run(t.get())) fail("query", name, t.get());
    dm_info i{};
    if (!dm().dm_task_get_info(t.get(), &i)) fail("read info of", name, t.get());
    if (!i.exists) return std::nullopt;
    return DmInfo{i.major, i.minor, i.open_count, i.suspended != 0};
  }

  std::vector<DmTarget> table(const std::string& name) override {
    if (!driver_present()) return {};
    Task t = new_task(DM_DEVICE_TABLE, name);
    dm().dm_task_no_open_count(t.get());
    if (!dm().dm_task_run(t.get())) fail("get the table of", name, t.get());
    dm_info i{};
    if (!dm().dm_task_get_info(t.get(), &i) || !i.exists) return {};
    std::vector<DmTarget> targets;
    void* next = nullptr;
    do {
      uint64_t start = 0, length = 0;
      char* type = nullptr;
      char* params = nullptr;
      next = dm().dm_get_next_target(t.get(), next, &start, &length, &type, &params);
      if (type == nullptr) break;  // no table loaded
      targets.push_back({start, length, type, params ? params : ""});
    } while (next != nullptr);
    return targets;
  }

  void remove(const std::string& name) override {
    Task t = new_task(DM_DEVICE_REMOVE, name);
    dm().dm_task_retry_remove(t.get());
    run(t.get(), "remove", name);
  }

 private:
  [[noreturn]] static void fail(const std::string& what, const std::string& name, dm_task* t) {
    std::string msg = "Cannot " + what + " dm device '" + name + "'";
    const int err = t ? dm().dm_task_get_errno(t) : 0;
    if (!g_dm_errors.empty()) {
      msg += ": " + g_dm_errors;
    } else if (err) {
      msg += std::string(": ") + std::strerror(err);
    }
    g_dm_errors.clear();
    throw DmError(msg);
  }

  static Task new_task(int type, const std::string& name) {
    g_dm_errors.clear();
    Task t(dm().dm_task_create(type));
    if (!t) fail("create a libdevmapper task for", name, nullptr);
    if (!dm().dm_task_set_name(t.get(), name.c_str())) fail("set the name of", name, t.get());
    return t;
  }

  // Runs a task that changes devices, synchronising with udev or updating nodes ourselves.
  static void run(dm_task* t, const char* what, const std::string& name) {
    uint32_t cookie = 0;
    if (g_use_udev && !dm().dm_task_set_cookie(t, &cookie, 0)) fail("set udev cookie for", name, t);
    g_dm_errors.clear();
    const bool ok = dm().dm_task_run(t) != 0;
    if (g_use_udev) {
      dm().dm_udev_wait(cookie);
    } else {
      dm().dm_task_update_nodes();
    }
    if (!ok) fail(what, name, t);
  }

  // The target types the kernel has registered; empty when they cannot be listed.
  static std::vector<std::string> target_types() {
    std::vector<std::string> types;
    Task t(dm().dm_task_create(DM_DEVICE_LIST_VERSIONS));
    if (!t || !dm().dm_task_run(t.get())) return types;
    const dm_versions* v = dm().dm_task_get_versions(t.get());
    while (v != nullptr) {
      types.emplace_back(v->name);
      if (v->next == 0) break;
      v = reinterpret_cast<const dm_versions*>(reinterpret_cast<const char*>(v) + v->next);
    }
    return types;
  }

  static std::string single_target(int type, const std::string& name) {
    Task t = new_task(type, name);
    dm().dm_task_no_open_count(t.get());
    if (!dm().dm_task_run(t.get())) fail("get status of", name, t.get());
    dm_info i{};
    if (!dm().dm_task_get_info(t.get(), &i) || !i.exists) {
      throw DmError("dm device '" + name + "' does not exist");
    }
    uint64_t start = 0, length = 0;
    char* target_type = nullptr;
    char* params = nullptr;
    dm().dm_get_next_target(t.get(), nullptr, &start, &length, &target_type, &params);
    if (!target_type || std::strcmp(target_type, "era") != 0) {
      throw DmError("dm device '" + name + "' is not a dm-era target (" +
                    (target_type ? target_type : "no table") + ")");
    }
    return params ? params : "";
  }
};

}  // namespace

std::unique_ptr<DmControl> make_libdevmapper_control() {
  return std::make_unique<LibDevmapperControl>();
}

}  // namespace schelk
