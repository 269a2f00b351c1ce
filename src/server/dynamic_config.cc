#include "server/dynamic_config.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <iterator>
#include <limits>

namespace stead::server {

namespace {

// Values may be JSON-ish ("true", "2097152", "\"20s\""): strip quotes and whitespace.
std::string unquote(std::string v) {
  while (!v.empty() && (v.back() == ' ' || v.back() == '"')) v.pop_back();
  size_t i = 0;
  while (i < v.size() && (v[i] == ' ' || v[i] == '"')) ++i;
  return v.substr(i);
}

std::string lowercase(std::string v) {
  for (char& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return v;
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

// Flags Temporal gates features behind, with the value that describes what Stead always does.
// Passing that value is accepted silently (Temporal's harnesses do); any other value is not
// honoured and warned about.
struct FixedKey {
  const char* key;
  const char* stead_value;
};
constexpr FixedKey kFixedKeys[] = {
    {"frontend.enableServerVersionCheck", "false"},  // Stead never calls home
    {"frontend.enableUpdateWorkflowExecution", "true"},
    {"frontend.enableUpdateWorkflowExecutionAsyncAccepted", "true"},
    {"frontend.enableExecuteMultiOperation", "true"},
    {"system.forceSearchAttributesCacheRefreshOnRead", "true"},  // no cache: every read is fresh
};

}  // namespace

const std::vector<std::string_view>& honoured_dynamic_config_keys() {
  static const std::vector<std::string_view> keys = {
      "frontend.namespaceCount",   "history.defaultWorkflowTaskTimeout", "history.longPollExpirationInterval",
      "limit.blobSize.error",      "limit.maxIDLength",
  };
  return keys;
}

Status apply_dynamic_config(const std::vector<std::pair<std::string, std::string>>& values, history::Config* config,
                            std::vector<std::string>* warnings) {
  for (const auto& [key, raw] : values) {
    std::string value = unquote(raw);
    int64_t n = 0;
    Duration d{};
    if (key == "limit.blobSize.error") {
      if (!parse_int(value, &n) || n <= 0) return Status::InvalidArgument(key + " needs a positive byte count");
      config->blob_size_limit_error = n;
    } else if (key == "limit.maxIDLength") {
      if (!parse_int(value, &n) || n <= 0) return Status::InvalidArgument(key + " needs a positive byte count");
      config->max_id_length = static_cast<size_t>(n);
    } else if (key == "frontend.namespaceCount") {
      if (!parse_int(value, &n) || n < 0 || n > std::numeric_limits<int>::max())
        return Status::InvalidArgument(key + " needs a count of concurrent long polls");
      config->max_concurrent_long_polls = static_cast<int>(n);
    } else if (key == "history.longPollExpirationInterval") {
      if (!parse_duration(value, &d)) return Status::InvalidArgument(key + " needs a duration such as 20s");
      config->history_long_poll_interval = d;
    } else if (key == "history.defaultWorkflowTaskTimeout") {
      if (!parse_duration(value, &d)) return Status::InvalidArgument(key + " needs a duration such as 10s");
      config->default_workflow_task_timeout = d;
    } else {
      auto fixed = std::find_if(std::begin(kFixedKeys), std::end(kFixedKeys),
                                [&](const FixedKey& k) { return key == k.key; });
      if (fixed == std::end(kFixedKeys)) {
        warnings->push_back("dynamic config key " + key + " is not honoured by Stead (ignored)");
      } else if (lowercase(value) != fixed->stead_value) {
        warnings->push_back("dynamic config key " + key + "=" + value + " is not honoured: Stead always behaves as " +
                            key + "=" + fixed->stead_value + " (ignored)");
      }
    }
  }
  return Status::Ok();
}

}  // namespace stead::server
