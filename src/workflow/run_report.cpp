// The Report's two renderings (JSON object, "Steps:" line) and the step timer.
#include "src/workflow/run_report.hpp"

#include <cmath>

#include "base/format.hpp"

namespace schelk {

void Report::add_copy(uint64_t bytes, uint64_t blocks, uint64_t granularity) {
  bytes_copied += bytes;
  blocks_copied += blocks;
  block_size = granularity;
}

nlohmann::ordered_json Report::to_json() const {
  nlohmann::ordered_json j;
  j["schema"] = kReportSchema;
  j["command"] = command;
  j["outcome"] = outcome;
  if (error) j["error"] = *error;
  j["path"] = path;
  j["blocks_copied"] = blocks_copied;
  j["bytes_copied"] = bytes_copied;
  j["block_size"] = block_size ? nlohmann::ordered_json(*block_size) : nullptr;
  j["repairs"] = nlohmann::ordered_json::array();
  for (const auto& r : repairs) j["repairs"].push_back({{"name", r.name}, {"detail", r.detail}});
  j["steps"] = nlohmann::ordered_json::array();
  for (const auto& s : steps) {
    // Microsecond resolution is plenty and keeps the numbers short.
    j["steps"].push_back({{"name", s.name}, {"ms", std::round(s.ms * 1000) / 1000}});
  }
  for (const auto& [key, value] : fields.items()) j[key] = value;
  return j;
}

std::string Report::steps_line() const {
  if (steps.empty()) return "";
  std::string line = "Steps:";
  for (size_t i = 0; i < steps.size(); ++i) {
    line += (i == 0 ? " " : ", ") + steps[i].name + " " + base::format_duration(steps[i].ms / 1000);
  }
  return line;
}

StepTimer::StepTimer(Report& report, std::string name)
    : report_(report), name_(std::move(name)), start_(Clock::now()) {}

void StepTimer::stop() {
  if (!running_) return;
  running_ = false;
  const std::chrono::duration<double, std::milli> elapsed = Clock::now() - start_;
  report_.add_step(std::move(name_), elapsed.count());
}

void StepTimer::next(std::string name) {
  stop();
  name_ = std::move(name);
  start_ = Clock::now();
  running_ = true;
}

}  // namespace schelk
