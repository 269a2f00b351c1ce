// SkippingClock: the virtual clock of a time-skipping server (`stead server start-test`,
// stead::testing::WorkflowEnvironment::start_time_skipping), with the semantics of
// Temporal's Java test server:
//
// - Time always moves at least at wall-clock pace: now() = wall clock + an offset that only
//   grows.
// - A lock counter (TestService LockTimeSkipping / UnlockTimeSkipping) starts at
//   `initial_locks` (1, as the SDKs' test environments expect: their clients unlock while
//   they wait for a result). While it is positive, time only moves with the wall clock.
// - Holds (Clock::hold) count work in flight: a workflow or activity task outstanding, a
//   state change whose effects are not applied yet. The engine takes them; users do not.
// - try_skip_to(deadline) jumps the offset so that now() == deadline, only when the lock
//   counter and the holds are both zero. The durable TimerQueue calls it for its earliest
//   deadline, so time jumps from deadline to deadline while the system is idle.
// - When the last lock or hold goes away, the waker runs (it pokes the TimerQueue), outside
//   the clock's mutex. A hold must not be released while the TimerQueue's lock is held.
//
// Thread-safe.
#pragma once

#include <functional>
#include <mutex>

#include "server/timers/clock.h"

namespace stead::server::timers {

class SkippingClock final : public Clock {
 public:
  explicit SkippingClock(int initial_locks = 1) : locks_(initial_locks) {}

  TimePoint now() const override { return std::chrono::system_clock::now() + Duration(offset_.load()); }
  ClockHold hold() const override;
  bool try_skip_to(TimePoint deadline) const override;
  bool can_skip() const override;
  bool skips_time() const override { return true; }

  void lock();
  // False (and no change) when the counter is already zero: an unbalanced unlock.
  bool unlock();
  int locks() const;
  int holds() const;

  // Set once, before the clock is shared.
  void set_waker(std::function<void()> waker) { waker_ = std::move(waker); }

 private:
  void release() const;
  void wake_if_free(bool free) const;

  mutable std::mutex mu_;
  int locks_;              // guarded by mu_
  mutable int holds_ = 0;  // guarded by mu_
  mutable std::atomic<Duration::rep> offset_{0};
  std::function<void()> waker_;
};

}  // namespace stead::server::timers
