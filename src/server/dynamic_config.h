// `--dynamic-config-value KEY=VALUE` handling: the keys Stead honours, and the keys it
// accepts because Temporal's test harnesses pass them (their behaviour is always on here).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "server/history/config.h"

namespace stead::server {

// Applies the known keys to `config`. Unknown keys are accepted and listed in `warnings`.
// INVALID_ARGUMENT for a known key with a malformed value.
Status apply_dynamic_config(const std::vector<std::pair<std::string, std::string>>& values,
                            history::Config* config, std::vector<std::string>* warnings);

}  // namespace stead::server
