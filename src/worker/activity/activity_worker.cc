// ActivityWorker: polling, slots, running attempts, heartbeats and reporting.
//
// Threads: gRPC completion threads (the core's) run poll, heartbeat and respond callbacks;
// they never block, so anything that runs user code goes to the pool. The timer thread
// (DelayQueue) runs heartbeat flushes, deadlines and poll back-off. Everything shared lives
// in State, which callbacks keep alive with a shared_ptr: a callback may arrive after the
// ActivityWorker object is gone (a poll in flight at shutdown).
#include "worker/activity/activity_worker.h"

#include <algorithm>
#include <condition_variable>
#include <coroutine>
#include <exception>
#include <map>
#include <set>
#include <stdexcept>

#include "client/client_core.h"
#include "common/log.h"
#include "stead/sync_wait.h"
#include "worker/activity/activity_task.h"
#include "worker/delay_queue.h"
#include "worker/activity/heartbeat_throttler.h"
#include "worker/thread_pool.h"

namespace stead::worker {

namespace enums = temporal::api::enums::v1;
using Clock = std::chrono::steady_clock;
using detail::Stub;

namespace {

constexpr std::chrono::milliseconds kInitialPollBackoff{200};
constexpr std::chrono::seconds kMaxPollBackoff{10};

// A coroutine nobody awaits: runs until its first suspension on the calling thread and frees
// itself when it finishes. Drives an attempt's Task to its end without holding a thread.
struct Detached {
  struct promise_type {
    Detached get_return_object() noexcept { return {}; }
    std::suspend_never initial_suspend() noexcept { return {}; }
    std::suspend_never final_suspend() noexcept { return {}; }
    void return_void() noexcept {}
    void unhandled_exception() noexcept { std::terminate(); }  // the body below cannot throw
  };
};

void copy_payloads(const std::vector<Payload>& from, temporal::api::common::v1::Payloads* to) {
  for (const auto& p : from) *to->add_payloads() = p;
}

}  // namespace

// One attempt from poll to report.
struct Attempt {
  uint64_t id = 0;
  wsv1::PollActivityTaskQueueResponse task;
  std::shared_ptr<ActivityCancellation> cancellation = std::make_shared<ActivityCancellation>();
  // Set on the pool thread before the activity runs; read after it finished.
  std::unique_ptr<ActivityContext> context;
  Task<Payload> run;
  DelayQueue::Id deadline_timer = 0;

  std::mutex mu;
  std::unique_ptr<HeartbeatThrottler> throttler;  // guarded by mu
  bool finished = false;                          // guarded by mu: heartbeats are dropped after it

  std::string describe() const {
    return "activity " + task.activity_type().name() + " (id " + task.activity_id() + ", workflow " +
           task.workflow_execution().workflow_id() + ", attempt " + std::to_string(task.attempt()) + ")";
  }
};

class ActivityWorker::State : public std::enable_shared_from_this<State> {
 public:
  State(std::shared_ptr<detail::ClientCore> core, ActivityWorkerOptions options,
        std::shared_ptr<const ActivityRegistry> registry)
      : core_(std::move(core)),
        options_(std::move(options)),
        registry_(std::move(registry)),
        identity_(options_.identity.empty() ? core_->identity() : options_.identity),
        pool_(static_cast<std::size_t>(options_.max_concurrent_activities)),
        free_slots_(options_.max_concurrent_activities) {}

  const ActivityWorkerOptions& options() const { return options_; }

  void start() {
    {
      std::lock_guard lock(mu_);
      if (phase_ != Phase::kIdle) throw std::logic_error("ActivityWorker::start: already started or shut down");
      phase_ = Phase::kRunning;
    }
    maybe_poll();
  }

  void initiate_shutdown() {
    std::vector<std::shared_ptr<Attempt>> running;
    {
      std::lock_guard lock(mu_);
      if (phase_ == Phase::kIdle || phase_ == Phase::kRunning) phase_ = Phase::kDraining;
      for (auto& [id, attempt] : running_) running.push_back(attempt);
    }
    for (auto& attempt : running) attempt->cancellation->notify_worker_shutdown();
    // Ends the waiting long polls now rather than at the server's poll timeout.
    std::vector<std::shared_ptr<detail::CallCanceller>> polls;
    {
      std::lock_guard lock(mu_);
      polls.assign(poll_cancellers_.begin(), poll_cancellers_.end());
    }
    for (auto& canceller : polls) canceller->cancel();
  }

  void shutdown(std::chrono::nanoseconds grace) {
    initiate_shutdown();
    std::unique_lock lock(mu_);
    if (phase_ == Phase::kStopped) return;
    cv_.wait_for(lock, grace, [this] { return running_.empty(); });
    if (!running_.empty()) {
      grace_over_ = true;
      std::vector<std::shared_ptr<Attempt>> running;
      for (auto& [id, attempt] : running_) running.push_back(attempt);
      lock.unlock();
      for (auto& attempt : running) attempt->cancellation->cancel(ActivityCancelReason::kWorkerShutdown);
      lock.lock();
    }
    cv_.wait(lock, [this] { return running_.empty(); });
    phase_ = Phase::kStopped;
    lock.unlock();
    // Nothing runs any more; late poll answers only send a failure (on_poll).
    timers_.shutdown();
    pool_.shutdown();
  }

  std::size_t running() const {
    std::lock_guard lock(mu_);
    return running_.size();
  }

 private:
  enum class Phase { kIdle, kRunning, kDraining, kStopped };

  // ---- Polling

  // Issues polls while a poller and a slot are free.
  void maybe_poll() {
    int n = 0;
    {
      std::lock_guard lock(mu_);
      while (phase_ == Phase::kRunning && polls_ < options_.pollers && free_slots_ > 0) {
        --free_slots_;
        ++polls_;
        ++n;
      }
    }
    for (int i = 0; i < n; ++i) poll();
  }

  // Starts one poll for a poller that holds a slot (now, or when the rate limit allows).
  void poll() {
    if (options_.max_activities_per_second > 0) {
      auto spacing = std::chrono::duration_cast<Clock::duration>(
          std::chrono::duration<double>(1.0 / options_.max_activities_per_second));
      Clock::time_point at;
      {
        std::lock_guard lock(mu_);
        at = std::max(Clock::now(), next_poll_at_);
        next_poll_at_ = at + spacing;
      }
      if (at > Clock::now()) return poll_later(at);
    }
    wsv1::PollActivityTaskQueueRequest request;
    request.set_namespace_(core_->ns());
    request.mutable_task_queue()->set_name(options_.task_queue);
    request.mutable_task_queue()->set_kind(enums::TASK_QUEUE_KIND_NORMAL);
    request.set_identity(identity_);
    auto self = shared_from_this();
    auto canceller = std::make_shared<detail::CallCanceller>();
    {
      std::lock_guard lock(mu_);
      if (phase_ != Phase::kRunning) canceller->cancel();
      poll_cancellers_.insert(canceller);
    }
    core_->call<wsv1::PollActivityTaskQueueRequest, wsv1::PollActivityTaskQueueResponse>(
        &Stub::PrepareAsyncPollActivityTaskQueue, std::move(request), detail::kLongPollTimeout,
        [self, canceller](grpc::Status status, wsv1::PollActivityTaskQueueResponse response) {
          {
            std::lock_guard lock(self->mu_);
            self->poll_cancellers_.erase(canceller);
          }
          self->on_poll(std::move(status), std::move(response));
        },
        canceller);
  }

  void poll_later(Clock::time_point at) {
    std::weak_ptr<State> weak = weak_from_this();
    auto id = timers_.schedule(at, [weak] {
      if (auto self = weak.lock()) self->resume_poller();
    });
    if (id == 0) release_poller();  // shut down meanwhile
  }

  // A poller's back-off or rate-limit wait ended.
  void resume_poller() {
    {
      std::lock_guard lock(mu_);
      if (phase_ != Phase::kRunning) {
        --polls_;
        ++free_slots_;
        cv_.notify_all();
        return;
      }
    }
    poll();
  }

  void release_poller() {
    std::lock_guard lock(mu_);
    --polls_;
    ++free_slots_;
    cv_.notify_all();
  }

  // On a completion thread.
  void on_poll(grpc::Status status, wsv1::PollActivityTaskQueueResponse response) {
    const bool timed_out = status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED;
    if (!status.ok() && !timed_out) {
      std::chrono::nanoseconds backoff;
      {
        std::lock_guard lock(mu_);
        if (phase_ != Phase::kRunning) {
          --polls_;
          ++free_slots_;
          cv_.notify_all();
          return;
        }
        backoff = backoff_ = backoff_ == std::chrono::nanoseconds::zero()
                                 ? std::chrono::nanoseconds(kInitialPollBackoff)
                                 : std::min<std::chrono::nanoseconds>(backoff_ * 2, kMaxPollBackoff);
      }
      STEAD_LOG(kWarn) << "activity worker (task queue " << options_.task_queue
                       << "): PollActivityTaskQueue failed: " << status.error_code() << " "
                       << status.error_message() << "; polling again in "
                       << std::chrono::duration_cast<std::chrono::milliseconds>(backoff).count() << " ms";
      return poll_later(Clock::now() + backoff);
    }

    std::shared_ptr<Attempt> attempt;
    bool stopped = false;
    {
      std::lock_guard lock(mu_);
      backoff_ = std::chrono::nanoseconds::zero();
      if (timed_out || response.task_token().empty()) {  // the poll expired: poll again
        if (phase_ == Phase::kRunning) {
          // Keeps its slot and poller; poll() is called below, outside the lock.
        } else {
          --polls_;
          ++free_slots_;
          cv_.notify_all();
          return;
        }
      } else {
        --polls_;
        if (phase_ == Phase::kStopped) {
          ++free_slots_;
          stopped = true;
        } else {
          attempt = std::make_shared<Attempt>();
          attempt->id = next_attempt_id_++;
          attempt->task = std::move(response);
          if (phase_ == Phase::kDraining) attempt->cancellation->notify_worker_shutdown();
          if (grace_over_) attempt->cancellation->cancel(ActivityCancelReason::kWorkerShutdown);
          running_.emplace(attempt->id, attempt);
        }
      }
    }
    if (stopped) return fail_after_shutdown(std::move(response));
    if (!attempt) return poll();
    maybe_poll();  // this poller's slot went to the task; another poller may start
    auto self = shared_from_this();
    if (!pool_.post([self, attempt] { self->run_attempt(attempt); })) {
      // Unreachable: the pool stops only after every attempt finished (kStopped).
      report(attempt, failed_outcome(std::make_exception_ptr(ApplicationError("Worker shutdown",
                                                                              {.type = kWorkerShutdownErrorType})),
                                     ActivityCancelReason::kNone, core_->converter()));
    }
  }

  // A task delivered by a poll that was in flight when shutdown() finished: nothing may run.
  void fail_after_shutdown(wsv1::PollActivityTaskQueueResponse task) {
    wsv1::RespondActivityTaskFailedRequest request;
    request.set_namespace_(core_->ns());
    request.set_task_token(task.task_token());
    request.set_identity(identity_);
    *request.mutable_failure() =
        failed_outcome(std::make_exception_ptr(ApplicationError("Worker shutdown", {.type = kWorkerShutdownErrorType})),
                       ActivityCancelReason::kNone, core_->converter())
            .failure;
    std::string what = "activity " + task.activity_type().name() + " (id " + task.activity_id() + ")";
    core_->call<wsv1::RespondActivityTaskFailedRequest, wsv1::RespondActivityTaskFailedResponse>(
        &Stub::PrepareAsyncRespondActivityTaskFailed, std::move(request), core_->rpc_timeout(),
        [what](grpc::Status status, wsv1::RespondActivityTaskFailedResponse) {
          if (!status.ok())
            STEAD_LOG(kWarn) << "activity worker: failing " << what
                             << " after shutdown: RespondActivityTaskFailed: " << status.error_message();
        });
  }

  // ---- Running an attempt (on a pool thread)

  void run_attempt(std::shared_ptr<Attempt> attempt) {
    const DataConverter& converter = core_->converter();
    std::shared_ptr<const ActivityDefinition> definition;
    try {
      ActivityInfo info = activity_info_from(attempt->task, options_.task_queue, converter);
      auto interval = heartbeat_throttle_interval(info.heartbeat_timeout, options_.default_heartbeat_throttle_interval,
                                                  options_.max_heartbeat_throttle_interval);
      {
        std::lock_guard lock(attempt->mu);
        attempt->throttler = std::make_unique<HeartbeatThrottler>(interval);
      }
      std::weak_ptr<State> weak_self = weak_from_this();
      std::weak_ptr<Attempt> weak_attempt = attempt;
      auto sink = [weak_self, weak_attempt](std::vector<Payload> details) {
        auto self = weak_self.lock();
        auto a = weak_attempt.lock();
        if (self && a) self->on_heartbeat(a, std::move(details));
      };
      arm_deadline(attempt, info);
      attempt->context = std::make_unique<ActivityContext>(std::move(info), converter, attempt->cancellation,
                                                           std::move(sink));
      definition = registry_->find(attempt->task.activity_type().name());
      if (!definition) throw registry_->not_found_error(attempt->task.activity_type().name());
    } catch (...) {
      return finish(attempt, failed_outcome(std::current_exception(), ActivityCancelReason::kNone, converter));
    }
    const auto& payloads = attempt->task.input().payloads();
    attempt->run = definition->invoke(*attempt->context, std::vector<Payload>(payloads.begin(), payloads.end()));
    drive(shared_from_this(), attempt, std::move(definition));
  }

  // Awaits the attempt's Task: a synchronous activity runs inline here; a coroutine runs
  // until it suspends, and this frame then finishes on the thread that completes it.
  // Parameters by value (g++ 12 rule); `definition` outlives the Task.
  static Detached drive(std::shared_ptr<State> self, std::shared_ptr<Attempt> attempt,
                        std::shared_ptr<const ActivityDefinition> definition) {
    auto ready = attempt->run.when_ready();
    co_await ready;
    self->on_attempt_done(attempt);
  }

  void on_attempt_done(const std::shared_ptr<Attempt>& attempt) {
    ActivityOutcome outcome;
    try {
      outcome = completed_outcome(detail::TaskAccess::take_result(attempt->run));
    } catch (...) {
      outcome = failed_outcome(std::current_exception(), attempt->cancellation->reason(), core_->converter());
    }
    finish(attempt, std::move(outcome));
  }

  // Called once per attempt, when its outcome is known.
  void finish(const std::shared_ptr<Attempt>& attempt, ActivityOutcome outcome) {
    {
      std::lock_guard lock(attempt->mu);
      attempt->finished = true;
    }
    if (attempt->deadline_timer) timers_.cancel(attempt->deadline_timer);
    report(attempt, std::move(outcome));
  }

  // The worker's own deadline for the attempt: the server times it out then anyway, and a
  // cancelled context lets the activity stop instead of working for nothing.
  void arm_deadline(const std::shared_ptr<Attempt>& attempt, const ActivityInfo& info) {
    std::optional<Clock::time_point> deadline;
    auto now = Clock::now();
    if (info.start_to_close_timeout > std::chrono::nanoseconds::zero())
      deadline = now + std::chrono::duration_cast<Clock::duration>(info.start_to_close_timeout);
    if (info.schedule_to_close_timeout > std::chrono::nanoseconds::zero() &&
        info.scheduled_time.time_since_epoch().count() != 0) {
      auto left = info.scheduled_time + info.schedule_to_close_timeout - std::chrono::system_clock::now();
      auto at = now + std::chrono::duration_cast<Clock::duration>(left);
      if (!deadline || at < *deadline) deadline = at;
    }
    if (!deadline) return;
    std::weak_ptr<ActivityCancellation> weak = attempt->cancellation;
    attempt->deadline_timer = timers_.schedule(*deadline, [weak] {
      if (auto c = weak.lock()) c->cancel(ActivityCancelReason::kTimedOut);
    });
  }

  // ---- Heartbeats

  void on_heartbeat(const std::shared_ptr<Attempt>& attempt, std::vector<Payload> details) {
    HeartbeatThrottler::Action action;
    {
      std::lock_guard lock(attempt->mu);
      if (attempt->finished || !attempt->throttler) return;
      action = attempt->throttler->heartbeat(std::move(details), Clock::now());
    }
    perform(attempt, std::move(action));
  }

  void perform(const std::shared_ptr<Attempt>& attempt, HeartbeatThrottler::Action action) {
    if (action.wake_at) {
      std::weak_ptr<State> weak_self = weak_from_this();
      std::weak_ptr<Attempt> weak_attempt = attempt;
      timers_.schedule(*action.wake_at, [weak_self, weak_attempt] {
        auto self = weak_self.lock();
        auto a = weak_attempt.lock();
        if (!self || !a) return;
        HeartbeatThrottler::Action next;
        {
          std::lock_guard lock(a->mu);
          if (a->finished) return;
          next = a->throttler->on_timer(Clock::now());
        }
        self->perform(a, std::move(next));
      });
    }
    if (action.send) send_heartbeat(attempt, std::move(*action.send));
  }

  void send_heartbeat(const std::shared_ptr<Attempt>& attempt, std::vector<Payload> details) {
    wsv1::RecordActivityTaskHeartbeatRequest request;
    request.set_namespace_(core_->ns());
    request.set_task_token(attempt->task.task_token());
    request.set_identity(identity_);
    copy_payloads(details, request.mutable_details());
    auto self = shared_from_this();
    core_->call<wsv1::RecordActivityTaskHeartbeatRequest, wsv1::RecordActivityTaskHeartbeatResponse>(
        &Stub::PrepareAsyncRecordActivityTaskHeartbeat, std::move(request), core_->rpc_timeout(),
        [self, attempt](grpc::Status status, wsv1::RecordActivityTaskHeartbeatResponse response) {
          self->on_heartbeat_answer(attempt, status, response);
        });
  }

  // On a completion thread.
  void on_heartbeat_answer(const std::shared_ptr<Attempt>& attempt, const grpc::Status& status,
                           const wsv1::RecordActivityTaskHeartbeatResponse& response) {
    auto& cancellation = *attempt->cancellation;
    if (status.ok()) {
      if (response.cancel_requested()) {
        cancellation.cancel(ActivityCancelReason::kCancelRequested);
      } else if (response.activity_paused()) {
        cancellation.cancel(ActivityCancelReason::kPaused);
      } else if (response.activity_reset()) {
        cancellation.cancel(ActivityCancelReason::kReset);
      }
    } else if (status.error_code() == grpc::StatusCode::NOT_FOUND) {
      cancellation.cancel(ActivityCancelReason::kNotFound);
    } else {
      STEAD_LOG(kWarn) << "activity worker: heartbeat of " << attempt->describe()
                       << " failed: " << status.error_code() << " " << status.error_message();
    }
    HeartbeatThrottler::Action next;
    {
      std::lock_guard lock(attempt->mu);
      if (attempt->finished) return;
      next = attempt->throttler->on_sent(Clock::now());
    }
    perform(attempt, std::move(next));
  }

  // ---- Reporting

  void report(const std::shared_ptr<Attempt>& attempt, ActivityOutcome outcome) {
    auto self = shared_from_this();
    auto done = [self, attempt](const char* rpc, const grpc::Status& status) {
      if (!status.ok()) {
        // NOT_FOUND: the attempt timed out, was cancelled or the run closed; the server
        // already moved on, so this is expected rather than alarming.
        if (status.error_code() == grpc::StatusCode::NOT_FOUND) {
          STEAD_LOG(kInfo) << "activity worker: " << rpc << " for " << attempt->describe()
                           << ": the server no longer knows the attempt (" << status.error_message() << ")";
        } else {
          STEAD_LOG(kWarn) << "activity worker: " << rpc << " for " << attempt->describe()
                           << " failed: " << status.error_code() << " " << status.error_message();
        }
      }
      self->release(attempt);
    };
    const std::string& token = attempt->task.task_token();
    switch (outcome.kind) {
      case ActivityOutcome::Kind::kCompleted: {
        wsv1::RespondActivityTaskCompletedRequest request;
        request.set_namespace_(core_->ns());
        request.set_task_token(token);
        request.set_identity(identity_);
        *request.mutable_result()->add_payloads() = std::move(outcome.result);
        core_->call<wsv1::RespondActivityTaskCompletedRequest, wsv1::RespondActivityTaskCompletedResponse>(
            &Stub::PrepareAsyncRespondActivityTaskCompleted, std::move(request), core_->rpc_timeout(),
            [done](grpc::Status status, wsv1::RespondActivityTaskCompletedResponse) {
              done("RespondActivityTaskCompleted", status);
            });
        return;
      }
      case ActivityOutcome::Kind::kFailed: {
        wsv1::RespondActivityTaskFailedRequest request;
        request.set_namespace_(core_->ns());
        request.set_task_token(token);
        request.set_identity(identity_);
        *request.mutable_failure() = std::move(outcome.failure);
        // The latest details, even if throttling held them back: the next attempt sees them.
        if (attempt->context) {
          if (auto latest = attempt->context->latest_heartbeat_details())
            copy_payloads(*latest, request.mutable_last_heartbeat_details());
        }
        core_->call<wsv1::RespondActivityTaskFailedRequest, wsv1::RespondActivityTaskFailedResponse>(
            &Stub::PrepareAsyncRespondActivityTaskFailed, std::move(request), core_->rpc_timeout(),
            [done](grpc::Status status, wsv1::RespondActivityTaskFailedResponse) {
              done("RespondActivityTaskFailed", status);
            });
        return;
      }
      case ActivityOutcome::Kind::kCanceled: {
        wsv1::RespondActivityTaskCanceledRequest request;
        request.set_namespace_(core_->ns());
        request.set_task_token(token);
        request.set_identity(identity_);
        copy_payloads(outcome.details, request.mutable_details());
        core_->call<wsv1::RespondActivityTaskCanceledRequest, wsv1::RespondActivityTaskCanceledResponse>(
            &Stub::PrepareAsyncRespondActivityTaskCanceled, std::move(request), core_->rpc_timeout(),
            [done](grpc::Status status, wsv1::RespondActivityTaskCanceledResponse) {
              done("RespondActivityTaskCanceled", status);
            });
        return;
      }
    }
  }

  // The attempt is over and reported: its slot is free again.
  void release(const std::shared_ptr<Attempt>& attempt) {
    {
      std::lock_guard lock(mu_);
      running_.erase(attempt->id);
      ++free_slots_;
      cv_.notify_all();
    }
    maybe_poll();
  }

  const std::shared_ptr<detail::ClientCore> core_;
  const ActivityWorkerOptions options_;
  const std::shared_ptr<const ActivityRegistry> registry_;
  const std::string identity_;
  ThreadPool pool_;
  DelayQueue timers_;

  mutable std::mutex mu_;
  std::set<std::shared_ptr<detail::CallCanceller>> poll_cancellers_;  // waiting polls, guarded by mu_
  std::condition_variable cv_;
  Phase phase_ = Phase::kIdle;                                // guarded by mu_
  bool grace_over_ = false;                                   // guarded by mu_
  int free_slots_;                                            // guarded by mu_
  int polls_ = 0;                                             // guarded by mu_: pollers holding a slot
  std::chrono::nanoseconds backoff_{0};                       // guarded by mu_
  Clock::time_point next_poll_at_{};                          // guarded by mu_
  uint64_t next_attempt_id_ = 1;                              // guarded by mu_
  std::map<uint64_t, std::shared_ptr<Attempt>> running_;      // guarded by mu_
};

ActivityWorker::ActivityWorker(std::shared_ptr<detail::ClientCore> core, ActivityWorkerOptions options,
                               std::shared_ptr<const ActivityRegistry> activities) {
  if (!core) throw std::invalid_argument("ActivityWorker: null client core");
  if (!activities) throw std::invalid_argument("ActivityWorker: null activity registry");
  if (options.task_queue.empty()) throw std::invalid_argument("ActivityWorker: task_queue is empty");
  if (options.max_concurrent_activities <= 0)
    throw std::invalid_argument("ActivityWorker: max_concurrent_activities must be positive");
  if (options.pollers <= 0) throw std::invalid_argument("ActivityWorker: pollers must be positive");
  if (options.max_activities_per_second < 0)
    throw std::invalid_argument("ActivityWorker: max_activities_per_second must not be negative");
  state_ = std::make_shared<State>(std::move(core), std::move(options), std::move(activities));
}

ActivityWorker::~ActivityWorker() { shutdown(std::chrono::nanoseconds::zero()); }

void ActivityWorker::start() { state_->start(); }

void ActivityWorker::initiate_shutdown() { state_->initiate_shutdown(); }

void ActivityWorker::shutdown(std::chrono::nanoseconds grace) {
  std::lock_guard lock(shutdown_mu_);
  state_->shutdown(grace);
}

std::size_t ActivityWorker::running() const { return state_->running(); }

const ActivityWorkerOptions& ActivityWorker::options() const { return state_->options(); }

}  // namespace stead::worker
