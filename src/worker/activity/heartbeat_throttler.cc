#include "worker/activity/heartbeat_throttler.h"

#include <algorithm>

namespace stead::worker {

std::chrono::nanoseconds heartbeat_throttle_interval(std::chrono::nanoseconds heartbeat_timeout,
                                                     std::chrono::nanoseconds default_interval,
                                                     std::chrono::nanoseconds max_interval) {
  if (heartbeat_timeout <= std::chrono::nanoseconds::zero()) return default_interval;
  // 80%: the heartbeat reaches the server before the timeout even with some latency.
  return std::min(heartbeat_timeout * 4 / 5, max_interval);
}

HeartbeatThrottler::Action HeartbeatThrottler::heartbeat(std::vector<Payload> details, Clock::time_point now) {
  pending_ = std::move(details);
  return try_send(now);
}

HeartbeatThrottler::Action HeartbeatThrottler::on_timer(Clock::time_point now) {
  timer_armed_ = false;
  return try_send(now);
}

HeartbeatThrottler::Action HeartbeatThrottler::on_sent(Clock::time_point now) {
  in_flight_ = false;
  return try_send(now);
}

HeartbeatThrottler::Action HeartbeatThrottler::try_send(Clock::time_point now) {
  Action action;
  if (!pending_ || in_flight_) return action;  // nothing to send, or on_sent() will come back here
  if (!last_sent_ || now >= *last_sent_ + interval_) {
    action.send = std::move(pending_);
    pending_.reset();
    last_sent_ = now;
    in_flight_ = true;
  } else if (!timer_armed_) {
    timer_armed_ = true;
    action.wake_at = *last_sent_ + interval_;
  }
  return action;
}

}  // namespace stead::worker
