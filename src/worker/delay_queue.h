// DelayQueue: runs closures at a steady-clock time point on one timer thread — heartbeat
// flushes at the end of a throttle interval, local activity deadlines, poll back-off.
//
// Callbacks run one at a time on the timer thread and must not block. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <utility>

namespace stead::worker {

class DelayQueue {
 public:
  using Clock = std::chrono::steady_clock;
  using Id = uint64_t;  // 0 is never an id

  DelayQueue();
  ~DelayQueue();  // shutdown()
  DelayQueue(const DelayQueue&) = delete;
  DelayQueue& operator=(const DelayQueue&) = delete;

  // Runs `fn` at `at` (at once if it is past). Returns 0, dropping `fn`, after shutdown().
  Id schedule(Clock::time_point at, std::function<void()> fn);
  // Drops a callback that has not started. False if it already ran, runs, or is unknown.
  bool cancel(Id id);
  // Drops every pending callback and joins the thread. Idempotent; not from a callback.
  void shutdown();

 private:
  void run();

  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::pair<Clock::time_point, Id>, std::function<void()>> pending_;  // guarded by mu_
  std::map<Id, Clock::time_point> when_;                                        // guarded by mu_
  Id next_id_ = 1;                                                              // guarded by mu_
  bool stopping_ = false;                                                       // guarded by mu_
  std::thread thread_;
};

}  // namespace stead::worker
