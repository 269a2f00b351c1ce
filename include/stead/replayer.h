// stead::Replayer: replays recorded workflow histories against the workflow code of this
// build, to catch non-deterministic changes before they reach running workflows.
//
//   stead::Replayer replayer;
//   replayer.register_workflow<OrderWorkflow>();
//   replayer.replay_json(read_file("order-42.json"));  // `temporal workflow show --output json`
//
// replay() runs every workflow task the history records (no server, no activities: their
// results come from the history) and checks that the code issues exactly the commands the
// history recorded, in order. It throws NondeterminismError naming the first event and
// command that differ, and ReplayError when the workflow code fails the task otherwise (e.g.
// throws a non-workflow exception, or its type is not registered). A history of a run still in
// progress replays up to its last completed workflow task.
//
// Thread safety: register before replaying; replay() is const and may run concurrently.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "stead/client.h"
#include "stead/converter.h"
#include "stead/errors.h"
#include "stead/workflow_definition.h"
#include "temporal/api/history/v1/message.pb.h"

namespace stead {

using History = temporal::api::history::v1::History;

// The workflow code failed a workflow task during replay for a reason other than
// non-determinism. what() carries the reason.
class ReplayError : public Error {
 public:
  using Error::Error;
};

struct ReplayerOptions {
  // Must match the converter the workers used (codecs in particular).
  DataConverter data_converter{};
  std::string namespace_ = "default";
};

class Replayer {
 public:
  explicit Replayer(ReplayerOptions options = {});

  template <class Wf>
    requires NamedWorkflow<Wf>
  Replayer& register_workflow() {
    return register_workflow(make_workflow_definition<Wf>(std::string(Wf::name)));
  }
  template <class Wf>
  Replayer& register_workflow(std::string name) {
    return register_workflow(make_workflow_definition<Wf>(std::move(name)));
  }
  Replayer& register_workflow(detail::ErasedWorkflow definition);

  // `workflow_id` only shows in workflow::info() during the replay.
  void replay(const History& history, const std::string& workflow_id = "replay") const;
  void replay_json(std::string_view json, const std::string& workflow_id = "replay") const;

  // Parses a history exported as JSON: Temporal's protobuf JSON ({"events": [...]}, as
  // `temporal workflow show --output json` and the Web UI's download write it), accepting
  // both enum spellings ("EVENT_TYPE_WORKFLOW_EXECUTION_STARTED" and
  // "WorkflowExecutionStarted"). Throws std::invalid_argument with the parser's message.
  static History history_from_json(std::string_view json);

 private:
  ReplayerOptions options_;
  std::shared_ptr<std::map<std::string, std::shared_ptr<const detail::ErasedWorkflow>, std::less<>>> workflows_;
};

}  // namespace stead
