// stead::RetryPolicy: how the server retries a failed activity or workflow (Temporal's
// temporal.api.common.v1.RetryPolicy, with std::chrono durations).
//
//   .retry_policy = stead::RetryPolicy{.maximum_attempts = 3, .non_retryable_error_types = {"CardDeclined"}}
//
// Attempt n waits initial_interval * backoff_coefficient^(n-1), capped at maximum_interval.
// A failure whose ApplicationError type is listed in non_retryable_error_types, or that is
// marked non_retryable, is not retried.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace stead {

struct RetryPolicy {
  std::chrono::nanoseconds initial_interval = std::chrono::seconds(1);
  double backoff_coefficient = 2.0;
  // Zero: 100 x initial_interval (the server's default).
  std::chrono::nanoseconds maximum_interval{0};
  // Zero: unlimited.
  int32_t maximum_attempts = 0;
  std::vector<std::string> non_retryable_error_types{};
};

}  // namespace stead
