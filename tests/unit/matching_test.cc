// Matching: tasks go to the oldest waiting poll or wait in the queue; polls expire, cancel,
// and end on unload_queue and shutdown. Poll expiry runs on a virtual clock (advance + poke).
#include "server/matching/matching.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "server/timers/clock.h"
#include "server/timers/timer_queue.h"

namespace stead::server::matching {
namespace {

using namespace std::chrono_literals;

TaskRef task(const std::string& workflow_id, int64_t scheduled_event_id = 2) {
  return TaskRef{"default", workflow_id, "run-" + workflow_id, scheduled_event_id, 1, {}};
}

// The outcome of one poll. Counts calls, so "exactly once" is checkable.
struct PollResult {
  std::mutex mu;
  std::condition_variable cv;
  int calls = 0;
  std::optional<TaskRef> task;

  Matching::PollCallback callback() {
    return [this](std::optional<TaskRef> t) {
      std::lock_guard lock(mu);
      ++calls;
      task = std::move(t);
      cv.notify_all();
    };
  }
  bool wait() {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, 5s, [&] { return calls > 0; });
  }
  int call_count() {
    std::lock_guard lock(mu);
    return calls;
  }
  std::string workflow_id() {
    std::lock_guard lock(mu);
    return task ? task->workflow_id : "<none>";
  }
};

class MatchingTest : public ::testing::Test {
 protected:
  TimePoint far() const { return clock_.now() + 1h; }

  timers::OffsetClock clock_;
  timers::TimerQueue timers_{clock_};
  Matching matching_{timers_};
  const QueueKey workflow_queue_{"default", "tq", TaskKind::kWorkflow};
  const QueueKey activity_queue_{"default", "tq", TaskKind::kActivity};
};

TEST_F(MatchingTest, TaskGoesToTheOldestWaitingPoll) {
  PollResult first, second;
  matching_.poll(workflow_queue_, far(), "w1", first.callback());
  matching_.poll(workflow_queue_, far(), "w2", second.callback());
  EXPECT_EQ(first.call_count(), 0);
  EXPECT_EQ(second.call_count(), 0);

  matching_.add_task(workflow_queue_, task("wf-a"));
  ASSERT_TRUE(first.wait());
  EXPECT_EQ(first.workflow_id(), "wf-a");
  EXPECT_EQ(second.call_count(), 0);

  matching_.add_task(workflow_queue_, task("wf-b"));
  ASSERT_TRUE(second.wait());
  EXPECT_EQ(second.workflow_id(), "wf-b");
  EXPECT_EQ(first.call_count(), 1);
  EXPECT_EQ(matching_.backlog(workflow_queue_), 0u);
}

TEST_F(MatchingTest, TaskIsQueuedWhenNobodyPollsAndHandedOutInOrder) {
  matching_.add_task(workflow_queue_, task("wf-a"));
  matching_.add_task(workflow_queue_, task("wf-b"));
  EXPECT_EQ(matching_.backlog(workflow_queue_), 2u);

  PollResult first, second;
  matching_.poll(workflow_queue_, far(), "w1", first.callback());
  ASSERT_TRUE(first.wait());
  EXPECT_EQ(first.workflow_id(), "wf-a");
  matching_.poll(workflow_queue_, far(), "w1", second.callback());
  ASSERT_TRUE(second.wait());
  EXPECT_EQ(second.workflow_id(), "wf-b");
  EXPECT_EQ(matching_.backlog(workflow_queue_), 0u);
}

TEST_F(MatchingTest, TaskRefIsCarriedUnchanged) {
  TaskRef sent{"ns1", "wf", "run", 42, 7, "query-1"};
  matching_.add_task({"ns1", "tq", TaskKind::kWorkflow}, sent);
  PollResult result;
  matching_.poll({"ns1", "tq", TaskKind::kWorkflow}, far(), "w", result.callback());
  ASSERT_TRUE(result.wait());
  ASSERT_TRUE(result.task.has_value());
  EXPECT_EQ(result.task->ns, "ns1");
  EXPECT_EQ(result.task->workflow_id, "wf");
  EXPECT_EQ(result.task->run_id, "run");
  EXPECT_EQ(result.task->scheduled_event_id, 42);
  EXPECT_EQ(result.task->attempt, 7);
  EXPECT_EQ(result.task->query_id, "query-1");
}

TEST_F(MatchingTest, QueuesAreSeparatedByNamespaceNameAndKind) {
  matching_.add_task(activity_queue_, task("activity"));
  matching_.add_task({"other-ns", "tq", TaskKind::kWorkflow}, task("other-ns"));
  matching_.add_task({"default", "tq2", TaskKind::kWorkflow}, task("tq2"));

  PollResult result;
  matching_.poll(workflow_queue_, far(), "w", result.callback());
  EXPECT_EQ(result.call_count(), 0);  // nothing on (default, tq, workflow)
  EXPECT_EQ(matching_.backlog(activity_queue_), 1u);

  matching_.add_task(workflow_queue_, task("workflow"));
  ASSERT_TRUE(result.wait());
  EXPECT_EQ(result.workflow_id(), "workflow");
  EXPECT_EQ(matching_.backlog(activity_queue_), 1u);
}

TEST_F(MatchingTest, ExpiredPollReturnsNulloptAndLaterTasksAreQueued) {
  PollResult result;
  matching_.poll(workflow_queue_, clock_.now() + 30s, "w", result.callback());
  clock_.advance(1min);
  timers_.poke();
  ASSERT_TRUE(result.wait());
  EXPECT_FALSE(result.task.has_value());

  matching_.add_task(workflow_queue_, task("wf-a"));
  EXPECT_EQ(matching_.backlog(workflow_queue_), 1u);  // not handed to the expired poll
  EXPECT_EQ(result.call_count(), 1);
}

TEST_F(MatchingTest, PollWithExpiryInThePastEndsWithoutATask) {
  PollResult result;
  matching_.poll(workflow_queue_, clock_.now() - 1s, "w", result.callback());
  ASSERT_TRUE(result.wait());
  EXPECT_FALSE(result.task.has_value());
}

TEST_F(MatchingTest, CancelPollCompletesItOnceWithNullopt) {
  PollResult result;
  auto id = matching_.poll(workflow_queue_, far(), "w", result.callback());
  matching_.cancel_poll(id);
  ASSERT_TRUE(result.wait());
  EXPECT_FALSE(result.task.has_value());

  matching_.cancel_poll(id);  // no longer waiting: nothing happens
  matching_.add_task(workflow_queue_, task("wf-a"));
  EXPECT_EQ(matching_.backlog(workflow_queue_), 1u);
  EXPECT_EQ(result.call_count(), 1);
}

TEST_F(MatchingTest, CancelPollAfterTheTaskArrivedDoesNothing) {
  PollResult result;
  auto id = matching_.poll(workflow_queue_, far(), "w", result.callback());
  matching_.add_task(workflow_queue_, task("wf-a"));
  ASSERT_TRUE(result.wait());
  matching_.cancel_poll(id);
  EXPECT_EQ(result.call_count(), 1);
  EXPECT_EQ(result.workflow_id(), "wf-a");
}

TEST_F(MatchingTest, CancelOfOnePollLeavesTheOthersWaiting) {
  PollResult cancelled, kept;
  auto id = matching_.poll(workflow_queue_, far(), "w1", cancelled.callback());
  matching_.poll(workflow_queue_, far(), "w2", kept.callback());
  matching_.cancel_poll(id);
  matching_.add_task(workflow_queue_, task("wf-a"));
  ASSERT_TRUE(kept.wait());
  EXPECT_EQ(kept.workflow_id(), "wf-a");
  EXPECT_FALSE(cancelled.task.has_value());
}

TEST_F(MatchingTest, UnloadQueueCompletesPollsAndReturnsQueuedTasks) {
  const QueueKey sticky{"default", "sticky-1", TaskKind::kWorkflow};
  matching_.add_task(sticky, task("wf-a"));
  matching_.add_task(sticky, task("wf-b"));
  std::vector<TaskRef> tasks = matching_.unload_queue(sticky);
  ASSERT_EQ(tasks.size(), 2u);
  EXPECT_EQ(tasks[0].workflow_id, "wf-a");
  EXPECT_EQ(tasks[1].workflow_id, "wf-b");
  EXPECT_TRUE(matching_.is_unloaded(sticky));
  EXPECT_FALSE(matching_.is_unloaded(workflow_queue_));
  EXPECT_EQ(matching_.backlog(sticky), 0u);

  // Later polls of an unloaded queue return at once.
  PollResult late;
  matching_.poll(sticky, far(), "w", late.callback());
  ASSERT_TRUE(late.wait());
  EXPECT_FALSE(late.task.has_value());
}

TEST_F(MatchingTest, UnloadQueueEndsWaitingPolls) {
  const QueueKey sticky{"default", "sticky-2", TaskKind::kWorkflow};
  PollResult waiting, elsewhere;
  matching_.poll(sticky, far(), "w", waiting.callback());
  matching_.poll(workflow_queue_, far(), "w", elsewhere.callback());
  EXPECT_TRUE(matching_.unload_queue(sticky).empty());
  ASSERT_TRUE(waiting.wait());
  EXPECT_FALSE(waiting.task.has_value());
  EXPECT_EQ(elsewhere.call_count(), 0);  // other queues are untouched

  matching_.add_task(workflow_queue_, task("wf-a"));
  ASSERT_TRUE(elsewhere.wait());
  EXPECT_EQ(elsewhere.workflow_id(), "wf-a");
}

TEST_F(MatchingTest, ShutdownEndsWaitingPollsAndLaterPolls) {
  PollResult a, b, later;
  matching_.poll(workflow_queue_, far(), "w1", a.callback());
  matching_.poll(activity_queue_, far(), "w2", b.callback());
  matching_.shutdown();
  ASSERT_TRUE(a.wait());
  ASSERT_TRUE(b.wait());
  EXPECT_FALSE(a.task.has_value());
  EXPECT_FALSE(b.task.has_value());

  matching_.add_task(workflow_queue_, task("queued"));  // queued but never handed out
  matching_.poll(workflow_queue_, far(), "w3", later.callback());
  ASSERT_TRUE(later.wait());
  EXPECT_FALSE(later.task.has_value());
  matching_.shutdown();  // idempotent
  EXPECT_EQ(a.call_count(), 1);
}

TEST_F(MatchingTest, PollersAreRecordedByIdentity) {
  PollResult a, b;
  matching_.poll(workflow_queue_, far(), "worker-1", a.callback());
  matching_.poll(workflow_queue_, far(), "worker-2", b.callback());
  auto pollers = matching_.pollers(workflow_queue_);
  std::vector<std::string> identities;
  for (const auto& p : pollers) identities.push_back(p.identity);
  std::sort(identities.begin(), identities.end());
  EXPECT_EQ(identities, (std::vector<std::string>{"worker-1", "worker-2"}));
  EXPECT_TRUE(matching_.pollers(activity_queue_).empty());
  matching_.shutdown();  // ends the polls while a and b are alive
}

// The frontend re-polls from inside a poll callback (stale task): callbacks must run
// outside Matching's lock. Run on a detached thread so a deadlock fails instead of hanging.
TEST_F(MatchingTest, CallbacksMayCallBackIntoMatching) {
  auto done = std::make_shared<PollResult>();
  matching_.add_task(workflow_queue_, task("stale"));
  matching_.add_task(workflow_queue_, task("fresh"));
  std::thread([this, done] {
    matching_.poll(workflow_queue_, far(), "w", [this, done](std::optional<TaskRef>) {
      (void)matching_.backlog(workflow_queue_);
      matching_.poll(workflow_queue_, far(), "w", done->callback());
    });
  }).detach();
  ASSERT_TRUE(done->wait()) << "re-entrant call deadlocked";
  EXPECT_EQ(done->workflow_id(), "fresh");

  // Same on the hand-off path (add_task -> waiting poll -> callback).
  auto handoff = std::make_shared<PollResult>();
  matching_.poll(activity_queue_, far(), "w", [this, handoff](std::optional<TaskRef>) {
    matching_.add_task(workflow_queue_, task("from-callback"));
    handoff->callback()(std::nullopt);
  });
  std::thread([this] { matching_.add_task(activity_queue_, task("trigger")); }).detach();
  ASSERT_TRUE(handoff->wait()) << "re-entrant call deadlocked";
  EXPECT_EQ(matching_.backlog(workflow_queue_), 1u);
}

}  // namespace
}  // namespace stead::server::matching
