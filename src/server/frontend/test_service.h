// TestService: the temporal.api.testservice.v1 methods of a time-skipping server, on the same
// port as WorkflowService (as Temporal's Java test server serves them; the SDKs' test
// environments call them). Only registered when the server runs on a SkippingClock; a normal
// server answers them UNIMPLEMENTED, as `temporal server start-dev` does.
//
//   LockTimeSkipping / UnlockTimeSkipping   the clock's lock counter; an unlock at zero is
//                                           FAILED_PRECONDITION
//   Sleep(d) / SleepUntil(t)                answer once the server's time reaches now + d / t
//                                           (at once when t is past); time jumps only if unlocked
//   UnlockTimeSkippingWithSleep(d)          unlock, wait until now + d, lock again, answer; a
//                                           call cancelled first locks again at once
//   GetCurrentTime                          the server's (virtual) time
//
// Durations are checked like every client duration (negative: INVALID_ARGUMENT; capped at
// 100 years); a SleepUntil target more than 100 years ahead is INVALID_ARGUMENT.
#pragma once

#include "server/frontend/rpc_router.h"
#include "server/timers/skipping_clock.h"
#include "server/timers/timer_queue.h"
#include "temporal/api/testservice/v1/request_response.pb.h"

namespace stead::server::frontend {

class TestService {
 public:
  TestService(timers::SkippingClock& clock, timers::TimerQueue& durable_timers)
      : clock_(clock), durable_timers_(durable_timers) {}
  void register_routes(RpcRouter& router);

 private:
  // Answers `responder` once the server's time reaches `deadline` (Sleep, SleepUntil).
  void wake_at(TimePoint deadline, const Responder<temporal::api::testservice::v1::SleepResponse>& responder);

  timers::SkippingClock& clock_;
  timers::TimerQueue& durable_timers_;
};

}  // namespace stead::server::frontend
