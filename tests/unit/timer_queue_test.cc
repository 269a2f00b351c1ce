// TimerQueue on a virtual clock: firing order, cancellation, callbacks that schedule or
// cancel timers, stop(). Time moves with OffsetClock::advance() + poke(); assertions wait
// for conditions (bounded), never for durations.
#include "server/timers/timer_queue.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "server/timers/clock.h"

namespace stead::server::timers {
namespace {

using namespace std::chrono_literals;

// Names of fired timers, in firing order; waits are bounded so a bug fails instead of hanging.
class FiredLog {
 public:
  TimerQueue::Callback record(std::string name) {
    return [this, name = std::move(name)] { add(name); };
  }
  void add(const std::string& name) {
    std::lock_guard lock(mu_);
    fired_.push_back(name);
    cv_.notify_all();
  }
  bool wait_for_count(size_t n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, 5s, [&] { return fired_.size() >= n; });
  }
  std::vector<std::string> fired() {
    std::lock_guard lock(mu_);
    return fired_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> fired_;
};

class TimerQueueTest : public ::testing::Test {
 protected:
  // Jumps virtual time past every deadline the tests use and wakes the queue.
  void jump() {
    clock_.advance(1h);
    queue_.poke();
  }

  OffsetClock clock_;
  FiredLog log_;  // outlives queue_, whose thread runs the callbacks
  TimerQueue queue_{clock_};
};

TEST_F(TimerQueueTest, FiresInDeadlineOrderAndFifoAmongEqualDeadlines) {
  TimePoint base = clock_.now();
  queue_.schedule(base + 30min, log_.record("c"));
  queue_.schedule(base + 10min, log_.record("a"));
  queue_.schedule(base + 20min, log_.record("b1"));
  queue_.schedule(base + 20min, log_.record("b2"));
  queue_.schedule(base + 20min, log_.record("b3"));
  EXPECT_EQ(queue_.size(), 5u);
  EXPECT_TRUE(log_.fired().empty());  // deadlines are minutes away in virtual time

  jump();
  ASSERT_TRUE(log_.wait_for_count(5));
  EXPECT_EQ(log_.fired(), (std::vector<std::string>{"a", "b1", "b2", "b3", "c"}));
  EXPECT_EQ(queue_.size(), 0u);
}

TEST_F(TimerQueueTest, DeadlineInThePastFiresWithoutAPoke) {
  queue_.schedule(clock_.now() - 1s, log_.record("late"));
  ASSERT_TRUE(log_.wait_for_count(1));
  EXPECT_EQ(log_.fired(), std::vector<std::string>{"late"});
}

TEST_F(TimerQueueTest, EarlierTimerScheduledAfterALaterOneFiresFirst) {
  TimePoint base = clock_.now();
  queue_.schedule(base + 50min, log_.record("later"));
  queue_.schedule(base - 1s, log_.record("due"));  // must wake the thread waiting on "later"
  ASSERT_TRUE(log_.wait_for_count(1));
  EXPECT_EQ(log_.fired(), std::vector<std::string>{"due"});
  jump();
  ASSERT_TRUE(log_.wait_for_count(2));
  EXPECT_EQ(log_.fired(), (std::vector<std::string>{"due", "later"}));
}

TEST_F(TimerQueueTest, CancelledTimerNeverFires) {
  TimePoint base = clock_.now();
  auto cancelled = queue_.schedule(base + 10min, log_.record("cancelled"));
  queue_.schedule(base + 20min, log_.record("sentinel"));
  EXPECT_TRUE(cancelled.valid());
  EXPECT_TRUE(queue_.cancel(cancelled));
  EXPECT_FALSE(queue_.cancel(cancelled));  // already gone
  EXPECT_EQ(queue_.size(), 1u);

  jump();
  // Callbacks run in deadline order, so once the later sentinel ran the cancelled one would have too.
  ASSERT_TRUE(log_.wait_for_count(1));
  EXPECT_EQ(log_.fired(), std::vector<std::string>{"sentinel"});
}

TEST_F(TimerQueueTest, CancelOfInvalidOrFiredTimerReturnsFalse) {
  EXPECT_FALSE(queue_.cancel(TimerQueue::TimerId{}));
  auto fired = queue_.schedule(clock_.now() - 1s, log_.record("fired"));
  ASSERT_TRUE(log_.wait_for_count(1));
  EXPECT_FALSE(queue_.cancel(fired));
}

TEST_F(TimerQueueTest, CallbacksMayScheduleAndCancelTimers) {
  TimePoint base = clock_.now();
  auto victim = queue_.schedule(base + 20min, log_.record("victim"));
  queue_.schedule(base + 10min, [&] {
    log_.add("first");
    // Both calls take the queue's lock: this deadlocks if callbacks run under it.
    queue_.schedule(base + 15min, log_.record("child"));  // already due, before the sentinel
    if (!queue_.cancel(victim)) log_.add("cancel failed");
  });
  queue_.schedule(base + 30min, log_.record("sentinel"));

  jump();
  ASSERT_TRUE(log_.wait_for_count(3));
  EXPECT_EQ(log_.fired(), (std::vector<std::string>{"first", "child", "sentinel"}));
}

TEST_F(TimerQueueTest, CallbackSchedulingAFutureTimerFiresOnTheNextJump) {
  TimePoint base = clock_.now();
  queue_.schedule(base + 1min, [&] {
    queue_.schedule(base + 20min, log_.record("second"));
    log_.add("first");  // last: the test proceeds once it sees this
  });
  clock_.advance(2min);
  queue_.poke();
  ASSERT_TRUE(log_.wait_for_count(1));
  EXPECT_EQ(log_.fired(), std::vector<std::string>{"first"});
  EXPECT_EQ(queue_.size(), 1u);
  jump();
  ASSERT_TRUE(log_.wait_for_count(2));
  EXPECT_EQ(log_.fired(), (std::vector<std::string>{"first", "second"}));
}

TEST_F(TimerQueueTest, StopDropsPendingTimersAndIsIdempotent) {
  queue_.schedule(clock_.now() + 10min, log_.record("dropped"));
  queue_.stop();
  EXPECT_EQ(queue_.size(), 0u);
  clock_.advance(1h);
  queue_.poke();  // harmless after stop
  queue_.stop();
  EXPECT_TRUE(log_.fired().empty());  // the thread is joined: nothing can fire any more
}

TEST(TimerQueueClock, OffsetClockAdvancesVirtualTime) {
  OffsetClock clock;
  RealClock real;
  TimePoint before = real.now();
  clock.advance(24h);
  EXPECT_GE(clock.now(), before + 24h);
}

}  // namespace
}  // namespace stead::server::timers
