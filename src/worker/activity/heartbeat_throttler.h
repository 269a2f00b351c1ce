// HeartbeatThrottler: decides when an activity's heartbeats go to the server, as the Python
// and TypeScript SDKs (sdk-core) do:
//   - the first heartbeat is sent at once;
//   - later ones within `interval` of the last send are held back; only the latest details
//     are kept, and they are sent when the interval ends (the caller arms a timer at
//     `wake_at` and calls on_timer());
//   - at most one heartbeat call is in flight: details recorded meanwhile wait for
//     on_sent() (and for the interval).
// The interval is 80% of the heartbeat timeout, capped at max_interval, or default_interval
// when the activity has no heartbeat timeout (heartbeat_throttle_interval()).
//
// A pure state machine over the caller's clock; not thread-safe (the caller locks).
#pragma once

#include <chrono>
#include <optional>
#include <vector>

#include "stead/payload.h"

namespace stead::worker {

std::chrono::nanoseconds heartbeat_throttle_interval(std::chrono::nanoseconds heartbeat_timeout,
                                                     std::chrono::nanoseconds default_interval,
                                                     std::chrono::nanoseconds max_interval);

class HeartbeatThrottler {
 public:
  using Clock = std::chrono::steady_clock;

  // What the caller must do now: send these details (then call on_sent() when the call
  // finishes), and/or call on_timer() at wake_at.
  struct Action {
    std::optional<std::vector<Payload>> send{};
    std::optional<Clock::time_point> wake_at{};
  };

  explicit HeartbeatThrottler(std::chrono::nanoseconds interval) : interval_(interval) {}

  Action heartbeat(std::vector<Payload> details, Clock::time_point now);
  Action on_timer(Clock::time_point now);  // the wake_at of an earlier Action arrived
  Action on_sent(Clock::time_point now);   // the heartbeat call finished (either way)

  // Details recorded but not sent yet.
  bool has_pending() const { return pending_.has_value(); }
  std::chrono::nanoseconds interval() const { return interval_; }

 private:
  Action try_send(Clock::time_point now);

  const std::chrono::nanoseconds interval_;
  std::optional<std::vector<Payload>> pending_;
  std::optional<Clock::time_point> last_sent_;
  bool in_flight_ = false;
  bool timer_armed_ = false;
};

}  // namespace stead::worker
