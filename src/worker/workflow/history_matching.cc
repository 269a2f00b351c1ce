#include "worker/workflow/history_matching.h"

#include <nlohmann/json.hpp>

#include "stead/payload_converter.h"

namespace stead::worker {

namespace enums = temporal::api::enums::v1;
using temporal::api::command::v1::Command;
using temporal::api::history::v1::HistoryEvent;

std::optional<PatchMarker> patch_marker(const HistoryEvent& event, const DataConverter& converter) {
  if (event.event_type() != enums::EVENT_TYPE_MARKER_RECORDED) return std::nullopt;
  const auto& a = event.marker_recorded_event_attributes();
  if (a.marker_name() != kPatchMarkerName) return std::nullopt;
  const auto& details = a.details();
  if (auto it = details.find(kPatchMarkerDetailsKey); it != details.end() && it->second.payloads_size() > 0) {
    try {
      Payload payload = converter.decode({it->second.payloads(0)}).front();
      auto json = stead::from_payload<nlohmann::json>(payload);
      return PatchMarker{json.value("id", std::string()), json.value("deprecated", false)};
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }
  // The older format: raw bytes under "patch_id" and "deprecated".
  auto id = details.find("patch_id");
  if (id == details.end() || id->second.payloads_size() == 0) return std::nullopt;
  PatchMarker marker{id->second.payloads(0).data(), false};
  if (auto dep = details.find("deprecated"); dep != details.end() && dep->second.payloads_size() > 0) {
    const std::string& data = dep->second.payloads(0).data();
    marker.deprecated = !data.empty() && data[0] != 0;
  }
  return marker;
}

std::optional<std::string> local_activity_marker_id(const HistoryEvent& event, const DataConverter& converter) {
  if (event.event_type() != enums::EVENT_TYPE_MARKER_RECORDED) return std::nullopt;
  const auto& a = event.marker_recorded_event_attributes();
  if (a.marker_name() != kLocalActivityMarkerName) return std::nullopt;
  auto data = a.details().find("data");
  if (data == a.details().end() || data->second.payloads_size() == 0) return std::nullopt;
  try {
    auto json = stead::from_payload<nlohmann::json>(converter.decode({data->second.payloads(0)}).front());
    return json.value("activity_id", std::string());
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

Command local_activity_marker_command(const std::string& activity_type, const std::string& activity_id,
                                      int32_t attempt, const std::optional<Payload>& result,
                                      const std::optional<temporal::api::failure::v1::Failure>& failure) {
  Command command;
  command.set_command_type(enums::COMMAND_TYPE_RECORD_MARKER);
  auto* a = command.mutable_record_marker_command_attributes();
  a->set_marker_name(kLocalActivityMarkerName);
  *(*a->mutable_details())["data"].add_payloads() = stead::to_payload(nlohmann::json{
      {"attempt", attempt}, {"activity_id", activity_id}, {"activity_type", activity_type}});
  if (result) *(*a->mutable_details())["result"].add_payloads() = *result;
  if (failure) *a->mutable_failure() = *failure;
  return command;
}

Command patch_marker_command(const std::string& id, bool deprecated) {
  Command command;
  command.set_command_type(enums::COMMAND_TYPE_RECORD_MARKER);
  auto* a = command.mutable_record_marker_command_attributes();
  a->set_marker_name(kPatchMarkerName);
  *(*a->mutable_details())[kPatchMarkerDetailsKey].add_payloads() =
      stead::to_payload(nlohmann::json{{"id", id}, {"deprecated", deprecated}});
  return command;
}

enums::CommandType command_type_recorded_by(enums::EventType type) {
  switch (type) {
    case enums::EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
      return enums::COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK;
    case enums::EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED:
      return enums::COMMAND_TYPE_REQUEST_CANCEL_ACTIVITY_TASK;
    case enums::EVENT_TYPE_TIMER_STARTED:
      return enums::COMMAND_TYPE_START_TIMER;
    case enums::EVENT_TYPE_TIMER_CANCELED:
      return enums::COMMAND_TYPE_CANCEL_TIMER;
    case enums::EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:
      return enums::COMMAND_TYPE_START_CHILD_WORKFLOW_EXECUTION;
    case enums::EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED:
      return enums::COMMAND_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION;
    case enums::EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED:
      return enums::COMMAND_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION;
    case enums::EVENT_TYPE_MARKER_RECORDED:
      return enums::COMMAND_TYPE_RECORD_MARKER;
    case enums::EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
      return enums::COMMAND_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES;
    case enums::EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED:
      return enums::COMMAND_TYPE_MODIFY_WORKFLOW_PROPERTIES;
    case enums::EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
    case enums::EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED:
      return enums::COMMAND_TYPE_PROTOCOL_MESSAGE;
    case enums::EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED:
      return enums::COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION;
    case enums::EVENT_TYPE_WORKFLOW_EXECUTION_FAILED:
      return enums::COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION;
    case enums::EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED:
      return enums::COMMAND_TYPE_CANCEL_WORKFLOW_EXECUTION;
    case enums::EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
      return enums::COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION;
    default:
      return enums::COMMAND_TYPE_UNSPECIFIED;
  }
}

bool records(const HistoryEvent& event, const Command& command, const DataConverter& converter) {
  if (command_type_recorded_by(event.event_type()) != command.command_type()) return false;
  switch (event.event_type()) {
    case enums::EVENT_TYPE_ACTIVITY_TASK_SCHEDULED: {
      const auto& e = event.activity_task_scheduled_event_attributes();
      const auto& c = command.schedule_activity_task_command_attributes();
      return e.activity_id() == c.activity_id() && e.activity_type().name() == c.activity_type().name();
    }
    case enums::EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED:
      return event.activity_task_cancel_requested_event_attributes().scheduled_event_id() ==
             command.request_cancel_activity_task_command_attributes().scheduled_event_id();
    case enums::EVENT_TYPE_TIMER_STARTED:
      return event.timer_started_event_attributes().timer_id() == command.start_timer_command_attributes().timer_id();
    case enums::EVENT_TYPE_TIMER_CANCELED:
      return event.timer_canceled_event_attributes().timer_id() == command.cancel_timer_command_attributes().timer_id();
    case enums::EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED: {
      const auto& e = event.start_child_workflow_execution_initiated_event_attributes();
      const auto& c = command.start_child_workflow_execution_command_attributes();
      return e.workflow_id() == c.workflow_id() && e.workflow_type().name() == c.workflow_type().name();
    }
    case enums::EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED: {
      const auto& e = event.signal_external_workflow_execution_initiated_event_attributes();
      const auto& c = command.signal_external_workflow_execution_command_attributes();
      return e.workflow_execution().workflow_id() == c.execution().workflow_id() && e.signal_name() == c.signal_name();
    }
    case enums::EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED:
      return event.request_cancel_external_workflow_execution_initiated_event_attributes()
                 .workflow_execution()
                 .workflow_id() == command.request_cancel_external_workflow_execution_command_attributes().workflow_id();
    case enums::EVENT_TYPE_MARKER_RECORDED: {
      const auto& c = command.record_marker_command_attributes();
      if (event.marker_recorded_event_attributes().marker_name() != c.marker_name()) return false;
      if (c.marker_name() == kLocalActivityMarkerName) {
        auto recorded = local_activity_marker_id(event, converter);
        auto issued = c.details().find("data");
        if (!recorded || issued == c.details().end() || issued->second.payloads_size() == 0) return false;
        return *recorded ==
               stead::from_payload<nlohmann::json>(issued->second.payloads(0)).value("activity_id", std::string());
      }
      if (c.marker_name() != kPatchMarkerName) return true;
      auto recorded = patch_marker(event, converter);
      auto issued = c.details().find(kPatchMarkerDetailsKey);
      if (!recorded || issued == c.details().end() || issued->second.payloads_size() == 0) return false;
      return recorded->id == stead::from_payload<nlohmann::json>(issued->second.payloads(0)).value("id", std::string());
    }
    case enums::EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
      return command.protocol_message_command_attributes().message_id() ==
             event.workflow_execution_update_accepted_event_attributes().protocol_instance_id() + "/accept";
    case enums::EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED:
      return command.protocol_message_command_attributes().message_id() ==
             event.workflow_execution_update_completed_event_attributes().meta().update_id() + "/complete";
    default:
      return true;
  }
}

bool skippable_without_command(const HistoryEvent& event, const DataConverter& converter) {
  if (auto patch = patch_marker(event, converter)) return patch->deprecated;
  if (event.event_type() == enums::EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES) {
    const auto& fields = event.upsert_workflow_search_attributes_event_attributes().search_attributes().indexed_fields();
    return fields.size() == 1 && fields.count(kChangeVersionAttribute) == 1;
  }
  return false;
}

namespace {

std::string quoted(const std::string& s) { return "'" + s + "'"; }

std::string short_name(const std::string& enum_name, const char* prefix) {
  std::string name = enum_name.rfind(prefix, 0) == 0 ? enum_name.substr(std::string(prefix).size()) : enum_name;
  // SCHEDULE_ACTIVITY_TASK -> ScheduleActivityTask
  std::string out;
  bool upper = true;
  for (char c : name) {
    if (c == '_') {
      upper = true;
      continue;
    }
    out += upper ? c : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    upper = false;
  }
  return out;
}

}  // namespace

std::string describe_command(const Command& command) {
  std::string out = short_name(enums::CommandType_Name(command.command_type()), "COMMAND_TYPE_");
  switch (command.command_type()) {
    case enums::COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK: {
      const auto& a = command.schedule_activity_task_command_attributes();
      return out + " (activity_type " + quoted(a.activity_type().name()) + ", activity_id " + quoted(a.activity_id()) +
             ")";
    }
    case enums::COMMAND_TYPE_START_TIMER:
      return out + " (timer_id " + quoted(command.start_timer_command_attributes().timer_id()) + ")";
    case enums::COMMAND_TYPE_CANCEL_TIMER:
      return out + " (timer_id " + quoted(command.cancel_timer_command_attributes().timer_id()) + ")";
    case enums::COMMAND_TYPE_START_CHILD_WORKFLOW_EXECUTION: {
      const auto& a = command.start_child_workflow_execution_command_attributes();
      return out + " (workflow_type " + quoted(a.workflow_type().name()) + ", workflow_id " + quoted(a.workflow_id()) +
             ")";
    }
    case enums::COMMAND_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION:
      return out + " (signal " + quoted(command.signal_external_workflow_execution_command_attributes().signal_name()) +
             ")";
    case enums::COMMAND_TYPE_RECORD_MARKER:
      return out + " (marker " + quoted(command.record_marker_command_attributes().marker_name()) + ")";
    case enums::COMMAND_TYPE_PROTOCOL_MESSAGE:
      return out + " (message " + quoted(command.protocol_message_command_attributes().message_id()) + ")";
    default:
      return out;
  }
}

std::string describe_event(const HistoryEvent& event) {
  std::string out = "event " + std::to_string(event.event_id()) + " " +
                    short_name(enums::EventType_Name(event.event_type()), "EVENT_TYPE_");
  switch (event.event_type()) {
    case enums::EVENT_TYPE_ACTIVITY_TASK_SCHEDULED: {
      const auto& a = event.activity_task_scheduled_event_attributes();
      return out + " (activity_type " + quoted(a.activity_type().name()) + ", activity_id " + quoted(a.activity_id()) +
             ")";
    }
    case enums::EVENT_TYPE_TIMER_STARTED:
      return out + " (timer_id " + quoted(event.timer_started_event_attributes().timer_id()) + ")";
    case enums::EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED: {
      const auto& a = event.start_child_workflow_execution_initiated_event_attributes();
      return out + " (workflow_type " + quoted(a.workflow_type().name()) + ", workflow_id " + quoted(a.workflow_id()) +
             ")";
    }
    case enums::EVENT_TYPE_MARKER_RECORDED:
      return out + " (marker " + quoted(event.marker_recorded_event_attributes().marker_name()) + ")";
    default:
      return out;
  }
}

Command matching_fields(const Command& command) {
  Command out = command;
  switch (command.command_type()) {
    case enums::COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK:
      out.mutable_schedule_activity_task_command_attributes()->clear_input();
      break;
    case enums::COMMAND_TYPE_START_CHILD_WORKFLOW_EXECUTION:
      out.mutable_start_child_workflow_execution_command_attributes()->clear_input();
      out.mutable_start_child_workflow_execution_command_attributes()->clear_memo();
      break;
    case enums::COMMAND_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION:
      out.mutable_signal_external_workflow_execution_command_attributes()->clear_input();
      break;
    case enums::COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION:
      out.mutable_complete_workflow_execution_command_attributes()->clear_result();
      break;
    case enums::COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION:
      out.mutable_continue_as_new_workflow_execution_command_attributes()->clear_input();
      break;
    default:
      break;
  }
  return out;
}

}  // namespace stead::worker
