#include "server/timers/timer_queue.h"

namespace stead::server::timers {

TimerQueue::TimerQueue(const Clock& clock) : clock_(clock), thread_([this] { run(); }) {}

TimerQueue::~TimerQueue() { stop(); }

TimerQueue::TimerId TimerQueue::schedule(TimePoint deadline, Callback callback, Probe still_needed) {
  std::lock_guard lock(mu_);
  TimerId id{deadline, next_seq_++};
  bool earliest = timers_.empty() || std::make_pair(deadline, id.seq) < timers_.begin()->first;
  timers_.emplace(std::make_pair(deadline, id.seq), Timer{std::move(callback), std::move(still_needed)});
  if (earliest) cv_.notify_one();
  return id;
}

bool TimerQueue::cancel(const TimerId& id) {
  if (!id.valid()) return false;
  std::lock_guard lock(mu_);
  return timers_.erase(std::make_pair(id.deadline, id.seq)) > 0;
}

void TimerQueue::poke() {
  std::lock_guard lock(mu_);
  cv_.notify_one();
}

size_t TimerQueue::size() const {
  std::lock_guard lock(mu_);
  return timers_.size();
}

void TimerQueue::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
    timers_.clear();
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void TimerQueue::run() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    if (timers_.empty()) {
      cv_.wait(lock);
      continue;
    }
    auto it = timers_.begin();
    TimePoint now = clock_.now();
    if (it->first.first > now) {
      // Under time skipping an idle system jumps straight to its next deadline, unless that
      // timer no longer matters (the probe takes other locks: ask it without ours).
      if (it->second.still_needed && clock_.can_skip()) {
        auto key = it->first;
        Probe probe = it->second.still_needed;
        lock.unlock();
        const bool needed = probe();
        lock.lock();
        if (!needed) {
          timers_.erase(key);
          continue;
        }
        it = timers_.begin();
        if (it == timers_.end() || it->first != key) continue;  // changed meanwhile: look again
      }
      if (clock_.try_skip_to(it->first.first)) continue;
      // Wait in real time for the clock's remaining distance; a poke re-evaluates early.
      auto wait = it->first.first - now;
      cv_.wait_for(lock, std::min<Duration>(wait, std::chrono::seconds(1)));
      continue;
    }
    Callback callback = std::move(it->second.callback);
    timers_.erase(it);
    lock.unlock();
    callback();
    lock.lock();
  }
}

}  // namespace stead::server::timers
