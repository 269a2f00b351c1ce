// Replay of histories recorded from real runs and exported by the Temporal CLI
// (tests/data/histories, made by tests/integration/replayer_test.cc with
// STEAD_RECORD_HISTORIES): deterministic code replays, a reordered one is reported with the
// event and command that differ, a patched one replays old histories.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "replay/replay_workflows.h"
#include "stead/replayer.h"

namespace {

using namespace replay_fixtures;

std::string read_history(const std::string& name) {
  std::ifstream in(std::string(STEAD_TEST_DATA_DIR) + "/histories/" + name);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_FALSE(text.str().empty()) << "missing fixture " << name;
  return text.str();
}

// A workflow that does one thing more at the end than the recorded one.
struct ShipmentWorkflowExtended {
  static constexpr std::string_view name = "ShipmentWorkflow";
  stead::Task<std::string> run(std::string order_id) {
    auto pack = stead::workflow::execute_activity<std::string>("pack", {.start_to_close_timeout = std::chrono::seconds(10)},
                                                               order_id);
    std::string box = co_await pack;
    co_await stead::workflow::sleep(std::chrono::milliseconds(10));
    auto confirmed = [this] { return !carrier_.empty(); };
    auto wait = stead::workflow::wait_condition(confirmed);
    co_await wait;
    co_await stead::workflow::sleep(std::chrono::seconds(1));
    co_return box;
  }
  void confirm(std::string carrier) { carrier_ = std::move(carrier); }
  static void handlers(stead::WorkflowHandlers<ShipmentWorkflowExtended>& h) {
    h.signal("confirm", &ShipmentWorkflowExtended::confirm);
  }

 private:
  std::string carrier_;
};

TEST(ReplayerTest, RecordedHistoryReplays) {
  stead::Replayer replayer;
  replayer.register_workflow<ShipmentWorkflow>();
  EXPECT_NO_THROW(replayer.replay_json(read_history("shipment.json"), "shipment-1"));
}

TEST(ReplayerTest, ReorderedCodeIsNondeterministic) {
  stead::Replayer replayer;
  replayer.register_workflow<ShipmentWorkflowReordered>();
  try {
    replayer.replay_json(read_history("shipment.json"));
    FAIL() << "expected a NondeterminismError";
  } catch (const stead::NondeterminismError& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("event 5 ActivityTaskScheduled (activity_type 'pack', activity_id '1')"), std::string::npos)
        << what;
    EXPECT_NE(what.find("StartTimer (timer_id '1')"), std::string::npos) << what;
  }
}

TEST(ReplayerTest, ExtraCommandAtTheEndIsNondeterministic) {
  stead::Replayer replayer;
  replayer.register_workflow<ShipmentWorkflowExtended>();
  try {
    replayer.replay_json(read_history("shipment.json"));
    FAIL() << "expected a NondeterminismError";
  } catch (const stead::NondeterminismError& e) {
    EXPECT_NE(std::string(e.what()).find("WorkflowExecutionCompleted"), std::string::npos) << e.what();
  }
}

TEST(ReplayerTest, PatchedCodeReplaysHistoryFromBeforeThePatch) {
  stead::Replayer replayer;
  replayer.register_workflow<ShipmentWorkflowPatched>();
  EXPECT_NO_THROW(replayer.replay_json(read_history("shipment.json")));
}

TEST(ReplayerTest, ChildAndContinueAsNewHistoryReplaysWithItsWorkflowId) {
  stead::Replayer replayer;
  replayer.register_workflow<RelayWorkflow>();
  EXPECT_NO_THROW(replayer.replay_json(read_history("relay.json"), "relay-1"));
  // The child id is derived from the workflow id: another id is a different command.
  EXPECT_THROW(replayer.replay_json(read_history("relay.json"), "other"), stead::NondeterminismError);
}

TEST(ReplayerTest, ShortEnumSpellingIsAccepted) {
  // Older Go tooling writes "WorkflowExecutionStarted" rather than the proto enum name.
  std::string json = read_history("shipment.json");
  std::string shortened;
  std::regex event_type("\"EVENT_TYPE_([A-Z_]+)\"");
  auto last = json.cbegin();
  for (std::sregex_iterator it(json.begin(), json.end(), event_type), end; it != end; ++it) {
    shortened.append(last, (*it)[0].first);
    std::string pascal;  // WORKFLOW_TASK_STARTED -> WorkflowTaskStarted
    bool upper = true;
    for (char c : (*it)[1].str()) {
      if (c == '_') {
        upper = true;
        continue;
      }
      pascal += upper ? c : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      upper = false;
    }
    shortened += "\"" + pascal + "\"";
    last = (*it)[0].second;
  }
  shortened.append(last, json.cend());
  ASSERT_NE(shortened, json);
  stead::History a = stead::Replayer::history_from_json(json);
  stead::History b = stead::Replayer::history_from_json(shortened);
  ASSERT_EQ(a.events_size(), b.events_size());
  for (int i = 0; i < a.events_size(); ++i) EXPECT_EQ(a.events(i).event_type(), b.events(i).event_type()) << i;
}

TEST(ReplayerTest, PartialHistoryReplaysUpToItsLastCompletedTask) {
  stead::History history = stead::Replayer::history_from_json(read_history("shipment.json"));
  // Cut right after the second WorkflowTaskStarted: that task is still in flight.
  int started = 0, cut = 0;
  for (int i = 0; i < history.events_size(); ++i) {
    if (history.events(i).event_type() == temporal::api::enums::v1::EVENT_TYPE_WORKFLOW_TASK_STARTED && ++started == 2) {
      cut = i + 1;
      break;
    }
  }
  ASSERT_GT(cut, 0);
  history.mutable_events()->DeleteSubrange(cut, history.events_size() - cut);
  stead::Replayer replayer;
  replayer.register_workflow<ShipmentWorkflow>();
  EXPECT_NO_THROW(replayer.replay(history));
}

TEST(ReplayerTest, MalformedJsonIsAClearError) {
  EXPECT_THROW(stead::Replayer::history_from_json("{not json"), std::invalid_argument);
  EXPECT_THROW(stead::Replayer::history_from_json(R"({"events": [{"eventId": "x"}]})"), std::invalid_argument);
  stead::Replayer replayer;
  EXPECT_THROW(replayer.replay(stead::History{}), std::invalid_argument);
}

}  // namespace
