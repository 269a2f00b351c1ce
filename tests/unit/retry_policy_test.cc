// Retry semantics shared by activity retries: defaults, validation, which failures retry,
// and the backoff formula (temporal-protocol.md §3.1).
#include "common/retry_policy.h"

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>

namespace stead {
namespace {

using namespace std::chrono_literals;
using temporal::api::common::v1::RetryPolicy;
using temporal::api::enums::v1::RetryState;
using temporal::api::failure::v1::Failure;
namespace enums = temporal::api::enums::v1;

RetryPolicy policy(Duration initial, double coefficient, Duration maximum, int32_t maximum_attempts) {
  RetryPolicy p;
  *p.mutable_initial_interval() = to_proto_duration(initial);
  p.set_backoff_coefficient(coefficient);
  *p.mutable_maximum_interval() = to_proto_duration(maximum);
  p.set_maximum_attempts(maximum_attempts);
  return p;
}

RetryPolicy defaulted() {
  RetryPolicy p;
  apply_retry_policy_defaults(&p);
  return p;
}

Failure application_failure(const std::string& type, bool non_retryable = false) {
  Failure f;
  f.set_message("boom");
  f.mutable_application_failure_info()->set_type(type);
  f.mutable_application_failure_info()->set_non_retryable(non_retryable);
  return f;
}

Failure timeout_failure(enums::TimeoutType type) {
  Failure f;
  f.set_message("timeout");
  f.mutable_timeout_failure_info()->set_timeout_type(type);
  return f;
}

const TimePoint kNow = TimePoint(std::chrono::seconds(1'700'000'000));

// ---------------------------------------------------------------- defaults

TEST(RetryPolicyDefaults, EmptyPolicyGetsServerDefaults) {
  RetryPolicy p = defaulted();
  EXPECT_EQ(from_proto(p.initial_interval()), 1s);
  EXPECT_DOUBLE_EQ(p.backoff_coefficient(), 2.0);
  EXPECT_EQ(from_proto(p.maximum_interval()), 100s);
  EXPECT_EQ(p.maximum_attempts(), 0);
  EXPECT_TRUE(p.non_retryable_error_types().empty());
}

TEST(RetryPolicyDefaults, MaximumIntervalDefaultsToHundredTimesTheGivenInitial) {
  RetryPolicy p;
  *p.mutable_initial_interval() = to_proto_duration(3s);
  apply_retry_policy_defaults(&p);
  EXPECT_EQ(from_proto(p.initial_interval()), 3s);
  EXPECT_EQ(from_proto(p.maximum_interval()), 300s);
}

TEST(RetryPolicyDefaults, SetFieldsAreKept) {
  RetryPolicy p = policy(500ms, 1.5, 7s, 5);
  p.add_non_retryable_error_types("Fatal");
  apply_retry_policy_defaults(&p);
  EXPECT_EQ(from_proto(p.initial_interval()), 500ms);
  EXPECT_DOUBLE_EQ(p.backoff_coefficient(), 1.5);
  EXPECT_EQ(from_proto(p.maximum_interval()), 7s);
  EXPECT_EQ(p.maximum_attempts(), 5);
  ASSERT_EQ(p.non_retryable_error_types_size(), 1);
  EXPECT_EQ(p.non_retryable_error_types(0), "Fatal");
}

// ---------------------------------------------------------------- validation

TEST(RetryPolicyValidation, DefaultsAreValid) { EXPECT_TRUE(validate_retry_policy(defaulted()).ok()); }

TEST(RetryPolicyValidation, MaximumIntervalEqualToInitialIsValid) {
  EXPECT_TRUE(validate_retry_policy(policy(2s, 1.0, 2s, 1)).ok());
}

struct InvalidCase {
  const char* name;
  RetryPolicy policy;
  const char* message;
};

TEST(RetryPolicyValidation, EachBadFieldIsNamed) {
  RetryPolicy negative_initial;
  *negative_initial.mutable_initial_interval() = to_proto_duration(-1s);
  RetryPolicy small_coefficient = defaulted();
  small_coefficient.set_backoff_coefficient(0.5);
  RetryPolicy negative_maximum = defaulted();
  *negative_maximum.mutable_maximum_interval() = to_proto_duration(-5s);
  RetryPolicy maximum_below_initial = policy(10s, 2.0, 5s, 0);
  RetryPolicy negative_attempts = defaulted();
  negative_attempts.set_maximum_attempts(-1);

  const InvalidCase cases[] = {
      {"negative initial", negative_initial, "Invalid InitialInterval set on retry policy: negative duration."},
      {"coefficient < 1", small_coefficient, "BackoffCoefficient cannot be less than 1 on retry policy."},
      {"negative maximum", negative_maximum, "Invalid MaximumInterval set on retry policy: negative duration."},
      {"maximum < initial", maximum_below_initial,
       "MaximumInterval cannot be less than InitialInterval on retry policy."},
      {"negative attempts", negative_attempts, "MaximumAttempts cannot be negative on retry policy."},
  };
  for (const auto& c : cases) {
    RetryPolicy p = c.policy;
    apply_retry_policy_defaults(&p);  // validation runs after defaults, as the engine does
    Status s = validate_retry_policy(p);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << c.name;
    EXPECT_EQ(s.message(), c.message) << c.name;
  }
}

// ---------------------------------------------------------------- retryability

TEST(RetryableFailure, ApplicationFailureRetriesUnlessMarkedOrListed) {
  RetryPolicy p = defaulted();
  p.add_non_retryable_error_types("Fatal");
  EXPECT_TRUE(is_retryable_failure(application_failure("Transient"), p));
  EXPECT_FALSE(is_retryable_failure(application_failure("Transient", /*non_retryable=*/true), p));
  EXPECT_FALSE(is_retryable_failure(application_failure("Fatal"), p));
  // The type match is exact: case and prefixes matter.
  EXPECT_TRUE(is_retryable_failure(application_failure("fatal"), p));
  EXPECT_TRUE(is_retryable_failure(application_failure("FatalError"), p));
}

TEST(RetryableFailure, TimeoutsRetryOnlyForStartToCloseAndHeartbeat) {
  RetryPolicy p = defaulted();
  EXPECT_TRUE(is_retryable_failure(timeout_failure(enums::TIMEOUT_TYPE_START_TO_CLOSE), p));
  EXPECT_TRUE(is_retryable_failure(timeout_failure(enums::TIMEOUT_TYPE_HEARTBEAT), p));
  EXPECT_FALSE(is_retryable_failure(timeout_failure(enums::TIMEOUT_TYPE_SCHEDULE_TO_START), p));
  EXPECT_FALSE(is_retryable_failure(timeout_failure(enums::TIMEOUT_TYPE_SCHEDULE_TO_CLOSE), p));
}

TEST(RetryableFailure, TimeoutTypesCanBeListedAsNonRetryable) {
  RetryPolicy start_to_close = defaulted();
  start_to_close.add_non_retryable_error_types("TemporalTimeout:StartToClose");
  EXPECT_FALSE(is_retryable_failure(timeout_failure(enums::TIMEOUT_TYPE_START_TO_CLOSE), start_to_close));
  EXPECT_TRUE(is_retryable_failure(timeout_failure(enums::TIMEOUT_TYPE_HEARTBEAT), start_to_close));

  RetryPolicy heartbeat = defaulted();
  heartbeat.add_non_retryable_error_types("TemporalTimeout:Heartbeat");
  EXPECT_TRUE(is_retryable_failure(timeout_failure(enums::TIMEOUT_TYPE_START_TO_CLOSE), heartbeat));
  EXPECT_FALSE(is_retryable_failure(timeout_failure(enums::TIMEOUT_TYPE_HEARTBEAT), heartbeat));
}

TEST(RetryableFailure, CanceledAndTerminatedNeverRetry) {
  RetryPolicy p = defaulted();
  Failure canceled;
  canceled.mutable_canceled_failure_info();
  Failure terminated;
  terminated.mutable_terminated_failure_info();
  EXPECT_FALSE(is_retryable_failure(canceled, p));
  EXPECT_FALSE(is_retryable_failure(terminated, p));
}

TEST(RetryableFailure, ServerFailureFollowsItsFlag) {
  RetryPolicy p = defaulted();
  Failure retryable;
  retryable.mutable_server_failure_info()->set_non_retryable(false);
  Failure final_failure;
  final_failure.mutable_server_failure_info()->set_non_retryable(true);
  EXPECT_TRUE(is_retryable_failure(retryable, p));
  EXPECT_FALSE(is_retryable_failure(final_failure, p));
}

TEST(RetryableFailure, OtherFailuresRetry) {
  RetryPolicy p = defaulted();
  Failure plain;
  plain.set_message("no info");
  Failure activity;
  activity.mutable_activity_failure_info();
  EXPECT_TRUE(is_retryable_failure(plain, p));
  EXPECT_TRUE(is_retryable_failure(activity, p));
}

// ---------------------------------------------------------------- next_retry

TEST(NextRetry, BackoffIsInitialTimesCoefficientToTheAttemptMinusOne) {
  RetryPolicy p = policy(1s, 2.0, 1000s, 0);
  Failure f = application_failure("Transient");
  const Duration expected[] = {1s, 2s, 4s, 8s, 16s};
  for (int attempt = 1; attempt <= 5; ++attempt) {
    RetryDecision d = next_retry(p, attempt, f, kNow, std::nullopt);
    EXPECT_EQ(d.state, enums::RETRY_STATE_IN_PROGRESS) << "attempt " << attempt;
    EXPECT_EQ(d.backoff, expected[attempt - 1]) << "attempt " << attempt;
  }
}

TEST(NextRetry, FractionalCoefficient) {
  RetryPolicy p = policy(500ms, 3.0, 1000s, 0);
  RetryDecision d = next_retry(p, 4, application_failure("T"), kNow, std::nullopt);
  EXPECT_EQ(d.state, enums::RETRY_STATE_IN_PROGRESS);
  EXPECT_EQ(d.backoff, 13500ms);  // 0.5 s * 3^3
}

TEST(NextRetry, BackoffIsCappedAtMaximumInterval) {
  RetryPolicy p = policy(1s, 2.0, 10s, 0);
  Failure f = application_failure("Transient");
  EXPECT_EQ(next_retry(p, 4, f, kNow, std::nullopt).backoff, 8s);
  EXPECT_EQ(next_retry(p, 5, f, kNow, std::nullopt).backoff, 10s);
  EXPECT_EQ(next_retry(p, 60, f, kNow, std::nullopt).backoff, 10s);  // no overflow on huge powers
}

TEST(NextRetry, DefaultPolicyCapsAtHundredSeconds) {
  RetryDecision d = next_retry(defaulted(), 30, application_failure("T"), kNow, std::nullopt);
  EXPECT_EQ(d.state, enums::RETRY_STATE_IN_PROGRESS);
  EXPECT_EQ(d.backoff, 100s);
}

TEST(NextRetry, MaximumAttemptsReached) {
  RetryPolicy p = policy(1s, 2.0, 100s, 3);
  Failure f = application_failure("Transient");
  EXPECT_EQ(next_retry(p, 2, f, kNow, std::nullopt).state, enums::RETRY_STATE_IN_PROGRESS);
  EXPECT_EQ(next_retry(p, 3, f, kNow, std::nullopt).state, enums::RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED);
  EXPECT_EQ(next_retry(p, 4, f, kNow, std::nullopt).state, enums::RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED);
}

TEST(NextRetry, OneAttemptDisablesRetriesAndZeroMeansUnlimited) {
  Failure f = application_failure("Transient");
  EXPECT_EQ(next_retry(policy(1s, 2.0, 100s, 1), 1, f, kNow, std::nullopt).state,
            enums::RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED);
  EXPECT_EQ(next_retry(policy(1s, 2.0, 100s, 0), 1000, f, kNow, std::nullopt).state,
            enums::RETRY_STATE_IN_PROGRESS);
}

TEST(NextRetry, NonRetryableFailureWinsOverAttemptsAndTime) {
  RetryPolicy p = policy(1s, 2.0, 100s, 3);
  RetryDecision d = next_retry(p, 3, application_failure("T", /*non_retryable=*/true), kNow, kNow);
  EXPECT_EQ(d.state, enums::RETRY_STATE_NON_RETRYABLE_FAILURE);
  EXPECT_EQ(next_retry(p, 1, timeout_failure(enums::TIMEOUT_TYPE_SCHEDULE_TO_START), kNow, std::nullopt).state,
            enums::RETRY_STATE_NON_RETRYABLE_FAILURE);
}

TEST(NextRetry, NoTimeLeftBeforeExpirationIsTimeout) {
  RetryPolicy p = policy(1s, 2.0, 100s, 0);
  Failure f = application_failure("Transient");
  TimePoint expiration = kNow + 1500ms;
  EXPECT_EQ(next_retry(p, 1, f, kNow, expiration).state, enums::RETRY_STATE_IN_PROGRESS);  // 1 s fits
  EXPECT_EQ(next_retry(p, 2, f, kNow, expiration).state, enums::RETRY_STATE_TIMEOUT);      // 2 s does not
}

TEST(NextRetry, RetryLandingExactlyOnExpirationIsAllowed) {
  RetryDecision d = next_retry(policy(2s, 2.0, 100s, 0), 1, application_failure("T"), kNow, kNow + 2s);
  EXPECT_EQ(d.state, enums::RETRY_STATE_IN_PROGRESS);
  EXPECT_EQ(d.backoff, 2s);
}

TEST(NextRetry, NextRetryDelayOverridesFormulaAndCap) {
  RetryPolicy p = policy(1s, 2.0, 5s, 0);
  Failure f = application_failure("Transient");
  *f.mutable_application_failure_info()->mutable_next_retry_delay() = to_proto_duration(30s);
  RetryDecision d = next_retry(p, 1, f, kNow, std::nullopt);
  EXPECT_EQ(d.state, enums::RETRY_STATE_IN_PROGRESS);
  EXPECT_EQ(d.backoff, 30s);
}

TEST(NextRetry, NextRetryDelayStillRespectsAttemptsAndExpiration) {
  Failure f = application_failure("Transient");
  *f.mutable_application_failure_info()->mutable_next_retry_delay() = to_proto_duration(30s);
  EXPECT_EQ(next_retry(policy(1s, 2.0, 5s, 2), 2, f, kNow, std::nullopt).state,
            enums::RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED);
  EXPECT_EQ(next_retry(policy(1s, 2.0, 5s, 0), 1, f, kNow, kNow + 10s).state, enums::RETRY_STATE_TIMEOUT);
}

TEST(NextRetry, RetryableTimeoutGetsABackoff) {
  RetryDecision d =
      next_retry(defaulted(), 2, timeout_failure(enums::TIMEOUT_TYPE_START_TO_CLOSE), kNow, std::nullopt);
  EXPECT_EQ(d.state, enums::RETRY_STATE_IN_PROGRESS);
  EXPECT_EQ(d.backoff, 2s);
}

}  // namespace
}  // namespace stead
