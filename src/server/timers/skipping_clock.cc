#include "server/timers/skipping_clock.h"

namespace stead::server::timers {

ClockHold SkippingClock::hold() const {
  {
    std::lock_guard lock(mu_);
    ++holds_;
  }
  // The pointer is only a handle: the deleter gives the hold back.
  auto* self = const_cast<SkippingClock*>(this);
  return ClockHold(self, [](void* clock) { static_cast<const SkippingClock*>(clock)->release(); });
}

void SkippingClock::release() const {
  bool free;
  {
    std::lock_guard lock(mu_);
    --holds_;
    free = holds_ == 0 && locks_ == 0;
  }
  wake_if_free(free);
}

bool SkippingClock::try_skip_to(TimePoint deadline) const {
  std::lock_guard lock(mu_);
  if (locks_ > 0 || holds_ > 0) return false;
  // TimePoint ends in the year 2262; stop a year short so that now() cannot overflow.
  if (deadline > TimePoint::max() - std::chrono::hours(24 * 366)) return false;
  const TimePoint current = now();
  if (deadline > current) offset_ += std::chrono::duration_cast<Duration>(deadline - current).count();
  return true;
}

bool SkippingClock::can_skip() const {
  std::lock_guard lock(mu_);
  return locks_ == 0 && holds_ == 0;
}

void SkippingClock::lock() {
  std::lock_guard lock(mu_);
  ++locks_;
}

bool SkippingClock::unlock() {
  bool free;
  {
    std::lock_guard lock(mu_);
    if (locks_ == 0) return false;
    --locks_;
    free = locks_ == 0 && holds_ == 0;
  }
  wake_if_free(free);
  return true;
}

int SkippingClock::locks() const {
  std::lock_guard lock(mu_);
  return locks_;
}

int SkippingClock::holds() const {
  std::lock_guard lock(mu_);
  return holds_;
}

void SkippingClock::wake_if_free(bool free) const {
  if (free && waker_) waker_();
}

}  // namespace stead::server::timers
