#include "server/frontend/test_service.h"

#include <atomic>
#include <memory>

#include <google/protobuf/empty.pb.h>

#include "common/client_duration.h"
#include "temporal/api/testservice/v1/request_response.pb.h"

namespace stead::server::frontend {

namespace tsv1 = temporal::api::testservice::v1;

namespace {
const std::string kPrefix = "/temporal.api.testservice.v1.TestService/";

Status unbalanced_unlock() {
  return Status::FailedPrecondition("Time skipping is not locked: UnlockTimeSkipping without a matching LockTimeSkipping");
}

Status caller_gave_up() { return Status::Cancelled("the caller cancelled the sleep"); }

// The sleep's target: now + the request's duration, after the usual duration checks.
Status sleep_deadline(const timers::Clock& clock, tsv1::SleepRequest& request, TimePoint* deadline) {
  if (Status s = validate_and_cap(request.mutable_duration(), "duration"); !s.ok()) return s;
  *deadline = add_saturating(clock.now(), from_proto(request.duration()));
  return Status::Ok();
}
}  // namespace

void TestService::wake_at(TimePoint deadline, const Responder<tsv1::SleepResponse>& responder) {
  // A caller that gave up no longer holds the clock to this deadline (the probe drops it).
  auto abandoned = std::make_shared<std::atomic<bool>>(false);
  durable_timers_.schedule(
      deadline, [responder] { responder.ok({}); }, [abandoned] { return !abandoned->load(); });
  responder.on_cancel([abandoned, responder] {
    abandoned->store(true);
    responder.fail(caller_gave_up());  // gRPC needs every call finished, even a cancelled one
  });
}

void TestService::register_routes(RpcRouter& router) {
  router.add<tsv1::LockTimeSkippingRequest, tsv1::LockTimeSkippingResponse>(
      kPrefix + "LockTimeSkipping",
      [this](const CallInfo&, tsv1::LockTimeSkippingRequest, Responder<tsv1::LockTimeSkippingResponse> responder) {
        clock_.lock();
        responder.ok({});
      });

  router.add<tsv1::UnlockTimeSkippingRequest, tsv1::UnlockTimeSkippingResponse>(
      kPrefix + "UnlockTimeSkipping",
      [this](const CallInfo&, tsv1::UnlockTimeSkippingRequest, Responder<tsv1::UnlockTimeSkippingResponse> responder) {
        if (!clock_.unlock()) return responder.fail(unbalanced_unlock());
        responder.ok({});
      });

  router.add<google::protobuf::Empty, tsv1::GetCurrentTimeResponse>(
      kPrefix + "GetCurrentTime",
      [this](const CallInfo&, google::protobuf::Empty, Responder<tsv1::GetCurrentTimeResponse> responder) {
        tsv1::GetCurrentTimeResponse response;
        *response.mutable_time() = to_proto(clock_.now());
        responder.ok(response);
      });

  router.add<tsv1::SleepRequest, tsv1::SleepResponse>(
      kPrefix + "Sleep", [this](const CallInfo&, tsv1::SleepRequest request, Responder<tsv1::SleepResponse> responder) {
        TimePoint deadline;
        if (Status s = sleep_deadline(clock_, request, &deadline); !s.ok()) return responder.fail(s);
        wake_at(deadline, responder);
      });

  router.add<tsv1::SleepUntilRequest, tsv1::SleepResponse>(
      kPrefix + "SleepUntil",
      [this](const CallInfo&, tsv1::SleepUntilRequest request, Responder<tsv1::SleepResponse> responder) {
        const TimePoint now = clock_.now();
        const TimePoint target = from_proto(request.timestamp());
        if (target > add_saturating(now, kMaxClientDuration))
          return responder.fail(Status::InvalidArgument("Invalid timestamp: more than 100 years after the server's time."));
        if (target <= now) return responder.ok({});
        wake_at(target, responder);
      });

  router.add<tsv1::SleepRequest, tsv1::SleepResponse>(
      kPrefix + "UnlockTimeSkippingWithSleep",
      [this](const CallInfo&, tsv1::SleepRequest request, Responder<tsv1::SleepResponse> responder) {
        TimePoint deadline;
        if (Status s = sleep_deadline(clock_, request, &deadline); !s.ok()) return responder.fail(s);
        if (clock_.locks() == 0) return responder.fail(unbalanced_unlock());
        // The lock comes back exactly once: when the time is reached, or when the caller
        // gives up first (so an abandoned call cannot leave time skipping unlocked).
        auto relocked = std::make_shared<std::atomic<bool>>(false);
        auto relock = [this, relocked] {
          if (relocked->exchange(true)) return false;
          clock_.lock();
          return true;
        };
        // Scheduled before the unlock: the jump the unlock allows must stop at this deadline
        // (unless the call was abandoned meanwhile).
        auto timer = durable_timers_.schedule(
            deadline,
            [relock, responder] {
              if (relock()) responder.ok({});
            },
            [relocked] { return !relocked->load(); });
        if (!clock_.unlock()) {
          durable_timers_.cancel(timer);
          return responder.fail(unbalanced_unlock());
        }
        responder.on_cancel([relock, responder] {
          if (relock()) responder.fail(caller_gave_up());
        });
      });
}

}  // namespace stead::server::frontend
