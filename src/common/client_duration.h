// Durations that arrive from clients (request fields, workflow commands, retry policies):
// validated and capped before any arithmetic, as Temporal's server does
// (common/primitives/timestamp.ValidateAndCapProtoDuration):
//   - seconds and nanos with different signs, or a negative value: invalid;
//   - nanos outside (-1e9, 1e9) (protobuf's own Duration rule): invalid;
//   - longer than 100 years (100 * 365 days): capped to exactly 100 years, in place.
// An unset field reads as zero and is valid; pass nullptr for it to keep it unset.
#pragma once

#include <chrono>
#include <string_view>

#include <google/protobuf/duration.pb.h>

#include "common/status.h"

namespace stead {

inline constexpr std::chrono::seconds kMaxClientDuration{int64_t{100} * 365 * 24 * 3600};

// Why `d` is invalid ("negative duration", ...), or nullptr when it is valid. A valid
// duration above kMaxClientDuration is rewritten to kMaxClientDuration.
const char* validate_and_cap(google::protobuf::Duration* d);

// INVALID_ARGUMENT "Invalid <field>: <why>." when `d` is invalid; caps it otherwise.
// `field` names it for the client, e.g. "WorkflowRunTimeout" or "StartToFireTimeout on StartTimerCommand".
Status validate_and_cap(google::protobuf::Duration* d, std::string_view field);

}  // namespace stead
