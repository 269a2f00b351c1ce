// stead::testing::WorkflowEnvironment: a server for workflow tests, as the official SDKs'
// testing packages give them (Python's WorkflowEnvironment, TypeScript's
// TestWorkflowEnvironment). Part of the testing kit (stead/testing.h).
//
//   TEST(Orders, FailsAfterThreeAttempts) {
//     auto env = stead::testing::WorkflowEnvironment::start_time_skipping();
//     stead::Worker worker(env.client(), {.task_queue = "orders"});
//     worker.register_workflow<OrderWorkflow>();
//     worker.register_activity("charge", charge);
//     worker.start();
//     auto handle = env.client().start_workflow<OrderWorkflow>(order, {.id = "o-1", .task_queue = "orders"});
//     EXPECT_THROW(handle.result<Receipt>(), stead::WorkflowFailedError);  // hours of backoff, milliseconds of wall time
//   }
//
// Each environment is its own server inside the test process: no socket, no port, no
// download, an in-memory database, and its own clock, so environments never affect each
// other and each test can have a fresh one (starting one takes a few milliseconds; see
// docs/testing.md).
//
// Time skipping (start_time_skipping): the server runs on a virtual clock. Time skipping
// starts locked, so time passes as on the wall clock, except:
//   - while the client waits for a workflow's result or an update (result(), execute_update,
//     UpdateHandle::result(), in any form), time skipping is unlocked: whenever no workflow or
//     activity task is outstanding, the clock jumps to the next timer, timeout or retry;
//   - env.sleep(d) unlocks it until the server's time has advanced by d.
// While an activity runs (or waits for a worker to pick it up), time passes at wall-clock
// pace: its timeouts fire at the right virtual instant, after that much real time.
// AutoTimeSkippingDisabled keeps waits from unlocking (time then only moves by env.sleep()).
//
// start_local: the same in-process server on the wall clock (no time skipping); sleep()
// sleeps, now() is the wall clock.
//
// Thread safety: client(), now(), sleep() may be called from any thread.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "stead/client.h"
#include "stead/converter.h"
#include "stead/server.h"

namespace stead::testing {

struct WorkflowEnvironmentOptions {
  // The client's namespace; created with the server, as are `namespaces`.
  std::string namespace_ = "default";
  std::vector<std::string> namespaces{};
  // Custom search attributes {name, type} registered in every namespace, as start-dev's
  // --search-attribute (Keyword, Text, Int, Double, Bool, Datetime, KeywordList).
  std::vector<std::pair<std::string, std::string>> search_attributes{};
  DataConverter data_converter{};
  std::string identity{};
  // Also listen on a loopback port (ServerOptions::port; 0 picks one), for code under test
  // that dials an address rather than taking a Client. Off: in-process only.
  bool listen = false;
  int port = 0;
};

class WorkflowEnvironment {
 public:
  // Throws std::runtime_error when the server cannot start (e.g. a bad search attribute).
  static WorkflowEnvironment start_time_skipping(WorkflowEnvironmentOptions options = {});
  static WorkflowEnvironment start_local(WorkflowEnvironmentOptions options = {});

  WorkflowEnvironment(WorkflowEnvironment&&) noexcept;
  WorkflowEnvironment& operator=(WorkflowEnvironment&&) noexcept;
  ~WorkflowEnvironment();  // shutdown()

  // Connected in process, to the environment's namespace.
  const Client& client() const;
  Server& server() const;
  bool supports_time_skipping() const;

  // The server's current time (virtual under time skipping).
  std::chrono::system_clock::time_point now() const;
  // Returns once the server's time has advanced by `duration`: at once under time skipping
  // when nothing is outstanding, after that much wall time otherwise. Throws
  // std::invalid_argument for a negative duration.
  void sleep(std::chrono::nanoseconds duration) const;

  // While one lives, waiting for a result or an update does not unlock time skipping.
  class AutoTimeSkippingDisabled {
   public:
    AutoTimeSkippingDisabled(AutoTimeSkippingDisabled&& other) noexcept : env_(std::exchange(other.env_, nullptr)) {}
    AutoTimeSkippingDisabled(const AutoTimeSkippingDisabled&) = delete;
    AutoTimeSkippingDisabled& operator=(const AutoTimeSkippingDisabled&) = delete;
    AutoTimeSkippingDisabled& operator=(AutoTimeSkippingDisabled&&) = delete;
    ~AutoTimeSkippingDisabled();

   private:
    friend class WorkflowEnvironment;
    explicit AutoTimeSkippingDisabled(const WorkflowEnvironment* env) : env_(env) {}
    const WorkflowEnvironment* env_;
  };
  [[nodiscard]] AutoTimeSkippingDisabled auto_time_skipping_disabled() const;

  // Stops the client's connection and the server. Idempotent. Stop workers first.
  void shutdown();

 private:
  struct Impl;
  explicit WorkflowEnvironment(std::unique_ptr<Impl> impl);
  static WorkflowEnvironment start(WorkflowEnvironmentOptions options, bool time_skipping);
  std::unique_ptr<Impl> impl_;
};

}  // namespace stead::testing
