// ActivityEnvironment: one activity attempt with a test context (stead/activity_environment.h).
#include "stead/activity_environment.h"

#include <chrono>

namespace stead::testing {

using namespace std::chrono_literals;

ActivityInfo default_activity_info() {
  ActivityInfo info;
  info.activity_id = "test";
  info.activity_type = "unknown";
  info.task_queue = "test";
  info.workflow_namespace = "default";
  info.workflow_id = "test";
  info.workflow_run_id = "test-run";
  info.workflow_type = "test";
  info.attempt = 1;
  info.schedule_to_close_timeout = 1s;
  info.start_to_close_timeout = 1s;
  return info;
}

ActivityEnvironment::ActivityEnvironment(ActivityEnvironmentOptions options)
    : info_(std::move(options.info)),
      converter_(std::move(options.data_converter)),
      cancellation_(std::make_shared<ActivityCancellation>()) {}

ActivityEnvironment::Attempt ActivityEnvironment::begin_attempt() {
  ActivityInfo info = info_;
  auto now = std::chrono::system_clock::now();
  if (info.scheduled_time == std::chrono::system_clock::time_point{}) info.scheduled_time = now;
  if (info.current_attempt_scheduled_time == std::chrono::system_clock::time_point{})
    info.current_attempt_scheduled_time = now;
  if (info.started_time == std::chrono::system_clock::time_point{}) info.started_time = now;
  std::shared_ptr<ActivityCancellation> cancellation;
  {
    std::lock_guard lock(mu_);
    heartbeats_.clear();
    cancellation = cancellation_;
  }
  auto sink = [this](std::vector<Payload> details) { record_heartbeat(std::move(details)); };
  return Attempt(this, std::make_unique<ActivityContext>(std::move(info), converter_, std::move(cancellation), sink));
}

void ActivityEnvironment::end_attempt() {
  std::lock_guard lock(mu_);
  cancellation_ = std::make_shared<ActivityCancellation>();
}

void ActivityEnvironment::record_heartbeat(std::vector<Payload> details) {
  std::vector<Payload> decoded = converter_.decode(std::move(details));
  {
    std::lock_guard lock(mu_);
    heartbeats_.push_back(decoded);
  }
  if (listener_) listener_(decoded);
}

Payload ActivityEnvironment::run_definition(const ActivityDefinition& definition, std::vector<Payload> input) {
  Attempt attempt = begin_attempt();
  return stead::sync_wait(definition.invoke(*attempt.context, std::move(input)));
}

std::vector<std::vector<Payload>> ActivityEnvironment::heartbeats() const {
  std::lock_guard lock(mu_);
  return heartbeats_;
}

void ActivityEnvironment::cancel(ActivityCancelReason reason) {
  std::shared_ptr<ActivityCancellation> cancellation;
  {
    std::lock_guard lock(mu_);
    cancellation = cancellation_;
  }
  // Outside the lock: stop callbacks run inline and may call back into this environment.
  cancellation->cancel(reason);
}

void ActivityEnvironment::notify_worker_shutdown() {
  std::lock_guard lock(mu_);
  cancellation_->notify_worker_shutdown();
}

}  // namespace stead::testing
