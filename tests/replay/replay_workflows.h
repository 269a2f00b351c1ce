// Workflows whose recorded histories the replay tests check (tests/data/histories/*.json were
// recorded from these, see tests/integration/replayer_test.cc). Changing their code changes
// what a replay must report: keep them as they are, add new ones instead.
#pragma once

#include <chrono>
#include <string>

#include "stead/workflow.h"
#include "stead/workflow_definition.h"

namespace replay_fixtures {

using namespace std::chrono_literals;

// An activity, a timer, a signal-driven condition, and a query.
struct ShipmentWorkflow {
  static constexpr std::string_view name = "ShipmentWorkflow";
  stead::Task<std::string> run(std::string order_id) {
    auto pack = stead::workflow::execute_activity<std::string>("pack", {.start_to_close_timeout = 10s}, order_id);
    std::string box = co_await pack;
    co_await stead::workflow::sleep(10ms);
    auto confirmed = [this] { return !carrier_.empty(); };
    auto wait = stead::workflow::wait_condition(confirmed);
    co_await wait;
    co_return box + " via " + carrier_;
  }
  void confirm(std::string carrier) { carrier_ = std::move(carrier); }
  std::string carrier() const { return carrier_; }
  static void handlers(stead::WorkflowHandlers<ShipmentWorkflow>& h) {
    h.signal("confirm", &ShipmentWorkflow::confirm).query("carrier", &ShipmentWorkflow::carrier);
  }

 private:
  std::string carrier_;
};

// The same workflow type after an incompatible change: the timer now comes before the
// activity. Replaying a ShipmentWorkflow history with it must report non-determinism.
struct ShipmentWorkflowReordered {
  static constexpr std::string_view name = "ShipmentWorkflow";
  stead::Task<std::string> run(std::string order_id) {
    co_await stead::workflow::sleep(10ms);
    auto pack = stead::workflow::execute_activity<std::string>("pack", {.start_to_close_timeout = 10s}, order_id);
    std::string box = co_await pack;
    co_return box;
  }
};

// A compatible change made with a patch: new runs call "label" first; replays of old
// histories (recorded without the marker) keep the old path.
struct ShipmentWorkflowPatched {
  static constexpr std::string_view name = "ShipmentWorkflow";
  stead::Task<std::string> run(std::string order_id) {
    if (stead::workflow::patched("add-label")) {
      auto label = stead::workflow::execute_activity<void>("label", {.start_to_close_timeout = 10s}, order_id);
      co_await label;
    }
    auto pack = stead::workflow::execute_activity<std::string>("pack", {.start_to_close_timeout = 10s}, order_id);
    std::string box = co_await pack;
    co_await stead::workflow::sleep(10ms);
    auto confirmed = [this] { return !carrier_.empty(); };
    auto wait = stead::workflow::wait_condition(confirmed);
    co_await wait;
    co_return box + " via " + carrier_;
  }
  void confirm(std::string carrier) { carrier_ = std::move(carrier); }
  static void handlers(stead::WorkflowHandlers<ShipmentWorkflowPatched>& h) {
    h.signal("confirm", &ShipmentWorkflowPatched::confirm);
  }

 private:
  std::string carrier_;
};

struct EchoChild {
  static constexpr std::string_view name = "EchoChild";
  stead::Task<std::string> run(std::string text) { co_return text; }
};

// A parent that runs a child, then continues as new until hops reaches 1.
struct RelayWorkflow {
  static constexpr std::string_view name = "RelayWorkflow";
  stead::Task<int> run(int hops) {
    auto child = stead::workflow::execute_child_workflow<std::string>(
        "EchoChild", {.id = stead::workflow::info().workflow_id + "-hop-" + std::to_string(hops)}, std::string("hop"));
    std::string echoed = co_await child;
    if (hops > 1) stead::workflow::continue_as_new(hops - 1);
    co_return hops + static_cast<int>(echoed.size());
  }
};

}  // namespace replay_fixtures
