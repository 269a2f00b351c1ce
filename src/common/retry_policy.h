// Temporal's retry semantics, shared by activity retries (server) and, later, workflow retries.
// Mirrors the Go server: defaults (initial 1 s, coefficient 2.0, maximum 100 x initial,
// unlimited attempts), validation, which failures are retryable, and the backoff formula
// interval = initial * coefficient^(attempt-1), capped at maximum_interval.
#pragma once

#include <optional>

#include "common/status.h"
#include "common/time_util.h"
#include "temporal/api/common/v1/message.pb.h"
#include "temporal/api/enums/v1/workflow.pb.h"
#include "temporal/api/failure/v1/message.pb.h"

namespace stead {

// Fills unset fields of `policy` with the server defaults.
void apply_retry_policy_defaults(temporal::api::common::v1::RetryPolicy* policy);

// INVALID_ARGUMENT with a message naming the bad field, after defaults were applied.
// Intervals are checked and capped as client durations (common/client_duration.h).
Status validate_retry_policy(temporal::api::common::v1::RetryPolicy* policy);
// The same check on a copy (nothing is capped).
Status validate_retry_policy(const temporal::api::common::v1::RetryPolicy& policy);

// Whether `failure` may be retried under `policy` (ignores attempts and time).
bool is_retryable_failure(const temporal::api::failure::v1::Failure& failure,
                          const temporal::api::common::v1::RetryPolicy& policy);

struct RetryDecision {
  temporal::api::enums::v1::RetryState state;  // IN_PROGRESS means: retry after `backoff`
  Duration backoff{};
};

// Decides whether attempt `attempt` (1-based, the one that just failed) gets a successor.
// `expiration` is first scheduled time + schedule-to-close (nullopt = no limit).
RetryDecision next_retry(const temporal::api::common::v1::RetryPolicy& policy, int32_t attempt,
                         const temporal::api::failure::v1::Failure& failure, TimePoint now,
                         std::optional<TimePoint> expiration);

}  // namespace stead
