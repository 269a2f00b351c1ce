#include "worker/local_activity_executor.h"

#include <thread>

#include "client/proto_options.h"
#include "common/retry_policy.h"
#include "stead/sync_wait.h"

namespace stead::worker {

namespace enums = temporal::api::enums::v1;
using temporal::api::failure::v1::Failure;

namespace {

// Without a task timeout in the run's info, the server's default applies.
constexpr auto kDefaultTaskTimeout = std::chrono::seconds(10);

Failure start_to_close_timeout(std::chrono::nanoseconds limit) {
  Failure f;
  f.set_message("local activity exceeded its start-to-close timeout of " +
                std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(limit).count()) + " ms");
  f.mutable_timeout_failure_info()->set_timeout_type(enums::TIMEOUT_TYPE_START_TO_CLOSE);
  return f;
}

}  // namespace

LocalActivityExecutor make_local_activity_executor(std::shared_ptr<const ActivityRegistry> registry,
                                                   DataConverter converter, std::string task_queue) {
  return [registry, converter, task_queue](const LocalActivityRequest& request) {
    LocalActivityOutcome outcome;
    auto definition = registry->find(request.activity_type);
    if (!definition) {
      outcome.failure =
          converter.to_failure(std::make_exception_ptr(registry->not_found_error(request.activity_type)));
      outcome.retry_state = enums::RETRY_STATE_NON_RETRYABLE_FAILURE;
      return outcome;
    }
    temporal::api::common::v1::RetryPolicy policy;
    if (request.options.retry_policy) stead::detail::set_retry_policy(*request.options.retry_policy, &policy);
    apply_retry_policy_defaults(&policy);
    std::optional<TimePoint> expiration;
    if (request.options.schedule_to_close_timeout.count() > 0)
      expiration = std::chrono::system_clock::now() + request.options.schedule_to_close_timeout;
    auto task_timeout = request.workflow->task_timeout.count() > 0 ? request.workflow->task_timeout
                                                                   : std::chrono::nanoseconds(kDefaultTaskTimeout);
    // The workflow task must be answered in time: no attempt starts after 80% of its timeout.
    auto task_deadline = std::chrono::steady_clock::now() + task_timeout * 8 / 10;

    for (int32_t attempt = 1;; ++attempt) {
      ActivityInfo info;
      info.activity_id = request.activity_id;
      info.activity_type = request.activity_type;
      info.task_queue = task_queue;
      info.workflow_namespace = request.workflow->namespace_;
      info.workflow_id = request.workflow->workflow_id;
      info.workflow_run_id = request.workflow->run_id;
      info.workflow_type = request.workflow->workflow_type;
      info.attempt = attempt;
      info.scheduled_time = request.scheduled_time;
      info.current_attempt_scheduled_time = info.started_time = std::chrono::system_clock::now();
      info.schedule_to_close_timeout = request.options.schedule_to_close_timeout;
      info.start_to_close_timeout = request.options.start_to_close_timeout;
      info.is_local = true;
      info.headers = request.workflow->headers;
      ActivityContext context(std::move(info), converter, std::make_shared<ActivityCancellation>());
      outcome.attempt = attempt;
      auto started = std::chrono::steady_clock::now();
      Failure failure;
      try {
        auto run = definition->invoke(context, request.input);
        Payload result = sync_wait(std::move(run));
        auto limit = request.options.start_to_close_timeout;
        if (limit.count() <= 0 || std::chrono::steady_clock::now() - started <= limit) {
          outcome.result = std::move(result);
          outcome.failure.reset();
          return outcome;
        }
        failure = start_to_close_timeout(limit);
      } catch (...) {
        failure = converter.to_failure(std::current_exception());
      }
      RetryDecision decision = next_retry(policy, attempt, failure, std::chrono::system_clock::now(), expiration);
      outcome.failure = std::move(failure);
      outcome.retry_state = decision.state;
      if (decision.state != enums::RETRY_STATE_IN_PROGRESS) return outcome;
      if (std::chrono::steady_clock::now() + decision.backoff > task_deadline) {
        outcome.retry_state = enums::RETRY_STATE_TIMEOUT;
        return outcome;
      }
      std::this_thread::sleep_for(decision.backoff);
    }
  };
}

}  // namespace stead::worker
