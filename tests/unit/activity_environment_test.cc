// stead::testing::ActivityEnvironment: activities run on the test's thread with a test context —
// the info they see, their recorded heartbeats, cancellation from the listener, from another
// thread and before the run, worker shutdown, and the worker's conversion path.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "stead/activity_environment.h"

namespace stead::testing {
namespace {

using namespace std::chrono_literals;

// Heartbeats its progress after each chunk, resuming after the last recorded chunk of a
// previous attempt, and stops when cancelled.
int64_t download(ActivityContext& ctx, int64_t chunks) {
  int64_t from = ctx.last_heartbeat_details<int64_t>().value_or(-1) + 1;
  for (int64_t chunk = from; chunk < chunks; ++chunk) {
    ctx.heartbeat(chunk);
    ctx.throw_if_cancelled();
  }
  return chunks - from;
}

TEST(ActivityEnvironment, RunsAPlainFunctionWithTheDefaultInfoAsItsContext) {
  ActivityEnvironment env;
  auto who = env.run([](std::string name) {
    const ActivityInfo& info = activity::context().info();
    return name + "@" + info.activity_id + "/" + info.workflow_id + "/" + std::to_string(info.attempt);
  }, std::string("ada"));
  EXPECT_EQ(who, "ada@test/test/1");
  EXPECT_FALSE(activity::in_activity());  // the context is scoped to the run
}

TEST(ActivityEnvironment, RecordsEveryHeartbeatAndTheListenerCanCancel) {
  ActivityEnvironment env;
  int seen = 0;
  env.on_heartbeat([&](const std::vector<Payload>& details) {
    ASSERT_EQ(details.size(), 1u);
    if (++seen == 3) env.cancel();
  });
  EXPECT_THROW(env.run(download, int64_t{10}), CanceledError);
  EXPECT_EQ(env.heartbeats<int64_t>(), (std::vector<int64_t>{0, 1, 2}));

  // The next run starts uncancelled, with a fresh record.
  seen = -100;
  EXPECT_EQ(env.run(download, int64_t{4}), 4);
  EXPECT_EQ(env.heartbeats<int64_t>(), (std::vector<int64_t>{0, 1, 2, 3}));
}

TEST(ActivityEnvironment, InfoSetByTheTestResumesFromEarlierHeartbeats) {
  ActivityEnvironment env;
  env.info().attempt = 2;
  env.info().heartbeat_details = stead::to_payloads(int64_t{6});
  EXPECT_EQ(env.run(download, int64_t{10}), 3);  // chunks 7, 8, 9
  EXPECT_EQ(env.heartbeats<int64_t>(), (std::vector<int64_t>{7, 8, 9}));
}

TEST(ActivityEnvironment, CancelBeforeTheRunCancelsThatRun) {
  ActivityEnvironment env;
  env.cancel(ActivityCancelReason::kTimedOut);
  ActivityCancelReason seen = ActivityCancelReason::kNone;
  env.run([&](ActivityContext& ctx) { seen = ctx.cancel_reason(); });
  EXPECT_EQ(seen, ActivityCancelReason::kTimedOut);
  env.run([&](ActivityContext& ctx) { seen = ctx.cancel_reason(); });
  EXPECT_EQ(seen, ActivityCancelReason::kNone);
}

TEST(ActivityEnvironment, CancelFromAnotherThreadWakesAWaitingActivity) {
  ActivityEnvironment env;
  std::atomic<bool> waiting{false};
  std::thread canceller([&] {
    while (!waiting.load()) std::this_thread::sleep_for(1ms);
    env.cancel();
  });
  bool cancelled = env.run([&](ActivityContext& ctx) {
    waiting = true;
    return ctx.wait_for_cancellation(10min);  // returns when cancelled, long before that
  });
  canceller.join();
  EXPECT_TRUE(cancelled);
}

TEST(ActivityEnvironment, WorkerShutdownIsAnnouncedThenCancels) {
  ActivityEnvironment env;
  std::vector<std::string> seen;
  env.run([&](ActivityContext& ctx) {
    seen.push_back(ctx.is_worker_shutdown() ? "shutdown" : "running");
    env.notify_worker_shutdown();
    seen.push_back(ctx.is_worker_shutdown() ? "shutdown" : "running");
    seen.push_back(ctx.is_cancelled() ? "cancelled" : "not cancelled");
    env.cancel(ActivityCancelReason::kWorkerShutdown);
    seen.push_back(activity_cancel_reason_name(ctx.cancel_reason()));
  });
  EXPECT_EQ(seen, (std::vector<std::string>{"running", "shutdown", "not cancelled", "WORKER_SHUTDOWN"}));
}

Task<std::string> shout(ActivityContext& ctx, std::string text) {
  ctx.heartbeat(text.size());
  for (auto& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  co_return text;
}

TEST(ActivityEnvironment, RunsCoroutineActivitiesToCompletion) {
  ActivityEnvironment env;
  EXPECT_EQ(env.run(shout, std::string("hi")), "HI");
  EXPECT_EQ(env.heartbeats<std::size_t>(), (std::vector<std::size_t>{2}));
}

// Marks payloads so that the test can tell whether they were decoded.
class MarkingCodec : public PayloadCodec {
 public:
  std::vector<Payload> encode(std::vector<Payload> payloads) const override {
    for (auto& p : payloads) (*p.mutable_metadata())["marked"] = "1";
    return payloads;
  }
  std::vector<Payload> decode(std::vector<Payload> payloads) const override {
    for (auto& p : payloads) {
      if (!p.metadata().contains("marked")) throw std::runtime_error("not encoded by MarkingCodec");
      p.mutable_metadata()->erase("marked");
    }
    return payloads;
  }
};

TEST(ActivityEnvironment, RunDefinitionTakesTheWorkersConversionPath) {
  ActivityEnvironment env({.data_converter = {.codecs = {std::make_shared<MarkingCodec>()}}});
  auto definition = ActivityDefinition::from("Download", download);
  Payload result = env.run_definition(definition, env.data_converter().to_payloads(int64_t{2}));
  EXPECT_EQ(result.metadata().count("marked"), 1u);  // encoded as the worker would send it
  EXPECT_EQ(env.data_converter().from_payload<int64_t>(result), 2);
  EXPECT_EQ(env.heartbeats()[0][0].metadata().count("marked"), 0u);  // recorded decoded
  EXPECT_EQ(env.heartbeats<int64_t>(), (std::vector<int64_t>{0, 1}));

  try {
    env.run_definition(definition, env.data_converter().to_payloads(std::string("ten")));
    FAIL() << "a string is not a chunk count";
  } catch (const ApplicationError& e) {
    EXPECT_EQ(e.type(), kPayloadConversionErrorType);
    EXPECT_TRUE(e.non_retryable());
  }
}

}  // namespace
}  // namespace stead::testing
