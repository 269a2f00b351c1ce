// DeterministicScheduler, Pending and wait_condition (src/worker/workflow/scheduler.h).
// g++ 12 rules followed throughout: tasks and predicates are named before being awaited,
// coroutine parameters are by value (pointers for shared test state).
#include "worker/workflow/scheduler.h"

#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "stead/task.h"

namespace {

using stead::Task;
using stead::worker::DeterministicScheduler;
using stead::worker::Pending;
using Trace = std::vector<std::string>;

Task<void> yielder(DeterministicScheduler* s, Trace* trace, std::string name, int steps) {
  for (int i = 1; i <= steps; ++i) {
    trace->push_back(name + std::to_string(i));
    auto back_of_queue = s->yield();
    co_await back_of_queue;
  }
  trace->push_back(name + " done");
}

TEST(DeterministicScheduler, RunsReadyCoroutinesInFifoOrder) {
  DeterministicScheduler s;
  Trace trace;
  s.spawn(yielder(&s, &trace, "a", 2));
  s.spawn(yielder(&s, &trace, "b", 1));
  s.spawn(yielder(&s, &trace, "c", 2));
  EXPECT_TRUE(trace.empty());  // spawn only schedules
  EXPECT_EQ(s.ready_count(), 3u);
  std::size_t resumed = s.run_until_idle();
  EXPECT_EQ(trace, (Trace{"a1", "b1", "c1", "a2", "b done", "c2", "a done", "c done"}));
  EXPECT_EQ(resumed, 8u);
  EXPECT_TRUE(s.idle());
  EXPECT_EQ(s.spawned_count(), 0u);  // finished frames were freed
}

// --- a workflow-shaped scenario: results delivered by the "core", conditions, child tasks.

struct World {
  DeterministicScheduler scheduler;
  Trace trace;
  int counter = 0;
  bool approved = false;
  std::vector<Pending<int>> activities;  // the core's copies
  Pending<void> timer{scheduler};
};

Task<int> child(World* w, std::string name, int index) {
  w->trace.push_back(name + " schedules activity " + std::to_string(index));
  Pending<int> result = w->activities.at(index);
  int v = co_await result;
  w->trace.push_back(name + " got " + std::to_string(v));
  co_return v;
}

Task<void> main_flow(World* w) {
  w->trace.push_back("main start");
  auto first = child(w, "main", 0);
  int a = co_await first;
  w->counter += a;
  auto approved = [w] { return w->approved; };
  co_await w->scheduler.wait_condition(approved);
  w->trace.push_back("main approved");
  Pending<void> timer = w->timer;
  co_await timer;
  w->trace.push_back("main timer fired, counter=" + std::to_string(w->counter));
}

Task<void> side_flow(World* w) {
  w->trace.push_back("side start");
  auto second = child(w, "side", 1);
  int b = co_await second;
  w->counter += b;
  auto enough = [w] { return w->counter >= 10; };
  co_await w->scheduler.wait_condition(enough);
  w->trace.push_back("side sees counter " + std::to_string(w->counter));
  w->approved = true;  // wakes main after this pass
}

Trace run_scenario() {
  World w;
  w.activities = {Pending<int>(w.scheduler), Pending<int>(w.scheduler)};
  w.scheduler.spawn(main_flow(&w));
  w.scheduler.spawn(side_flow(&w));
  w.scheduler.run_until_idle();
  w.trace.push_back("-- activation: activity 1 resolved, then activity 0");
  w.activities[1].resolve(3);
  w.activities[0].resolve(7);
  w.scheduler.run_until_idle();
  w.trace.push_back("-- activation: timer fired");
  w.timer.resolve();
  w.scheduler.run_until_idle();
  w.trace.push_back(w.scheduler.spawned_count() == 0 ? "-- all finished" : "-- still running");
  return w.trace;
}

TEST(DeterministicScheduler, TheSameInputsProduceTheSameTrace) {
  Trace first = run_scenario();
  Trace second = run_scenario();
  EXPECT_EQ(first, second);
  EXPECT_EQ(first, (Trace{
                       "main start",
                       "main schedules activity 0",
                       "side start",
                       "side schedules activity 1",
                       "-- activation: activity 1 resolved, then activity 0",
                       "side got 3",  // woken in resolution order, not spawn order
                       "main got 7",
                       "side sees counter 10",  // condition re-checked after the pass
                       "main approved",
                       "-- activation: timer fired",
                       "main timer fired, counter=10",
                       "-- all finished",
                   }));
}

Task<void> wait_for(DeterministicScheduler* s, Trace* trace, std::string name, const int* value, int at_least) {
  auto reached = [value, at_least] { return *value >= at_least; };
  co_await s->wait_condition(reached);
  trace->push_back(name);
}

TEST(DeterministicScheduler, SatisfiedConditionsWakeInRegistrationOrder) {
  DeterministicScheduler s;
  Trace trace;
  int x = 0;
  int y = 0;
  s.spawn(wait_for(&s, &trace, "a: x>=1", &x, 1));
  s.spawn(wait_for(&s, &trace, "b: y>=1", &y, 1));
  s.spawn(wait_for(&s, &trace, "c: x>=2", &x, 2));
  s.spawn(wait_for(&s, &trace, "d: y>=5", &y, 5));
  s.run_until_idle();
  EXPECT_TRUE(trace.empty());
  EXPECT_EQ(s.condition_waiter_count(), 4u);
  y = 1;  // changed first, but b registered after a
  x = 2;
  s.run_until_idle();
  EXPECT_EQ(trace, (Trace{"a: x>=1", "b: y>=1", "c: x>=2"}));
  EXPECT_EQ(s.condition_waiter_count(), 1u);
  y = 5;
  s.run_until_idle();
  EXPECT_EQ(trace.back(), "d: y>=5");
  EXPECT_EQ(s.spawned_count(), 0u);
}

TEST(DeterministicScheduler, ATrueConditionDoesNotPark) {
  DeterministicScheduler s;
  Trace trace;
  int x = 3;
  s.spawn(wait_for(&s, &trace, "immediate", &x, 1));
  EXPECT_EQ(s.run_until_idle(), 1u);  // one resumption: started and finished without parking
  EXPECT_EQ(trace, (Trace{"immediate"}));
}

Task<void> wait_throwing(DeterministicScheduler* s, Trace* trace, const bool* armed) {
  auto pred = [armed]() -> bool {
    if (*armed) throw std::runtime_error("predicate failed");
    return false;
  };
  try {
    co_await s->wait_condition(pred);
    trace->push_back("woke normally");
  } catch (const std::runtime_error& e) {
    trace->push_back(std::string("caught: ") + e.what());
  }
}

TEST(DeterministicScheduler, APredicateThatThrowsWakesItsWaiterWithTheException) {
  DeterministicScheduler s;
  Trace trace;
  bool armed = false;
  s.spawn(wait_throwing(&s, &trace, &armed));
  s.run_until_idle();
  armed = true;
  s.run_until_idle();
  EXPECT_EQ(trace, (Trace{"caught: predicate failed"}));
}

Task<void> await_pending(Pending<std::string> p, Trace* trace, std::string name) {
  try {
    std::string v = co_await p;
    trace->push_back(name + ": " + v);
  } catch (const std::exception& e) {
    trace->push_back(name + " failed: " + e.what());
  }
}

TEST(DeterministicScheduler, PendingResultsWakeInResolutionOrder) {
  DeterministicScheduler s;
  Trace trace;
  Pending<std::string> p1(s);
  Pending<std::string> p2(s);
  Pending<std::string> p3(s);
  Pending<std::string> early(s);
  early.resolve("before await");
  s.spawn(await_pending(p1, &trace, "p1"));
  s.spawn(await_pending(p2, &trace, "p2"));
  s.spawn(await_pending(p3, &trace, "p3"));
  s.spawn(await_pending(early, &trace, "early"));
  s.run_until_idle();
  EXPECT_EQ(trace, (Trace{"early: before await"}));
  p3.resolve("third");
  p2.reject(std::make_exception_ptr(std::runtime_error("activity failed")));
  p1.resolve("first");
  EXPECT_TRUE(p1.is_resolved());
  EXPECT_EQ(s.ready_count(), 3u);
  s.run_until_idle();
  EXPECT_EQ(trace, (Trace{"early: before await", "p3: third", "p2 failed: activity failed", "p1: first"}));
}

Task<void> throw_after_yield(DeterministicScheduler* s) {
  auto y = s->yield();
  co_await y;
  throw std::logic_error("workflow bug");
}

TEST(DeterministicScheduler, AnExceptionEscapingASpawnedTaskIsRethrownByRunUntilIdle) {
  DeterministicScheduler s;
  Trace trace;
  s.spawn(throw_after_yield(&s));
  s.spawn(yielder(&s, &trace, "other", 2));
  EXPECT_THROW(s.run_until_idle(), std::logic_error);
  EXPECT_EQ(s.spawned_count(), 1u);  // the failed task's frame is already freed
  s.run_until_idle();                // the rest continues where it stopped
  EXPECT_EQ(trace, (Trace{"other1", "other2", "other done"}));
}

struct Counters {
  int constructed = 0;
  int destroyed = 0;
};
struct Tracked {
  explicit Tracked(Counters* c) : counters(c) { ++counters->constructed; }
  Tracked(const Tracked& o) : counters(o.counters) { ++counters->constructed; }
  ~Tracked() { ++counters->destroyed; }
  Counters* counters;
};

Task<int> parked_child(Pending<int> p, Counters* counters) {
  Tracked local(counters);
  int v = co_await p;
  co_return v;
}
Task<void> parked_parent(DeterministicScheduler* s, Pending<int> p, Counters* counters, Trace* trace) {
  Tracked local(counters);
  auto c = parked_child(p, counters);
  int v = co_await c;
  trace->push_back("resumed with " + std::to_string(v));  // must never happen
}
Task<void> parked_on_condition(DeterministicScheduler* s, Counters* counters, Trace* trace) {
  Tracked local(counters);
  auto never = [] { return false; };
  co_await s->wait_condition(never);
  trace->push_back("condition woke");  // must never happen
}

TEST(DeterministicScheduler, DestroyingTheSchedulerFreesParkedFramesWithoutResuming) {
  Counters counters;
  Trace trace;
  auto scheduler = std::make_unique<DeterministicScheduler>();
  Pending<int> parked(*scheduler);
  Pending<int> resolved_not_run(*scheduler);
  scheduler->spawn(parked_parent(scheduler.get(), parked, &counters, &trace));
  scheduler->spawn(parked_parent(scheduler.get(), resolved_not_run, &counters, &trace));
  scheduler->spawn(parked_on_condition(scheduler.get(), &counters, &trace));
  scheduler->run_until_idle();
  EXPECT_EQ(counters.constructed - counters.destroyed, 5);
  EXPECT_EQ(scheduler->condition_waiter_count(), 1u);
  resolved_not_run.resolve(1);  // queued, never run
  scheduler.reset();            // eviction
  EXPECT_EQ(counters.constructed, counters.destroyed);
  parked.resolve(2);  // the awaiter unparked itself: only stores the value
  EXPECT_TRUE(trace.empty());
}

Task<void> wait_with_tracked_predicate(DeterministicScheduler* s, Counters* counters, const bool* go) {
  Tracked held(counters);
  auto pred = [held, go] { return *go; };  // a non-trivial capture, copied into the awaiter
  co_await s->wait_condition(pred);        // prvalue awaiter: must be destroyed exactly once
}

TEST(DeterministicScheduler, APrvalueConditionAwaiterIsDestroyedExactlyOnce) {
  Counters counters;
  bool go = false;
  {
    DeterministicScheduler s;
    s.spawn(wait_with_tracked_predicate(&s, &counters, &go));
    s.run_until_idle();
    // held, the lambda, the awaiter's copy (and, with the Itanium ABI, wait_condition's
    // by-value parameter, which lives until the end of the co_await full-expression).
    EXPECT_GE(counters.constructed - counters.destroyed, 3);
    go = true;
    s.run_until_idle();
    EXPECT_EQ(s.spawned_count(), 0u);
  }
  EXPECT_EQ(counters.constructed, counters.destroyed);
}

Task<long> yield_many(DeterministicScheduler* s, int n) {
  long sum = 0;
  for (int i = 0; i < n; ++i) {
    auto y = s->yield();
    co_await y;
    sum += i;
  }
  co_return sum;
}
Task<void> store_result(DeterministicScheduler* s, int n, long* out) {
  auto t = yield_many(s, n);
  *out = co_await t;
}

TEST(DeterministicScheduler, ManySuspensionsThroughNestedTasksRunInConstantStack) {
  DeterministicScheduler s;
  long out = 0;
  s.spawn(store_result(&s, 200'000, &out));
  EXPECT_EQ(s.run_until_idle(), 200'001u);
  EXPECT_EQ(out, 200'000L * 199'999 / 2);
}

}  // namespace
