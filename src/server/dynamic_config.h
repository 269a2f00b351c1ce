// `--dynamic-config-value KEY=VALUE` handling, under Temporal's key names. Stead honours a
// few keys (honoured_dynamic_config_keys()); feature flags whose value matches what Stead
// always does (e.g. frontend.enableUpdateWorkflowExecution=true, which Temporal's harnesses
// pass) are accepted silently; every other key or value changes nothing and is reported.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "server/history/config.h"

namespace stead::server {

// The keys that change the server's behaviour, sorted.
const std::vector<std::string_view>& honoured_dynamic_config_keys();

// Applies the honoured keys to `config`. Every other key (or a feature flag set to a value
// Stead does not follow) is accepted, and `warnings` gets one line naming it.
// INVALID_ARGUMENT for an honoured key with a malformed value.
Status apply_dynamic_config(const std::vector<std::pair<std::string, std::string>>& values,
                            history::Config* config, std::vector<std::string>* warnings);

}  // namespace stead::server
