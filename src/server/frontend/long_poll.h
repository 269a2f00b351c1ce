// LongPoll: one PollWorkflowTaskQueue / PollActivityTaskQueue call.
//
// Waits in matching (no thread held) until a task arrives or the poll expires about a second
// before the caller's deadline (temporal-protocol.md §1.4). A task handed out by matching is
// recorded as started by history; if history says it is stale, the poll goes back to
// matching with the same expiry. A client cancel abandons the wait.
#pragma once

#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>

#include "server/frontend/rpc_router.h"
#include "server/matching/matching.h"

namespace stead::server::frontend {

template <class Request, class Response>
class LongPoll : public std::enable_shared_from_this<LongPoll<Request, Response>> {
 public:
  // Records a matched task as started; replies the poll response or NOT_FOUND when stale.
  using RecordStarted =
      std::function<void(const matching::TaskRef&, const Request&, std::function<void(Status, Response)>)>;

  LongPoll(matching::Matching& matching, matching::QueueKey key, Request request, TimePoint expire_at,
           Responder<Response> responder, RecordStarted record_started)
      : matching_(matching),
        key_(std::move(key)),
        request_(std::move(request)),
        expire_at_(expire_at),
        responder_(std::move(responder)),
        record_started_(std::move(record_started)) {}

  // Time at which a poll with this deadline answers empty: a second early, at most a minute.
  static TimePoint expiry_for(TimePoint deadline) {
    auto now = std::chrono::system_clock::now();
    auto budget = deadline - now;
    auto wait = budget > std::chrono::seconds(2) ? budget - std::chrono::seconds(1) : budget / 2;
    return now + std::min<std::chrono::system_clock::duration>(wait, std::chrono::seconds(60));
  }

  void start() {
    auto self = this->shared_from_this();
    responder_.on_cancel([self] { self->cancel(); });
    poll_once();
  }

 private:
  void poll_once() {
    uint64_t generation;
    {
      std::lock_guard lock(mu_);
      if (cancelled_ || std::chrono::system_clock::now() >= expire_at_) {
        generation = 0;
      } else {
        generation = ++generation_;
      }
    }
    if (generation == 0) return responder_.ok(Response{});
    auto self = this->shared_from_this();
    auto id = matching_.poll(key_, expire_at_, request_.identity(),
                             [self](std::optional<matching::TaskRef> task) { self->on_task(std::move(task)); });
    std::lock_guard lock(mu_);
    if (generation_ == generation) poll_id_ = id;  // a nested re-poll may already have replaced it
  }

  void on_task(std::optional<matching::TaskRef> task) {
    if (!task) return responder_.ok(Response{});
    auto self = this->shared_from_this();
    record_started_(*task, request_, [self](Status status, Response response) {
      if (status.ok()) return self->responder_.ok(response);
      if (status.code() == StatusCode::kNotFound) return self->poll_once();  // stale task: keep waiting
      self->responder_.fail(status);
    });
  }

  void cancel() {
    matching::Matching::PollId id;
    {
      std::lock_guard lock(mu_);
      cancelled_ = true;
      id = poll_id_;
    }
    if (id) matching_.cancel_poll(id);
  }

  matching::Matching& matching_;
  const matching::QueueKey key_;
  const Request request_;
  const TimePoint expire_at_;
  Responder<Response> responder_;
  RecordStarted record_started_;

  std::mutex mu_;
  uint64_t generation_ = 0;              // guarded by mu_
  matching::Matching::PollId poll_id_ = 0;  // guarded by mu_
  bool cancelled_ = false;                // guarded by mu_
};

}  // namespace stead::server::frontend
