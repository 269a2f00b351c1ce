// Clock: the server's notion of "now". Every durable deadline goes through it, so the same
// engine runs on wall-clock time or on virtual time (time skipping, tests).
#pragma once

#include <atomic>
#include <chrono>

#include "common/time_util.h"

namespace stead::server::timers {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
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
