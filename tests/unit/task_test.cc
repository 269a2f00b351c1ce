// stead::Task, stead::sync_wait and the callback adapter (stead/async.h).
// g++ 12 rules followed throughout: tasks are named before being awaited, capturing lambdas
// are built in their own statement, coroutine parameters are taken by value (pointers for
// out-parameters).
#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "stead/async.h"
#include "stead/sync_wait.h"
#include "stead/task.h"

namespace {

using stead::Resumer;
using stead::Task;

// Counts live instances so tests can see frames being freed (and nothing freed twice).
struct Counters {
  int constructed = 0;
  int destroyed = 0;
  int live() const { return constructed - destroyed; }
};
struct Tracked {
  explicit Tracked(Counters* c) : counters(c) { ++counters->constructed; }
  Tracked(const Tracked& other) : counters(other.counters) { ++counters->constructed; }
  Tracked(Tracked&& other) noexcept : counters(other.counters) { ++counters->constructed; }
  ~Tracked() { ++counters->destroyed; }
  Counters* counters;
};

// A test-only eager driver: starts a task without blocking, so a test can act while the task
// is suspended. `done` is set (release) once the task has finished.
struct Detached {
  struct promise_type {
    Detached get_return_object() noexcept { return {}; }
    std::suspend_never initial_suspend() noexcept { return {}; }
    std::suspend_never final_suspend() noexcept { return {}; }
    void return_void() noexcept {}
    void unhandled_exception() noexcept { std::terminate(); }
  };
};
Detached run_detached(Task<void> task, std::atomic<bool>* done) {
  co_await task;
  done->store(true, std::memory_order_release);
}

Task<int> answer() { co_return 42; }
Task<void> set_flag(bool* flag) {
  *flag = true;
  co_return;
}

TEST(Task, DoesNotStartUntilAwaited) {
  bool started = false;
  Task<void> task = set_flag(&started);
  EXPECT_FALSE(started);
  EXPECT_TRUE(task.valid());
  EXPECT_FALSE(task.is_ready());
  stead::sync_wait(std::move(task));
  EXPECT_TRUE(started);
}

Task<int> add_answers() {
  auto first = answer();
  auto second = answer();
  int a = co_await first;
  int b = co_await std::move(second);
  co_return a + b;
}

TEST(Task, ReturnsAValueToItsAwaiter) {
  EXPECT_EQ(stead::sync_wait(answer()), 42);
  EXPECT_EQ(stead::sync_wait(add_answers()), 84);
}

Task<void> append(std::vector<std::string>* log, std::string entry) {
  log->push_back(std::move(entry));
  co_return;
}
Task<void> append_twice(std::vector<std::string>* log) {
  auto first = append(log, "one");
  co_await first;
  auto second = append(log, "two");
  co_await second;
}

TEST(Task, VoidTasksRunInAwaitOrder) {
  std::vector<std::string> log;
  stead::sync_wait(append_twice(&log));
  EXPECT_EQ(log, (std::vector<std::string>{"one", "two"}));
}

Task<int&> pick(int* a, int* b, bool first) {
  if (first) co_return *a;
  co_return *b;
}
Task<void> bump_picked(int* a, int* b) {
  auto chosen = pick(a, b, false);
  int& ref = co_await chosen;
  ref += 10;
}

TEST(Task, ReferenceResultsReferToTheOriginalObject) {
  int a = 1;
  int b = 2;
  int& ref = stead::sync_wait(pick(&a, &b, true));
  EXPECT_EQ(&ref, &a);
  stead::sync_wait(bump_picked(&a, &b));
  EXPECT_EQ(a, 1);
  EXPECT_EQ(b, 12);
}

struct Point {
  int x;
  int y;
};
Task<std::unique_ptr<int>> make_unique_value(int v) {
  auto p = std::make_unique<int>(v);
  co_return p;  // implicit move
}
Task<Point> make_point() { co_return {3, 4}; }
Task<int> sum_unique_values() {
  auto first = make_unique_value(5);
  std::unique_ptr<int> a = co_await first;  // lvalue await moves the result out
  auto second = make_unique_value(6);
  std::unique_ptr<int> b = co_await std::move(second);
  auto point_task = make_point();
  Point p = co_await point_task;
  co_return *a + *b + p.x + p.y;
}

TEST(Task, MoveOnlyAndBracedResults) {
  std::unique_ptr<int> p = stead::sync_wait(make_unique_value(7));
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(*p, 7);
  EXPECT_EQ(stead::sync_wait(sum_unique_values()), 18);
}

Task<int> fail_with(std::string message) {
  throw std::runtime_error(message);
  co_return 0;
}
Task<std::string> catch_failure() {
  auto failing = fail_with("inner failed");
  try {
    co_await failing;
  } catch (const std::runtime_error& e) {
    co_return std::string("caught: ") + e.what();
  }
  co_return "not thrown";
}
Task<void> rethrow_through_void() {
  auto failing = fail_with("through void");
  co_await failing;
}

TEST(Task, ExceptionsPropagateToTheAwaiter) {
  EXPECT_EQ(stead::sync_wait(catch_failure()), "caught: inner failed");
  EXPECT_THROW(stead::sync_wait(fail_with("direct")), std::runtime_error);
  try {
    stead::sync_wait(rethrow_through_void());
    FAIL() << "expected an exception";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "through void");
  }
}

Task<int> depth(int n) {
  if (n == 0) co_return 0;
  auto inner = depth(n - 1);
  int below = co_await inner;
  co_return below + 1;
}

TEST(Task, NestedAwaitsUnwindInOrder) { EXPECT_EQ(stead::sync_wait(depth(100)), 100); }

Task<int> identity(int v) { co_return v; }
Task<long> sum_synchronously(int n) {
  long sum = 0;
  for (int i = 0; i < n; ++i) {
    auto t = identity(i);
    sum += co_await t;
  }
  co_return sum;
}
Task<void> nothing() { co_return; }
Task<int> await_nothing(int n) {
  int count = 0;
  for (int i = 0; i < n; ++i) {
    auto t = nothing();
    co_await t;
    ++count;
  }
  co_return count;
}

// Would overflow the stack if each synchronous completion nested a resume (it does with a
// plain symmetric-transfer task under g++ 12 at -O0 and under ASan).
TEST(Task, AMillionSynchronousAwaitsRunInConstantStack) {
  constexpr int kN = 1'000'000;
  EXPECT_EQ(stead::sync_wait(sum_synchronously(kN)), static_cast<long>(kN) * (kN - 1) / 2);
  EXPECT_EQ(stead::sync_wait(await_nothing(kN)), kN);
}

Task<int> hold_tracked(Tracked param, Counters* counters) {
  Tracked local(counters);
  co_return param.counters->live();
}
Task<Tracked> return_tracked(Counters* counters) { co_return Tracked(counters); }

TEST(Task, DestroyingAnUnstartedTaskFreesItsFrame) {
  Counters counters;
  {
    Tracked arg(&counters);
    Task<int> task = hold_tracked(arg, &counters);
    EXPECT_GE(counters.live(), 2);  // `arg` plus the frame's copy of the parameter
  }
  EXPECT_EQ(counters.live(), 0);
  EXPECT_GT(counters.constructed, 1);
}

TEST(Task, DestroyingAFinishedTaskFreesItsFrame) {
  Counters counters;
  {
    Task<Tracked> task = return_tracked(&counters);
    Tracked got = stead::sync_wait(std::move(task));
    EXPECT_EQ(counters.live(), 1);  // only `got`: sync_wait freed the frame and its result
  }
  EXPECT_EQ(counters.live(), 0);
  {
    Tracked arg(&counters);
    Task<int> task = hold_tracked(arg, &counters);  // the call's own parameter dies here
    int live_inside = stead::sync_wait(std::move(task));
    EXPECT_EQ(live_inside, 3);  // arg, the frame's parameter copy, the local
  }
  EXPECT_EQ(counters.live(), 0);
}

TEST(Task, MoveAssignmentFreesTheOverwrittenFrame) {
  Counters counters;
  Tracked arg(&counters);
  Task<int> task = hold_tracked(arg, &counters);
  task = answer();
  EXPECT_EQ(counters.live(), 1);
  Task<int> moved = std::move(task);
  EXPECT_FALSE(task.valid());  // NOLINT(bugprone-use-after-move): testing the moved-from state
  EXPECT_EQ(stead::sync_wait(std::move(moved)), 42);
}

Task<void> await_empty() {
  Task<int> empty;
  co_await empty;
}

TEST(Task, AwaitingAnEmptyTaskThrowsLogicError) {
  EXPECT_THROW(stead::sync_wait(await_empty()), std::logic_error);
  EXPECT_THROW(stead::sync_wait(Task<int>()), std::logic_error);
}

// --- sync_wait across threads and the callback adapter ---------------------------------

Task<int> completed_by_thread(std::thread* worker, std::thread::id* finished_on) {
  auto start = [worker](Resumer<int> resume) { *worker = std::thread([resume] { resume(7); }); };
  auto op = stead::async_callback<int>(start);
  int v = co_await op;
  *finished_on = std::this_thread::get_id();
  co_return v * 6;
}

// Whichever of the two threads wins the hand-off race, sync_wait returns the value once, and
// the task ran its end on one of them.
TEST(SyncWait, ReturnsTheResultOfATaskCompletedOnAnotherThread) {
  for (int i = 0; i < 200; ++i) {
    std::thread worker;
    std::thread::id finished_on;
    int v = stead::sync_wait(completed_by_thread(&worker, &finished_on));
    std::thread::id worker_id = worker.get_id();
    worker.join();
    EXPECT_EQ(v, 42);
    EXPECT_TRUE(finished_on == worker_id || finished_on == std::this_thread::get_id());
  }
}

// The operation's start hands the resumer out; the test completes it later from a thread.
struct Mailbox {
  std::function<void(int)> complete_int;
  std::function<void(std::exception_ptr)> fail_int;
};
Task<void> await_mailbox(Mailbox* mailbox, int* got, std::thread::id* resumed_on) {
  auto start = [mailbox](Resumer<int> resume) {
    mailbox->complete_int = resume;  // Resumer<int> converts to std::function<void(int)>
    mailbox->fail_int = [resume](std::exception_ptr e) { resume.set_exception(e); };
  };
  auto op = stead::async_callback<int>(start);
  *got = co_await op;
  *resumed_on = std::this_thread::get_id();
}

TEST(AsyncCallback, ResumesOnTheThreadThatCompletesAfterSuspension) {
  Mailbox mailbox;
  int got = 0;
  std::thread::id resumed_on;
  std::atomic<bool> done{false};
  run_detached(await_mailbox(&mailbox, &got, &resumed_on), &done);
  ASSERT_FALSE(done.load());  // suspended: start returned without completing
  ASSERT_TRUE(mailbox.complete_int);
  std::thread worker([&mailbox] { mailbox.complete_int(5); });
  std::thread::id worker_id = worker.get_id();
  worker.join();
  EXPECT_TRUE(done.load(std::memory_order_acquire));
  EXPECT_EQ(got, 5);
  EXPECT_EQ(resumed_on, worker_id);
}

TEST(AsyncCallback, DeliversAnExceptionFromAnotherThread) {
  Mailbox mailbox;
  int got = 0;
  std::thread::id resumed_on;
  std::atomic<bool> done{false};
  auto task = await_mailbox(&mailbox, &got, &resumed_on);
  auto guarded = [](Task<void> inner, bool* threw) -> Task<void> {
    try {
      co_await inner;
    } catch (const std::runtime_error&) {
      *threw = true;
    }
  };
  bool threw = false;
  run_detached(guarded(std::move(task), &threw), &done);
  std::thread worker([&mailbox] { mailbox.fail_int(std::make_exception_ptr(std::runtime_error("rpc failed"))); });
  worker.join();
  EXPECT_TRUE(done.load(std::memory_order_acquire));
  EXPECT_TRUE(threw);
  EXPECT_EQ(got, 0);
}

Task<long> sum_inline_callbacks(int n) {
  long sum = 0;
  for (int i = 0; i < n; ++i) {
    auto start = [i](Resumer<int> resume) { resume(i); };
    auto op = stead::async_callback<int>(start);
    sum += co_await op;
  }
  co_return sum;
}

TEST(AsyncCallback, SynchronousCompletionDoesNotSuspendOrGrowTheStack) {
  constexpr int kN = 1'000'000;
  EXPECT_EQ(stead::sync_wait(sum_inline_callbacks(kN)), static_cast<long>(kN) * (kN - 1) / 2);
}

Task<std::string> void_then_move_only() {
  auto start_void = [](Resumer<void> resume) { resume(); };
  auto done = stead::async_callback<void>(start_void);
  co_await done;
  std::function<void(Resumer<std::unique_ptr<std::string>>)> start_erased =
      [](Resumer<std::unique_ptr<std::string>> resume) { resume(std::make_unique<std::string>("erased")); };
  stead::CallbackAwaiter<std::unique_ptr<std::string>> erased(start_erased);
  std::unique_ptr<std::string> s = co_await erased;
  co_return *s;
}

TEST(AsyncCallback, VoidMoveOnlyAndTypeErasedForms) { EXPECT_EQ(stead::sync_wait(void_then_move_only()), "erased"); }

Task<int> start_throws() {
  auto start = [](Resumer<int>) { throw std::invalid_argument("bad request"); };
  auto op = stead::async_callback<int>(start);
  int v = co_await op;
  co_return v;
}
Task<int> inline_exception() {
  auto start = [](Resumer<int> resume) { resume.set_exception(std::make_exception_ptr(std::out_of_range("x"))); };
  auto op = stead::async_callback<int>(start);
  int v = co_await op;
  co_return v;
}

TEST(AsyncCallback, ExceptionsFromStartOrCompletionReachTheAwaiter) {
  EXPECT_THROW(stead::sync_wait(start_throws()), std::invalid_argument);
  EXPECT_THROW(stead::sync_wait(inline_exception()), std::out_of_range);
}

// The shape of the client's callback forms: a callback receiving a value-or-error object.
struct FakeOutcome {
  int value_or_throw() const {
    if (error) std::rethrow_exception(error);
    return value;
  }
  int value = 0;
  std::exception_ptr error;
};
Task<int> bridge_outcome(FakeOutcome outcome) {
  auto start = [outcome](Resumer<int> resume) {
    std::function<void(FakeOutcome)> callback = [resume](FakeOutcome o) {
      resume.complete_with([&] { return o.value_or_throw(); });
    };
    callback(outcome);
  };
  auto op = stead::async_callback<int>(start);
  int v = co_await op;
  co_return v;
}
Task<void> bridge_void(bool fail) {
  auto start = [fail](Resumer<void> resume) {
    resume.complete_with([fail] {
      if (fail) throw std::runtime_error("void failed");
    });
  };
  auto op = stead::async_callback<void>(start);
  co_await op;
}

TEST(AsyncCallback, CompleteWithTurnsAValueOrAnExceptionIntoTheResult) {
  EXPECT_EQ(stead::sync_wait(bridge_outcome({.value = 8, .error = nullptr})), 8);
  FakeOutcome failed{.value = 0, .error = std::make_exception_ptr(std::domain_error("rpc"))};
  EXPECT_THROW(stead::sync_wait(bridge_outcome(failed)), std::domain_error);
  EXPECT_NO_THROW(stead::sync_wait(bridge_void(false)));
  EXPECT_THROW(stead::sync_wait(bridge_void(true)), std::runtime_error);
}

Task<int> reference_callback(int* target) {
  auto start = [target](Resumer<int&> resume) { resume(*target); };
  auto op = stead::async_callback<int&>(start);
  int& ref = co_await op;
  ref = 99;
  co_return ref;
}

TEST(AsyncCallback, ReferenceResults) {
  int target = 0;
  EXPECT_EQ(stead::sync_wait(reference_callback(&target)), 99);
  EXPECT_EQ(target, 99);
}

}  // namespace
