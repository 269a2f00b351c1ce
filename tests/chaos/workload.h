// The chaos harness's workload, shared by its worker (which runs it) and its driver (which
// starts it and checks the outcome): one workflow type that uses an activity with retries, a
// timer, a signal, an update and, for every fourth workflow, a child workflow.
//
// Every step is idempotent from the driver's side (fixed start request ids and update ids), so
// the driver may retry any call cut by a server kill; the result says how many times each
// step took effect, and expected_result() is what it must say.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <string>

#include "stead/activity_context.h"
#include "stead/errors.h"
#include "stead/workflow.h"
#include "stead/workflow_definition.h"

namespace chaos {

using namespace std::chrono_literals;

inline constexpr const char* kTaskQueue = "chaos";
// High enough that kills (each can cost an attempt) never exhaust it; the checks hold every
// recorded attempt to it.
inline constexpr int32_t kMaxActivityAttempts = 20;

inline stead::ActivityOptions step_options() {
  return {.start_to_close_timeout = 2s,
          .retry_policy = stead::RetryPolicy{.initial_interval = 50ms, .backoff_coefficient = 1.5,
                                             .maximum_interval = 500ms, .maximum_attempts = kMaxActivityAttempts}};
}

// Workflow n's activity fails its first attempt when n % 3 == 0 (a retry on every third).
inline bool fails_first_attempt(int n) { return n % 3 == 0; }
inline bool has_child(int n) { return n % 4 == 0; }

inline std::string workflow_id(const std::string& prefix, int n) { return prefix + "-" + std::to_string(n); }

inline std::string expected_result(int n) {
  std::string r = "step-" + std::to_string(n);
  if (has_child(n)) r += "+child:step-" + std::to_string(n);
  return r + "|signals=1|bumps=1";
}

struct ChaosChild {
  static constexpr std::string_view name = "ChaosChild";
  stead::Task<std::string> run(int n) {
    auto step = stead::workflow::execute_activity<std::string>("chaos_step", step_options(), n);
    std::string r = co_await step;
    co_return "child:" + r;
  }
};

struct ChaosWorkflow {
  static constexpr std::string_view name = "ChaosWorkflow";
  stead::Task<std::string> run(int n) {
    auto step = stead::workflow::execute_activity<std::string>("chaos_step", step_options(), n);
    std::string r = co_await step;
    co_await stead::workflow::sleep(std::chrono::milliseconds(50 + 50 * (n % 4)));
    if (has_child(n)) {
      auto child = stead::workflow::execute_child_workflow<std::string>(
          "ChaosChild", {.id = stead::workflow::info().workflow_id + "-child"}, n);
      r += "+" + co_await child;
    }
    auto ready = [this] { return signals_ > 0 && bumps_ > 0; };
    auto wait = stead::workflow::wait_condition(ready);
    co_await wait;
    co_return r + "|signals=" + std::to_string(signals_) + "|bumps=" + std::to_string(bumps_);
  }
  // The driver sends one signal, retried with the same token until acknowledged. A retry of a
  // signal that was recorded but not answered before a kill arrives twice (the SDK gives each
  // call a fresh request id), so repeats of a token count once.
  void go(std::string token) {
    if (token != last_token_) ++signals_;
    last_token_ = std::move(token);
  }
  int bump() { return ++bumps_; }
  static void handlers(stead::WorkflowHandlers<ChaosWorkflow>& h) {
    h.signal("go", &ChaosWorkflow::go).update("bump", &ChaosWorkflow::bump);
  }

 private:
  int signals_ = 0;
  int bumps_ = 0;
  std::string last_token_;
};

// The activity: appends "workflow_id activity_id attempt" to the attempt log (one write with
// O_APPEND, so lines from several worker processes never interleave), then fails or succeeds.
inline std::string chaos_step(stead::ActivityContext& ctx, int n, const std::string& attempt_log) {
  const auto& info = ctx.info();
  std::string line = info.workflow_id + " " + info.activity_id + " " + std::to_string(info.attempt) + "\n";
  int fd = ::open(attempt_log.c_str(), O_WRONLY | O_APPEND | O_CREAT, 0644);
  if (fd >= 0) {
    ssize_t written = ::write(fd, line.data(), line.size());
    (void)written;
    ::close(fd);
  }
  if (info.attempt == 1 && fails_first_attempt(n))
    throw stead::ApplicationError("first attempt fails", {.type = "ChaosFirstAttempt"});
  return "step-" + std::to_string(n);
}

}  // namespace chaos
