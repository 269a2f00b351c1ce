// Matching workflow commands with the history events that record them, for replay and
// non-determinism reports.
//
//   ScheduleActivityTask      <-> ActivityTaskScheduled      (activity id and type)
//   RequestCancelActivityTask <-> ActivityTaskCancelRequested (scheduled event id)
//   StartTimer / CancelTimer  <-> TimerStarted / TimerCanceled (timer id)
//   StartChildWorkflowExecution <-> StartChildWorkflowExecutionInitiated (workflow id and type)
//   SignalExternalWorkflowExecution <-> SignalExternalWorkflowExecutionInitiated (id, signal)
//   RequestCancelExternalWorkflowExecution <-> RequestCancelExternalWorkflowExecutionInitiated (id)
//   RecordMarker              <-> MarkerRecorded (marker name; patch id for core_patch)
//   UpsertWorkflowSearchAttributes <-> UpsertWorkflowSearchAttributes
//   ModifyWorkflowProperties  <-> WorkflowPropertiesModified
//   ProtocolMessage           <-> WorkflowExecutionUpdateAccepted / Completed (update id)
//   Complete / Fail / Cancel / ContinueAsNew WorkflowExecution <-> the matching close event
#pragma once

#include <optional>
#include <string>

#include "stead/converter.h"
#include "temporal/api/command/v1/message.pb.h"
#include "temporal/api/history/v1/message.pb.h"

namespace stead::worker {

// The marker name of patches, shared with sdk-core (TypeScript, Python, .NET SDKs).
inline constexpr const char* kPatchMarkerName = "core_patch";
// The details key holding {"id", "deprecated"} (sdk-core's PATCHED_MARKER_DETAILS_KEY).
inline constexpr const char* kPatchMarkerDetailsKey = "patch-data";
// The search attribute sdk-core upserts alongside patch markers.
inline constexpr const char* kChangeVersionAttribute = "TemporalChangeVersion";

// The marker name of local activity results, shared with sdk-core; details: "data" (JSON
// {seq, attempt, activity_id, activity_type}) and "result" (the result payloads); a failed
// local activity's failure is the marker's `failure`.
inline constexpr const char* kLocalActivityMarkerName = "core_local_activity";

struct PatchMarker {
  std::string id;
  bool deprecated = false;
};
// The patch a MarkerRecorded event records (both sdk-core formats), or nullopt.
std::optional<PatchMarker> patch_marker(const temporal::api::history::v1::HistoryEvent& event,
                                        const DataConverter& converter);
// The RecordMarker command of a patch.
temporal::api::command::v1::Command patch_marker_command(const std::string& id, bool deprecated);

// The activity id of a local activity marker, or nullopt.
std::optional<std::string> local_activity_marker_id(const temporal::api::history::v1::HistoryEvent& event,
                                                    const DataConverter& converter);

// The RecordMarker command of a local activity's outcome (payloads already encoded).
temporal::api::command::v1::Command local_activity_marker_command(
    const std::string& activity_type, const std::string& activity_id, int32_t attempt,
    const std::optional<Payload>& result, const std::optional<temporal::api::failure::v1::Failure>& failure);

// The command type whose execution an event records; UNSPECIFIED for other events.
temporal::api::enums::v1::CommandType command_type_recorded_by(temporal::api::enums::v1::EventType type);
// Whether `event` records `command` (type and identifying fields).
bool records(const temporal::api::history::v1::HistoryEvent& event, const temporal::api::command::v1::Command& command,
             const DataConverter& converter);
// An event the code may legitimately not have a command for: a deprecated patch marker, or
// sdk-core's TemporalChangeVersion upsert.
bool skippable_without_command(const temporal::api::history::v1::HistoryEvent& event, const DataConverter& converter);

// "ScheduleActivityTask (activity_type 'charge', activity_id '1')" and the like.
std::string describe_command(const temporal::api::command::v1::Command& command);
std::string describe_event(const temporal::api::history::v1::HistoryEvent& event);
// A copy of `command` with only what records() looks at (payloads dropped).
temporal::api::command::v1::Command matching_fields(const temporal::api::command::v1::Command& command);

}  // namespace stead::worker
