#include "common/retry_policy.h"

#include <algorithm>
#include <cmath>

#include "common/client_duration.h"

namespace stead {

using temporal::api::common::v1::RetryPolicy;
using temporal::api::enums::v1::RetryState;
using temporal::api::failure::v1::Failure;

namespace {
constexpr Duration kDefaultInitialInterval = std::chrono::seconds(1);
constexpr double kDefaultBackoffCoefficient = 2.0;
constexpr int kDefaultMaximumIntervalFactor = 100;

bool has_duration(const RetryPolicy& p, bool initial) {
  const auto& d = initial ? p.initial_interval() : p.maximum_interval();
  return d.seconds() != 0 || d.nanos() != 0;
}

const char* timeout_name(temporal::api::enums::v1::TimeoutType t) {
  switch (t) {
    case temporal::api::enums::v1::TIMEOUT_TYPE_START_TO_CLOSE: return "StartToClose";
    case temporal::api::enums::v1::TIMEOUT_TYPE_SCHEDULE_TO_START: return "ScheduleToStart";
    case temporal::api::enums::v1::TIMEOUT_TYPE_SCHEDULE_TO_CLOSE: return "ScheduleToClose";
    case temporal::api::enums::v1::TIMEOUT_TYPE_HEARTBEAT: return "Heartbeat";
    default: return "Unspecified";
  }
}
}  // namespace

void apply_retry_policy_defaults(RetryPolicy* policy) {
  if (!has_duration(*policy, true)) *policy->mutable_initial_interval() = to_proto_duration(kDefaultInitialInterval);
  if (policy->backoff_coefficient() == 0) policy->set_backoff_coefficient(kDefaultBackoffCoefficient);
  if (!has_duration(*policy, false)) {
    // No more than the 100-year cap, and no overflow for an initial interval of centuries.
    Duration initial = std::min<Duration>(from_proto(policy->initial_interval()),
                                          kMaxClientDuration / kDefaultMaximumIntervalFactor);
    *policy->mutable_maximum_interval() = to_proto_duration(initial * kDefaultMaximumIntervalFactor);
  }
}

Status validate_retry_policy(RetryPolicy* policy) {
  if (policy->has_initial_interval())
    STEAD_RETURN_IF_ERROR(validate_and_cap(policy->mutable_initial_interval(), "InitialInterval set on retry policy"));
  if (policy->backoff_coefficient() < 1)
    return Status::InvalidArgument("BackoffCoefficient cannot be less than 1 on retry policy.");
  if (policy->has_maximum_interval())
    STEAD_RETURN_IF_ERROR(validate_and_cap(policy->mutable_maximum_interval(), "MaximumInterval set on retry policy"));
  const RetryPolicy& p = *policy;
  if (has_duration(p, false) && from_proto(p.maximum_interval()) < from_proto(p.initial_interval()))
    return Status::InvalidArgument("MaximumInterval cannot be less than InitialInterval on retry policy.");
  if (p.maximum_attempts() < 0) return Status::InvalidArgument("MaximumAttempts cannot be negative on retry policy.");
  return Status::Ok();
}

Status validate_retry_policy(const RetryPolicy& policy) {
  RetryPolicy copy = policy;
  return validate_retry_policy(&copy);
}

bool is_retryable_failure(const Failure& failure, const RetryPolicy& policy) {
  const auto& types = policy.non_retryable_error_types();
  auto listed = [&](const std::string& type) { return std::find(types.begin(), types.end(), type) != types.end(); };
  if (failure.has_canceled_failure_info() || failure.has_terminated_failure_info()) return false;
  if (failure.has_timeout_failure_info()) {
    auto t = failure.timeout_failure_info().timeout_type();
    if (t == temporal::api::enums::v1::TIMEOUT_TYPE_START_TO_CLOSE ||
        t == temporal::api::enums::v1::TIMEOUT_TYPE_HEARTBEAT) {
      return !listed(std::string("TemporalTimeout:") + timeout_name(t));
    }
    return false;
  }
  if (failure.has_server_failure_info()) return !failure.server_failure_info().non_retryable();
  if (failure.has_application_failure_info()) {
    const auto& info = failure.application_failure_info();
    return !info.non_retryable() && !listed(info.type());
  }
  return true;
}

RetryDecision next_retry(const RetryPolicy& policy, int32_t attempt, const Failure& failure, TimePoint now,
                         std::optional<TimePoint> expiration) {
  if (!is_retryable_failure(failure, policy)) return {RetryState::RETRY_STATE_NON_RETRYABLE_FAILURE};
  if (policy.maximum_attempts() > 0 && attempt >= policy.maximum_attempts())
    return {RetryState::RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED};

  Duration initial = from_proto(policy.initial_interval());
  Duration maximum = from_proto(policy.maximum_interval());
  double coefficient = policy.backoff_coefficient() < 1 ? 1 : policy.backoff_coefficient();
  // A failure may dictate its own delay, overriding both the formula and the cap.
  Duration interval;
  if (failure.has_application_failure_info() && failure.application_failure_info().has_next_retry_delay()) {
    // It comes from a client: never negative, never beyond the 100-year cap.
    interval = std::clamp<Duration>(from_proto(failure.application_failure_info().next_retry_delay()), Duration::zero(),
                                    kMaxClientDuration);
  } else {
    double scaled = static_cast<double>(initial.count()) * std::pow(coefficient, std::max(0, attempt - 1));
    double cap = maximum > Duration::zero() ? static_cast<double>(maximum.count()) : scaled;
    interval = Duration(static_cast<Duration::rep>(std::min({scaled, cap, 9.0e18})));
  }
  if (expiration && add_saturating(now, interval) > *expiration) return {RetryState::RETRY_STATE_TIMEOUT};
  return {RetryState::RETRY_STATE_IN_PROGRESS, interval};
}

}  // namespace stead
