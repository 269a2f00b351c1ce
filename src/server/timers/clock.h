// Clock: the server's notion of "now". Every durable deadline goes through it, so the same
// engine runs on wall-clock time or on virtual time (time skipping, tests).
#pragma once

#include <atomic>
#include <chrono>
#include <memory>

#include "common/time_util.h"

namespace stead::server::timers {

// A reason the clock must not jump ahead (time skipping): work in flight whose effects are
// not applied yet, a workflow or activity task a worker has to run. Copies share one hold;
// it ends when the last copy is destroyed. Null on clocks that never jump.
using ClockHold = std::shared_ptr<void>;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
  // Keeps now() from jumping while the returned hold lives. Thread-safe.
  virtual ClockHold hold() const { return nullptr; }
  // Moves now() forward to `deadline` at once when nothing holds the clock and time
  // skipping is unlocked; returns whether it did (or now() is already there).
  virtual bool try_skip_to(TimePoint /*deadline*/) const { return false; }
  // Whether try_skip_to would jump now (a hint: it may change at once).
  virtual bool can_skip() const { return false; }
  // Whether this clock ever jumps: holds and skip probes are only worth their cost then.
  virtual bool skips_time() const { return false; }
};

class RealClock final : public Clock {
 public:
  TimePoint now() const override { return std::chrono::system_clock::now(); }
};

// Wall-clock time shifted by a settable offset; advance() moves "now" forward at once.
// Thread-safe. Owners of timer queues must poke() them after advancing.
class OffsetClock final : public Clock {
 public:
  TimePoint now() const override { return std::chrono::system_clock::now() + Duration(offset_.load()); }
  void advance(Duration d) { offset_ += d.count(); }

 private:
  std::atomic<Duration::rep> offset_{0};
};

}  // namespace stead::server::timers
