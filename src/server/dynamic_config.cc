#include "server/dynamic_config.h"

#include <charconv>
#include <set>

namespace stead::server {

namespace {

// Values may be JSON-ish ("true", "2097152", "\"20s\""): strip quotes and whitespace.
std::string unquote(std::string v) {
  while (!v.empty() && (v.back() == ' ' || v.back() == '"')) v.pop_back();
  size_t i = 0;
  while (i < v.size() && (v[i] == ' ' || v[i] == '"')) ++i;
  return v.substr(i);
}

bool parse_int(const std::string& v, int64_t* out) {
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), *out);
  return ec == std::errc() && ptr == v.data() + v.size();
}

// "20s", "1m", "500ms", "2h" or a plain number of seconds.
bool parse_duration(const std::string& v, Duration* out) {
  size_t i = 0;
  while (i < v.size() && (isdigit(static_cast<unsigned char>(v[i])) != 0)) ++i;
  int64_t n = 0;
  if (i == 0 || !parse_int(v.substr(0, i), &n)) return false;
  std::string unit = v.substr(i);
  if (unit.empty() || unit == "s") *out = std::chrono::seconds(n);
  else if (unit == "ms") *out = std::chrono::milliseconds(n);
  else if (unit == "m") *out = std::chrono::minutes(n);
  else if (unit == "h") *out = std::chrono::hours(n);
  else return false;
  return true;
}

// Features Temporal gates behind flags that Stead always provides (or that do not apply).
const std::set<std::string>& accepted_keys() {
  static const std::set<std::string> keys = {
      "frontend.enableServerVersionCheck",
      "frontend.enableUpdateWorkflowExecution",
      "frontend.enableUpdateWorkflowExecutionAsyncAccepted",
      "frontend.enableExecuteMultiOperation",
      "frontend.workerVersioningDataAPIs",
      "frontend.workerVersioningWorkflowAPIs",
      "system.forceSearchAttributesCacheRefreshOnRead",
      "system.enableEagerWorkflowStart",
  };
  return keys;
}

}  // namespace

Status apply_dynamic_config(const std::vector<std::pair<std::string, std::string>>& values, history::Config* config,
                            std::vector<std::string>* warnings) {
  for (const auto& [key, raw] : values) {
    std::string value = unquote(raw);
    int64_t n = 0;
    Duration d{};
    if (key == "limit.blobSize.error") {
      if (!parse_int(value, &n) || n <= 0) return Status::InvalidArgument(key + " needs a positive byte count");
      config->blob_size_limit_error = n;
    } else if (key == "history.longPollExpirationInterval") {
      if (!parse_duration(value, &d)) return Status::InvalidArgument(key + " needs a duration such as 20s");
      config->history_long_poll_interval = d;
    } else if (key == "history.defaultWorkflowTaskTimeout") {
      if (!parse_duration(value, &d)) return Status::InvalidArgument(key + " needs a duration such as 10s");
      config->default_workflow_task_timeout = d;
    } else if (!accepted_keys().count(key)) {
      warnings->push_back("unknown dynamic config key " + key + " (accepted, ignored)");
    }
  }
  return Status::Ok();
}

}  // namespace stead::server
