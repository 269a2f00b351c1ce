// The Replayer on histories of real runs: workflows from tests/replay/replay_workflows.h run on
// the C++ worker against an in-process server; their histories are exported as JSON by the
// real Temporal CLI (`temporal workflow show --output json`) when it is installed
// (scripts/install-temporal-cli), else by protobuf's JSON printer, and replayed.
// STEAD_RECORD_HISTORIES=<dir> writes the exported JSON there (how tests/data/histories was made).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <google/protobuf/util/json_util.h>

#include "replay/replay_workflows.h"
#include "stead/client.h"
#include "stead/replayer.h"
#include "stead/server.h"
#include "stead/worker.h"
#include "test_server.h"

namespace {

using namespace std::chrono_literals;
using namespace replay_fixtures;

const std::string kQueue = "replay" + stead::itest::run_suffix();
const std::string kSuffix = stead::itest::run_suffix();

std::string temporal_cli() {
  if (const char* path = std::getenv("STEAD_TEMPORAL_CLI")) return path;
  const char* home = std::getenv("HOME");
  std::string path = std::string(home ? home : "") + "/.cache/stead-go/bin/temporal";
  return std::filesystem::exists(path) ? path : "";
}

std::string run_command(const std::string& command) {
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return out;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
  int rc = ::pclose(pipe);
  if (rc != 0) ADD_FAILURE() << command << " exited with " << rc << ": " << out;
  return out;
}

class ReplayerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new stead::itest::TestServer();
    client_ = new stead::Client(stead::Client::connect({.address = server_->address()}));
    worker_ = new stead::Worker(*client_, {.task_queue = kQueue});
    worker_->register_workflow<ShipmentWorkflow>().register_workflow<EchoChild>().register_workflow<RelayWorkflow>();
    worker_->register_activity("pack", [](std::string order) { return "box-" + order; });
    worker_->start();
  }
  static void TearDownTestSuite() {
    delete worker_;
    delete client_;
    delete server_;
  }

  // The history of a closed run as JSON, the way an operator exports it.
  std::string export_json(const stead::WorkflowHandle& handle, const std::string& name) {
    std::string json;
    if (std::string cli = temporal_cli(); !cli.empty()) {
      json = run_command(cli + " workflow show --address " + server_->address() + " --namespace default -w " +
                         handle.id() + " --output json 2>&1");
    } else {
      auto history = handle.fetch_history();
      google::protobuf::util::MessageToJsonString(history, &json);
    }
    if (const char* dir = std::getenv("STEAD_RECORD_HISTORIES")) std::ofstream(std::string(dir) + "/" + name + ".json") << json;
    return json;
  }

  static stead::itest::TestServer* server_;
  static stead::Client* client_;
  static stead::Worker* worker_;
};

stead::itest::TestServer* ReplayerTest::server_ = nullptr;
stead::Client* ReplayerTest::client_ = nullptr;
stead::Worker* ReplayerTest::worker_ = nullptr;

TEST_F(ReplayerTest, ExportedHistoryReplaysAndAChangedWorkflowIsNondeterministic) {
  auto handle = client_->start_workflow<ShipmentWorkflow>(std::string("o-1"), {.id = "shipment-1" + kSuffix, .task_queue = kQueue});
  handle.signal("confirm", std::string("ACME"));
  ASSERT_EQ(handle.result<std::string>(), "box-o-1 via ACME");
  std::string json = export_json(handle, "shipment");

  stead::History history = stead::Replayer::history_from_json(json);
  EXPECT_GT(history.events_size(), 10);

  stead::Replayer same;
  same.register_workflow<ShipmentWorkflow>();
  EXPECT_NO_THROW(same.replay_json(json));

  stead::Replayer patched;
  patched.register_workflow<ShipmentWorkflowPatched>();
  EXPECT_NO_THROW(patched.replay_json(json)) << "a patched() change must replay old histories";

  stead::Replayer reordered;
  reordered.register_workflow<ShipmentWorkflowReordered>();
  try {
    reordered.replay_json(json);
    ADD_FAILURE() << "the reordered workflow must be reported as non-deterministic";
  } catch (const stead::NondeterminismError& e) {
    EXPECT_NE(std::string(e.what()).find("ActivityTaskScheduled"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("StartTimer"), std::string::npos) << e.what();
  }
}

TEST_F(ReplayerTest, ChildWorkflowAndContinueAsNewReplay) {
  auto handle = client_->start_workflow<RelayWorkflow>(2, {.id = "relay-1" + kSuffix, .task_queue = kQueue});
  ASSERT_EQ(handle.result<int>(), 4);  // the last run: hops 1 + "hop".size()
  // The current run (hops = 1) and, through the CLI's default, the latest run's history.
  std::string json = export_json(handle, "relay");
  stead::Replayer replayer;
  replayer.register_workflow<RelayWorkflow>();
  // The workflow id is not in the history; the code derives the child id from it.
  EXPECT_NO_THROW(replayer.replay_json(json, "relay-1" + kSuffix));
}

TEST_F(ReplayerTest, UnregisteredTypeIsAReplayError) {
  auto handle = client_->start_workflow<ShipmentWorkflow>(std::string("o-2"), {.id = "shipment-2" + kSuffix, .task_queue = kQueue});
  handle.signal("confirm", std::string("DHL"));
  handle.result<std::string>();
  stead::Replayer empty;
  EXPECT_THROW(empty.replay(handle.fetch_history()), stead::ReplayError);
}

}  // namespace
