// Workflow task commands -> history events (temporal-protocol.md §2.3).
#pragma once

#include <string>

#include <google/protobuf/repeated_ptr_field.h>

#include "server/history/config.h"
#include "server/history/mutation.h"
#include "temporal/api/command/v1/message.pb.h"
#include "temporal/api/protocol/v1/message.pb.h"
#include "temporal/api/enums/v1/failed_cause.pb.h"

namespace stead::server::history {

using Commands = google::protobuf::RepeatedPtrField<temporal::api::command::v1::Command>;
using Messages = google::protobuf::RepeatedPtrField<temporal::api::protocol::v1::Message>;

struct CommandValidation {
  temporal::api::enums::v1::WorkflowTaskFailedCause cause = temporal::api::enums::v1::WORKFLOW_TASK_FAILED_CAUSE_UNSPECIFIED;
  std::string message;
  bool closes_workflow = false;  // contains Complete/Fail/Cancel/ContinueAsNew
  bool ok() const { return cause == temporal::api::enums::v1::WORKFLOW_TASK_FAILED_CAUSE_UNSPECIFIED; }
};

// Checks every command against the run's state without changing the state. A failure names
// the workflow-task-failed cause and the first bad command. Normalizes `commands` in place
// as Temporal does: durations above 100 years are capped, retry policies get their defaults.
CommandValidation validate_commands(const Config& config, const v1::MutableState& ms, Commands* commands,
                                    const Messages& messages);

// Appends the events of validated commands, in order, after WorkflowTaskCompleted
// (`completed_event_id`). Only the first closing command counts. Returns whether a new
// workflow task is needed right away (e.g. an activity cancelled before it started).
// Protocol messages (updates) are applied where their PROTOCOL_MESSAGE command stands, the
// others after all commands.
bool apply_commands(Mutation& m, const Commands& commands, const Messages& messages, int64_t completed_event_id,
                    const std::string& identity);

// The next run of `ms`'s chain with the same type, queue, input and options (callers adjust).
Successor successor_of(const v1::MutableState& ms, TimePoint now, std::string new_run_id);
// The retry of a failed or timed-out run under its retry policy, or nullopt with *state
// saying why not (RETRY_POLICY_NOT_SET, MAXIMUM_ATTEMPTS_REACHED, TIMEOUT, ...).
std::optional<Successor> retry_successor(const v1::MutableState& ms, const temporal::api::failure::v1::Failure& failure,
                                         TimePoint now, temporal::api::enums::v1::RetryState* state);

// Normalizes activity timeouts and retry policy as the Go server does (§3.1, §3.2).
// INVALID_ARGUMENT when neither schedule-to-close nor start-to-close is set.
Status normalize_activity(const v1::MutableState& ms,
                          temporal::api::command::v1::ScheduleActivityTaskCommandAttributes* attrs);

}  // namespace stead::server::history
