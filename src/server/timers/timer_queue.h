// TimerQueue: runs callbacks at deadlines measured on a Clock, on one dedicated thread.
//
// - Callbacks run in deadline order (FIFO among equal deadlines), outside the queue's lock,
//   so a callback may schedule or cancel timers. They should be short: hand real work off.
// - cancel() of a timer whose callback has started returns false and does not wait for it.
// - The queue holds no durable state: owners persist deadlines and re-schedule them at start.
// - stop() drops pending timers and joins the thread; the destructor calls it.
// - On a clock that skips time (SkippingClock), the earliest deadline is reached by a jump
//   whenever the clock allows one; the clock's waker must poke() the queue. Before jumping,
//   the queue asks the timer's `still_needed` probe (when it has one), outside its lock; a
//   timer that is no longer needed is dropped instead, so time never jumps to a deadline
//   that has become irrelevant (e.g. the timeout of a task that has completed).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include "server/timers/clock.h"

namespace stead::server::timers {

class TimerQueue {
 public:
  using Callback = std::function<void()>;
  // False once the timer's firing would change nothing (and never true again).
  using Probe = std::function<bool()>;
  struct TimerId {
    TimePoint deadline{};
    uint64_t seq = 0;  // 0 = no timer
    bool valid() const { return seq != 0; }
  };

  explicit TimerQueue(const Clock& clock);
  ~TimerQueue();
  TimerQueue(const TimerQueue&) = delete;
  TimerQueue& operator=(const TimerQueue&) = delete;

  TimerId schedule(TimePoint deadline, Callback callback, Probe still_needed = nullptr);
  bool cancel(const TimerId& id);
  // Re-evaluates the earliest deadline (after a virtual clock jumped).
  void poke();
  void stop();
  size_t size() const;

 private:
  void run();

  const Clock& clock_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  struct Timer {
    Callback callback;
    Probe still_needed;
  };
  std::map<std::pair<TimePoint, uint64_t>, Timer> timers_;  // guarded by mu_
  uint64_t next_seq_ = 1;                                      // guarded by mu_
  bool stopping_ = false;                                      // guarded by mu_
  std::thread thread_;
};

}  // namespace stead::server::timers
