// Workflow throughput and latency with one C++ SDK worker (stead::Worker), the C++ twin of
// bench/throughput.js. Starts `--workflows` workflows (at most `--concurrency` open at once)
// through the client's callback forms and waits for each result; the worker runs in this
// process on its own connection. Prints one JSON line:
//   {"scenario", "workflows", "wall_s", "throughput", "p50_ms", "p90_ms", "p99_ms", "cpu_s"}
//
//   bench_cpp_worker --address 127.0.0.1:7233 [--scenario one-activity|sequential-activities]
//                    [--workflows 500] [--concurrency 100]
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>
#include <vector>

#include "stead/client.h"
#include "stead/worker.h"
#include "stead/workflow.h"

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

struct OneActivity {
  static constexpr std::string_view name = "BenchOneActivity";
  stead::Task<std::string> run(std::string input) {
    auto a = stead::workflow::execute_activity<std::string>("bench_echo", {.start_to_close_timeout = 30s}, input);
    std::string out = co_await a;
    co_return out;
  }
};

struct SequentialActivities {
  static constexpr std::string_view name = "BenchSequentialActivities";
  stead::Task<std::string> run(std::string input) {
    std::string out = input;
    for (int i = 0; i < 10; ++i) {
      auto a = stead::workflow::execute_activity<std::string>("bench_echo", {.start_to_close_timeout = 30s}, out);
      out = co_await a;
    }
    co_return out;
  }
};

double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec + (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  std::string address = "127.0.0.1:7233", scenario = "one-activity";
  int workflows = 500, concurrency = 100;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--address") address = value;
    else if (flag == "--scenario") scenario = value;
    else if (flag == "--workflows") workflows = std::stoi(value);
    else if (flag == "--concurrency") concurrency = std::stoi(value);
    else {
      std::fprintf(stderr, "unknown flag %s\n", flag.c_str());
      return 2;
    }
  }
  if (scenario != "one-activity" && scenario != "sequential-activities") {
    std::fprintf(stderr, "unknown scenario %s\n", scenario.c_str());
    return 2;
  }
  auto client = stead::Client::connect({.address = address});
  auto worker_client = stead::Client::connect({.address = address});
  std::string queue = "bench-cpp-" + std::to_string(std::chrono::system_clock::now().time_since_epoch().count());
  stead::Worker worker(worker_client, {.task_queue = queue});
  worker.register_workflow<OneActivity>().register_workflow<SequentialActivities>();
  worker.register_activity("bench_echo", [](std::string s) { return s; });
  worker.start();

  std::string type(scenario == "one-activity" ? OneActivity::name : SequentialActivities::name);
  std::mutex mu;
  std::condition_variable cv;
  int open = 0, done = 0, failed = 0;
  std::vector<double> latencies;
  double cpu_before = cpu_seconds();
  auto begin = Clock::now();
  for (int i = 0; i < workflows; ++i) {
    {
      std::unique_lock lock(mu);
      cv.wait(lock, [&] { return open < concurrency; });
      ++open;
    }
    auto started = Clock::now();
    auto finish = [&, started](bool ok) {
      std::lock_guard lock(mu);
      --open;
      ++done;
      if (!ok) ++failed;
      latencies.push_back(std::chrono::duration<double, std::milli>(Clock::now() - started).count());
      cv.notify_all();
    };
    client.start_workflow(type, stead::to_payloads(std::string("x")),
                          {.id = queue + "-" + std::to_string(i), .task_queue = queue},
                          [finish](stead::Outcome<stead::WorkflowHandle> handle) {
                            if (!handle.ok()) return finish(false);
                            handle.value().result({}, [finish](stead::Outcome<std::optional<stead::Payload>> r) {
                              finish(r.ok());
                            });
                          });
  }
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return done == workflows; });
  }
  double wall = std::chrono::duration<double>(Clock::now() - begin).count();
  double cpu = cpu_seconds() - cpu_before;
  worker.shutdown();
  std::sort(latencies.begin(), latencies.end());
  auto pct = [&](double p) { return latencies[std::min(latencies.size() - 1, static_cast<size_t>(p * latencies.size()))]; };
  int activities = scenario == "one-activity" ? 1 : 10;
  std::printf(
      "{\"scenario\":\"%s\",\"workflows\":%d,\"failed\":%d,\"wall_s\":%.3f,\"throughput_wf_s\":%.1f,"
      "\"activities_s\":%.1f,\"p50_ms\":%.0f,\"p90_ms\":%.0f,\"p99_ms\":%.0f,\"client_worker_cpu_s\":%.2f}\n",
      scenario.c_str(), workflows, failed, wall, workflows / wall, workflows * activities / wall, pct(0.5), pct(0.9),
      pct(0.99), cpu);
  return failed == 0 ? 0 : 1;
}
