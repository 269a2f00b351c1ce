// Time skipping with the C++ testing kit (stead::testing::WorkflowEnvironment, in process).
// Measures, over --runs runs each:
//   - environment start-up: start_time_skipping() and shutdown() (start_local() too);
//   - the month-long workflow on one environment: it sleeps 30 days, runs an activity that
//     fails twice with 2 h and 4 h of backoff, then waits a year for a signal that never
//     comes (395 days of virtual time); wall time from start request to result;
//   - a whole test's cost: a fresh environment, a worker, that workflow, shutdown.
// Prints one JSON line; times in milliseconds ({min, median, p90, max}).
//
//   bench_time_skipping [--runs 20]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "stead/testing.h"
#include "stead/worker.h"
#include "stead/workflow.h"

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
constexpr auto kDay = std::chrono::hours(24);

struct MonthLongWorkflow {
  static constexpr std::string_view name = "BenchMonthLong";
  stead::Task<int64_t> run() {
    auto started = stead::workflow::now();
    auto month = stead::workflow::sleep(30 * kDay);
    co_await month;
    stead::ActivityOptions options{
        .start_to_close_timeout = 1min,
        .retry_policy = stead::RetryPolicy{.initial_interval = 2h, .backoff_coefficient = 2.0, .maximum_attempts = 5}};
    auto flaky = stead::workflow::execute_activity<int>("bench_flaky", options);
    co_await flaky;
    auto never = [] { return false; };
    auto year = stead::workflow::wait_condition(never, 365 * kDay);
    co_await year;
    co_return std::chrono::duration_cast<std::chrono::hours>(stead::workflow::now() - started).count() / 24;
  }
};

int flaky(stead::ActivityContext& ctx) {
  if (ctx.info().attempt < 3) throw std::runtime_error("fails on purpose");
  return ctx.info().attempt;
}

double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

std::string stats(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  auto at = [&](double q) { return v[std::min(v.size() - 1, static_cast<std::size_t>(q * v.size()))]; };
  char buf[160];
  std::snprintf(buf, sizeof buf, R"({"min": %.2f, "median": %.2f, "p90": %.2f, "max": %.2f})", v.front(), at(0.5),
                at(0.9), v.back());
  return buf;
}

// Runs the month-long workflow once on `env` (a worker must serve `queue`); its wall time.
double run_month(const stead::testing::WorkflowEnvironment& env, const std::string& queue, int i) {
  auto t0 = Clock::now();
  int64_t days = env.client().execute_workflow<MonthLongWorkflow>(
      stead::WorkflowOptions{.id = "month-" + std::to_string(i), .task_queue = queue});
  double ms = ms_since(t0);
  if (days < 395) {
    std::fprintf(stderr, "bench_time_skipping: the workflow saw %lld days pass, not 395\n", static_cast<long long>(days));
    std::exit(1);
  }
  return ms;
}

std::unique_ptr<stead::Worker> start_worker(const stead::testing::WorkflowEnvironment& env, const std::string& queue) {
  auto worker = std::make_unique<stead::Worker>(env.client(), stead::WorkerOptions{.task_queue = queue});
  worker->register_workflow<MonthLongWorkflow>().register_activity("bench_flaky", flaky);
  worker->start();
  return worker;
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 20;
  for (int i = 1; i + 1 < argc; i += 2)
    if (std::string(argv[i]) == "--runs") runs = std::max(1, std::atoi(argv[i + 1]));

  std::vector<double> start_ts, shutdown_ts, start_local;
  for (int i = 0; i < runs; ++i) {
    auto t0 = Clock::now();
    auto env = stead::testing::WorkflowEnvironment::start_time_skipping();
    start_ts.push_back(ms_since(t0));
    auto t1 = Clock::now();
    env.shutdown();
    shutdown_ts.push_back(ms_since(t1));
    auto t2 = Clock::now();
    auto local = stead::testing::WorkflowEnvironment::start_local();
    start_local.push_back(ms_since(t2));
  }

  std::vector<double> month;
  {
    auto env = stead::testing::WorkflowEnvironment::start_time_skipping();
    auto worker = start_worker(env, "bench-month");
    for (int i = 0; i < runs; ++i) month.push_back(run_month(env, "bench-month", i));
    worker->shutdown();
  }

  std::vector<double> whole_test;
  for (int i = 0; i < runs; ++i) {
    auto t0 = Clock::now();
    auto env = stead::testing::WorkflowEnvironment::start_time_skipping();
    auto worker = start_worker(env, "bench-month");
    run_month(env, "bench-month", i);
    worker->shutdown();
    env.shutdown();
    whole_test.push_back(ms_since(t0));
  }

  std::printf(
      R"({"harness": "c++ in-process", "runs": %d, "start_time_skipping_ms": %s, "shutdown_ms": %s, )"
      R"("start_local_ms": %s, "month_workflow_wall_ms": %s, "fresh_env_worker_workflow_ms": %s})"
      "\n",
      runs, stats(start_ts).c_str(), stats(shutdown_ts).c_str(), stats(start_local).c_str(), stats(month).c_str(),
      stats(whole_test).c_str());
  return 0;
}
