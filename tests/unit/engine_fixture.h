// EngineTest: a history Engine wired as src/server/server.cc wires it (SQLite store, real
// Matching, two TimerQueues), with durable time on an OffsetClock so tests jump time with
// advance() instead of sleeping. Every helper blocks on the engine's callback with a bounded
// wait, and polls go through Matching then record_*_task_started, as the frontend's LongPoll.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"
#include "server/history/config.h"
#include "server/history/engine.h"
#include "server/matching/matching.h"
#include "server/persistence/store.h"
#include "server/timers/clock.h"
#include "server/timers/timer_queue.h"
#include "temporal/api/command/v1/message.pb.h"
#include "temporal/api/history/v1/message.pb.h"
#include "temporal/api/workflowservice/v1/request_response.pb.h"

namespace stead::server::history::engine_test {

using namespace std::chrono_literals;
namespace wsv1 = temporal::api::workflowservice::v1;
namespace enums = temporal::api::enums::v1;
namespace command = temporal::api::command::v1;
using temporal::api::history::v1::HistoryEvent;

// How long any single wait may take before the test fails instead of hanging.
inline constexpr auto kWaitLimit = 10s;

template <class T>
struct Result {
  Status status;
  T value;
};

// Calls `call(reply)` and blocks until the engine replies (bounded). A second reply fails the test.
template <class T>
Result<T> await_reply(const std::function<void(Reply<T>)>& call) {
  auto promise = std::make_shared<std::promise<Result<T>>>();
  auto replied = std::make_shared<std::atomic<bool>>(false);
  auto future = promise->get_future();
  call([promise, replied](Status status, T value) {
    if (replied->exchange(true)) {
      ADD_FAILURE() << "engine replied twice";
      return;
    }
    promise->set_value(Result<T>{std::move(status), std::move(value)});
  });
  if (future.wait_for(kWaitLimit) != std::future_status::ready) {
    ADD_FAILURE() << "the engine did not reply within the bounded wait";
    return {Status::DeadlineExceeded("no reply"), T{}};
  }
  return future.get();
}

// "WORKFLOW_TASK_SCHEDULED" for EVENT_TYPE_WORKFLOW_TASK_SCHEDULED: short enough to read in diffs.
inline std::string short_name(enums::EventType type) {
  std::string name = enums::EventType_Name(type);
  const std::string prefix = "EVENT_TYPE_";
  return name.rfind(prefix, 0) == 0 ? name.substr(prefix.size()) : name;
}

inline temporal::api::common::v1::Payloads payloads(const std::string& json) {
  temporal::api::common::v1::Payloads out;
  auto* p = out.add_payloads();
  (*p->mutable_metadata())["encoding"] = "json/plain";
  p->set_data(json);
  return out;
}

// ---- command builders

inline command::Command schedule_activity(const std::string& activity_id, Duration start_to_close,
                                          Duration schedule_to_close = Duration::zero(),
                                          const std::string& task_queue = "") {
  command::Command c;
  c.set_command_type(enums::COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK);
  auto* a = c.mutable_schedule_activity_task_command_attributes();
  a->set_activity_id(activity_id);
  a->mutable_activity_type()->set_name("Act");
  if (!task_queue.empty()) a->mutable_task_queue()->set_name(task_queue);
  *a->mutable_input() = payloads("\"in-" + activity_id + "\"");
  if (start_to_close > Duration::zero()) *a->mutable_start_to_close_timeout() = to_proto_duration(start_to_close);
  if (schedule_to_close > Duration::zero())
    *a->mutable_schedule_to_close_timeout() = to_proto_duration(schedule_to_close);
  return c;
}

inline command::Command complete_workflow(const std::string& result_json = "\"done\"") {
  command::Command c;
  c.set_command_type(enums::COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION);
  *c.mutable_complete_workflow_execution_command_attributes()->mutable_result() = payloads(result_json);
  return c;
}

inline command::Command record_marker(const std::string& name) {
  command::Command c;
  c.set_command_type(enums::COMMAND_TYPE_RECORD_MARKER);
  c.mutable_record_marker_command_attributes()->set_marker_name(name);
  return c;
}

inline temporal::api::failure::v1::Failure application_failure(const std::string& type, bool non_retryable = false) {
  temporal::api::failure::v1::Failure f;
  f.set_message("activity failed: " + type);
  f.mutable_application_failure_info()->set_type(type);
  f.mutable_application_failure_info()->set_non_retryable(non_retryable);
  return f;
}

class EngineTest : public ::testing::Test {
 protected:
  static constexpr const char* kNamespace = "default";
  static constexpr const char* kTaskQueue = "tq";

  void SetUp() override { open(""); }
  void TearDown() override {
    close();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  // Opens store, timers, matching and engine over `path` ("" = in-memory) and recovers.
  void open(const std::string& path) {
    Status s = persistence::open_sqlite_store(path, &store_);
    ASSERT_TRUE(s.ok()) << s.ToString();
    if (wrap_store_) store_ = wrap_store_(std::move(store_));
    durable_timers_ = std::make_unique<timers::TimerQueue>(clock_);
    real_timers_ = std::make_unique<timers::TimerQueue>(wall_clock_);
    matching_ = std::make_unique<matching::Matching>(*real_timers_);
    engine_ = std::make_unique<Engine>(config_, *store_, *matching_, clock_, *durable_timers_, *real_timers_);
    s = engine_->recover({kNamespace});
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  // Shuts everything down in the server's order (Server::shutdown) and destroys it.
  void close() {
    if (!engine_) return;
    matching_->shutdown();
    engine_->shutdown();
    durable_timers_->stop();
    real_timers_->stop();
    store_->close();
    engine_.reset();
    matching_.reset();
    durable_timers_.reset();
    real_timers_.reset();
    store_.reset();
  }

  // A fresh directory for a file database; removed in TearDown.
  std::string temp_db_path() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "stead-engine-XXXXXX").string();
    EXPECT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    return (std::filesystem::path(dir_) / "stead.db").string();
  }

  // Moves durable (virtual) time forward and wakes the timer thread.
  void advance(Duration d) {
    clock_.advance(d);
    durable_timers_->poke();
  }

  // ---- workflow lifecycle

  static wsv1::StartWorkflowExecutionRequest start_request(const std::string& workflow_id) {
    wsv1::StartWorkflowExecutionRequest r;
    r.set_namespace_(kNamespace);
    r.set_workflow_id(workflow_id);
    r.mutable_workflow_type()->set_name("MyWorkflow");
    r.mutable_task_queue()->set_name(kTaskQueue);
    r.set_identity("client");
    r.set_request_id("req-" + workflow_id);
    *r.mutable_input() = payloads("\"input\"");
    return r;
  }

  Result<wsv1::StartWorkflowExecutionResponse> start(const wsv1::StartWorkflowExecutionRequest& r) {
    return await_reply<wsv1::StartWorkflowExecutionResponse>(
        [&](auto reply) { engine_->start_workflow(r, std::move(reply)); });
  }

  // Starts `workflow_id` with defaults; returns the run id (empty on failure).
  std::string start_workflow(const std::string& workflow_id) {
    auto r = start(start_request(workflow_id));
    EXPECT_TRUE(r.status.ok()) << r.status.ToString();
    return r.value.run_id();
  }

  Result<wsv1::TerminateWorkflowExecutionResponse> terminate(const std::string& workflow_id,
                                                             const std::string& run_id = "") {
    wsv1::TerminateWorkflowExecutionRequest r;
    r.set_namespace_(kNamespace);
    r.mutable_workflow_execution()->set_workflow_id(workflow_id);
    r.mutable_workflow_execution()->set_run_id(run_id);
    r.set_reason("test says stop");
    r.set_identity("operator");
    return await_reply<wsv1::TerminateWorkflowExecutionResponse>(
        [&](auto reply) { engine_->terminate_workflow(r, std::move(reply)); });
  }

  Result<wsv1::DescribeWorkflowExecutionResponse> describe(const std::string& workflow_id,
                                                           const std::string& run_id = "") {
    wsv1::DescribeWorkflowExecutionRequest r;
    r.set_namespace_(kNamespace);
    r.mutable_execution()->set_workflow_id(workflow_id);
    r.mutable_execution()->set_run_id(run_id);
    return await_reply<wsv1::DescribeWorkflowExecutionResponse>(
        [&](auto reply) { engine_->describe_workflow(r, std::move(reply)); });
  }

  Result<wsv1::GetWorkflowExecutionHistoryResponse> get_history(const std::string& workflow_id,
                                                                const std::string& run_id = "",
                                                                const std::string& page_token = "") {
    wsv1::GetWorkflowExecutionHistoryRequest r;
    r.set_namespace_(kNamespace);
    r.mutable_execution()->set_workflow_id(workflow_id);
    r.mutable_execution()->set_run_id(run_id);
    r.set_next_page_token(page_token);
    return await_reply<wsv1::GetWorkflowExecutionHistoryResponse>(
        [&](auto reply) { engine_->get_history(r, std::chrono::system_clock::now(), std::move(reply)); });
  }

  // Every durable event of the run, following page tokens.
  std::vector<HistoryEvent> history(const std::string& workflow_id, const std::string& run_id = "") {
    std::vector<HistoryEvent> events;
    std::string token;
    do {
      auto r = get_history(workflow_id, run_id, token);
      EXPECT_TRUE(r.status.ok()) << r.status.ToString();
      if (!r.status.ok()) break;
      for (const auto& e : r.value.history().events()) events.push_back(e);
      token = r.value.next_page_token();
    } while (!token.empty());
    return events;
  }

  std::vector<std::string> event_types(const std::string& workflow_id, const std::string& run_id = "") {
    std::vector<std::string> out;
    for (const auto& e : history(workflow_id, run_id)) out.push_back(short_name(e.event_type()));
    return out;
  }

  // Waits (bounded) until the history has at least `count` events; returns them.
  std::vector<HistoryEvent> wait_for_history(const std::string& workflow_id, size_t count,
                                             const std::string& run_id = "") {
    auto deadline = std::chrono::steady_clock::now() + kWaitLimit;
    std::vector<HistoryEvent> events = history(workflow_id, run_id);
    while (events.size() < count && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(2ms);
      events = history(workflow_id, run_id);
    }
    EXPECT_GE(events.size(), count) << "history did not grow to " << count << " events";
    return events;
  }

  // Waits (bounded) until `pred(describe response)` holds.
  bool wait_for_state(const std::string& workflow_id,
                      const std::function<bool(const wsv1::DescribeWorkflowExecutionResponse&)>& pred) {
    auto deadline = std::chrono::steady_clock::now() + kWaitLimit;
    while (std::chrono::steady_clock::now() < deadline) {
      auto r = describe(workflow_id);
      if (r.status.ok() && pred(r.value)) return true;
      std::this_thread::sleep_for(2ms);
    }
    ADD_FAILURE() << "workflow state did not reach the expected condition";
    return false;
  }

  // ---- polls: matching first, then record_*_task_started; a stale task means poll again

  std::optional<matching::TaskRef> poll_matching(const matching::QueueKey& key) {
    auto promise = std::make_shared<std::promise<std::optional<matching::TaskRef>>>();
    auto future = promise->get_future();
    auto expire_at = std::chrono::system_clock::now() + std::chrono::duration_cast<Duration>(kWaitLimit);
    matching_->poll(key, expire_at, "test-worker",
                    [promise](std::optional<matching::TaskRef> task) { promise->set_value(std::move(task)); });
    if (future.wait_for(kWaitLimit + 5s) != std::future_status::ready) return std::nullopt;
    return future.get();
  }

  Result<wsv1::PollWorkflowTaskQueueResponse> poll_workflow_task(const std::string& task_queue = kTaskQueue) {
    wsv1::PollWorkflowTaskQueueRequest poll;
    poll.set_namespace_(kNamespace);
    poll.mutable_task_queue()->set_name(task_queue);
    poll.mutable_task_queue()->set_kind(enums::TASK_QUEUE_KIND_NORMAL);
    poll.set_identity("test-worker");
    for (int i = 0; i < 10; ++i) {
      auto task = poll_matching({kNamespace, task_queue, matching::TaskKind::kWorkflow});
      if (!task) break;
      auto r = await_reply<wsv1::PollWorkflowTaskQueueResponse>(
          [&](auto reply) { engine_->record_workflow_task_started(*task, poll, std::move(reply)); });
      if (r.status.code() != StatusCode::kNotFound) return r;
    }
    ADD_FAILURE() << "no workflow task on " << task_queue;
    return {Status::DeadlineExceeded("no workflow task"), {}};
  }

  Result<wsv1::PollActivityTaskQueueResponse> poll_activity_task(const std::string& task_queue = kTaskQueue) {
    wsv1::PollActivityTaskQueueRequest poll;
    poll.set_namespace_(kNamespace);
    poll.mutable_task_queue()->set_name(task_queue);
    poll.set_identity("test-worker");
    for (int i = 0; i < 10; ++i) {
      auto task = poll_matching({kNamespace, task_queue, matching::TaskKind::kActivity});
      if (!task) break;
      auto r = await_reply<wsv1::PollActivityTaskQueueResponse>(
          [&](auto reply) { engine_->record_activity_task_started(*task, poll, std::move(reply)); });
      if (r.status.code() != StatusCode::kNotFound) return r;
    }
    ADD_FAILURE() << "no activity task on " << task_queue;
    return {Status::DeadlineExceeded("no activity task"), {}};
  }

  size_t workflow_backlog(const std::string& task_queue = kTaskQueue) {
    return matching_->backlog({kNamespace, task_queue, matching::TaskKind::kWorkflow});
  }
  size_t activity_backlog(const std::string& task_queue = kTaskQueue) {
    return matching_->backlog({kNamespace, task_queue, matching::TaskKind::kActivity});
  }

  // ---- task completions

  Result<wsv1::RespondWorkflowTaskCompletedResponse> complete_workflow_task(
      const std::string& token, std::vector<command::Command> commands) {
    wsv1::RespondWorkflowTaskCompletedRequest r;
    r.set_namespace_(kNamespace);
    r.set_task_token(token);
    r.set_identity("test-worker");
    for (auto& c : commands) *r.add_commands() = std::move(c);
    return await_reply<wsv1::RespondWorkflowTaskCompletedResponse>(
        [&](auto reply) { engine_->complete_workflow_task(r, std::move(reply)); });
  }

  Result<wsv1::RespondWorkflowTaskFailedResponse> fail_workflow_task(const std::string& token,
                                                                     enums::WorkflowTaskFailedCause cause,
                                                                     const std::string& message) {
    wsv1::RespondWorkflowTaskFailedRequest r;
    r.set_namespace_(kNamespace);
    r.set_task_token(token);
    r.set_cause(cause);
    r.mutable_failure()->set_message(message);
    r.set_identity("test-worker");
    return await_reply<wsv1::RespondWorkflowTaskFailedResponse>(
        [&](auto reply) { engine_->fail_workflow_task(r, std::move(reply)); });
  }

  Result<wsv1::RespondActivityTaskCompletedResponse> complete_activity_task(const std::string& token,
                                                                            const std::string& result_json) {
    wsv1::RespondActivityTaskCompletedRequest r;
    r.set_namespace_(kNamespace);
    r.set_task_token(token);
    *r.mutable_result() = payloads(result_json);
    r.set_identity("test-worker");
    return await_reply<wsv1::RespondActivityTaskCompletedResponse>(
        [&](auto reply) { engine_->complete_activity_task(r, std::move(reply)); });
  }

  Result<wsv1::RespondActivityTaskFailedResponse> fail_activity_task(
      const std::string& token, const temporal::api::failure::v1::Failure& failure) {
    wsv1::RespondActivityTaskFailedRequest r;
    r.set_namespace_(kNamespace);
    r.set_task_token(token);
    *r.mutable_failure() = failure;
    r.set_identity("test-worker");
    return await_reply<wsv1::RespondActivityTaskFailedResponse>(
        [&](auto reply) { engine_->fail_activity_task(r, std::move(reply)); });
  }

  // Starts `workflow_id`, runs its first workflow task with `commands`; returns the run id.
  std::string start_and_complete_first_task(const std::string& workflow_id, std::vector<command::Command> commands) {
    std::string run_id = start_workflow(workflow_id);
    auto task = poll_workflow_task();
    EXPECT_TRUE(task.status.ok()) << task.status.ToString();
    auto done = complete_workflow_task(task.value.task_token(), std::move(commands));
    EXPECT_TRUE(done.status.ok()) << done.status.ToString();
    return run_id;
  }

  Config config_;
  // Set before open() to put a decorator (e.g. FaultStore) around the SQLite store.
  std::function<std::unique_ptr<persistence::Store>(std::unique_ptr<persistence::Store>)> wrap_store_;
  timers::OffsetClock clock_;  // durable time; survives close()/open() like a real clock would
  timers::RealClock wall_clock_;
  std::unique_ptr<persistence::Store> store_;
  std::unique_ptr<timers::TimerQueue> durable_timers_;
  std::unique_ptr<timers::TimerQueue> real_timers_;
  std::unique_ptr<matching::Matching> matching_;
  std::unique_ptr<Engine> engine_;
  std::string dir_;
};

}  // namespace stead::server::history::engine_test
