#include "stead/replayer.h"

#include <cctype>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/util/json_util.h>
#include <nlohmann/json.hpp>

#include "worker/workflow/workflow_runtime.h"

namespace stead {

namespace {

namespace pb = google::protobuf;

// "WorkflowExecutionStarted" -> "WORKFLOW_EXECUTION_STARTED".
std::string screaming_snake(const std::string& pascal) {
  std::string out;
  for (size_t i = 0; i < pascal.size(); ++i) {
    char c = pascal[i];
    if (std::isupper(static_cast<unsigned char>(c)) && i > 0) out += '_';
    out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

// Rewrites enum values written in the short PascalCase form (older Go tooling) into the
// proto names JsonStringToMessage accepts, guided by the message descriptor.
void normalize_enums(nlohmann::json& value, const pb::Descriptor* descriptor) {
  if (!value.is_object() || !descriptor) return;
  for (auto& [key, field_value] : value.items()) {
    const pb::FieldDescriptor* field = descriptor->FindFieldByLowercaseName(key);
    if (!field) field = descriptor->FindFieldByCamelcaseName(key);
    if (!field) field = descriptor->FindFieldByName(key);
    if (!field) continue;
    auto fix = [&](nlohmann::json& v) {
      if (field->type() == pb::FieldDescriptor::TYPE_ENUM && v.is_string()) {
        const pb::EnumDescriptor* e = field->enum_type();
        std::string name = v.get<std::string>();
        if (e->FindValueByName(name)) return;
        std::string prefix = screaming_snake(e->name()) + "_";
        std::string candidate = prefix + screaming_snake(name);
        if (e->FindValueByName(candidate)) v = candidate;
      } else if (field->type() == pb::FieldDescriptor::TYPE_MESSAGE && !field->is_map()) {
        normalize_enums(v, field->message_type());
      }
    };
    if (field->is_repeated() && field_value.is_array()) {
      for (auto& item : field_value) fix(item);
    } else {
      fix(field_value);
    }
  }
}

}  // namespace

Replayer::Replayer(ReplayerOptions options)
    : options_(std::move(options)), workflows_(std::make_shared<worker::WorkflowRegistry>()) {}

Replayer& Replayer::register_workflow(detail::ErasedWorkflow definition) {
  std::string name = definition.name;
  if (!workflows_->emplace(name, std::make_shared<const detail::ErasedWorkflow>(std::move(definition))).second)
    throw std::invalid_argument("stead::Replayer: workflow '" + name + "' registered twice");
  return *this;
}

History Replayer::history_from_json(std::string_view json) {
  nlohmann::json parsed = nlohmann::json::parse(json, nullptr, false);
  if (parsed.is_discarded()) throw std::invalid_argument("stead::Replayer: the history is not valid JSON");
  // Some exports wrap the history: {"history": {"events": [...]}}.
  if (parsed.is_object() && parsed.contains("history") && !parsed.contains("events")) parsed = parsed["history"];
  normalize_enums(parsed, History::descriptor());
  History history;
  pb::util::JsonParseOptions parse_options;
  parse_options.ignore_unknown_fields = true;
  auto status = pb::util::JsonStringToMessage(parsed.dump(), &history, parse_options);
  if (!status.ok()) throw std::invalid_argument("stead::Replayer: cannot read the history: " + status.ToString());
  return history;
}

void Replayer::replay(const History& history, const std::string& workflow_id) const {
  if (history.events_size() == 0) throw std::invalid_argument("stead::Replayer: the history has no events");
  const auto& first = history.events(0);
  std::string run_id = first.workflow_execution_started_event_attributes().original_execution_run_id();
  worker::WorkflowRuntime runtime(workflows_, options_.data_converter, options_.namespace_, workflow_id,
                                  run_id.empty() ? "replay-run" : run_id);
  std::vector<const worker::HistoryEvent*> events;
  events.reserve(history.events_size());
  for (const auto& e : history.events()) events.push_back(&e);
  try {
    runtime.apply(events, 0, {});
    runtime.check_replayed_completely();
  } catch (const NondeterminismError&) {
    throw;
  } catch (const worker::WorkflowTaskError& e) {
    throw ReplayError(std::string("workflow task failed during replay: ") + e.what());
  }
}

void Replayer::replay_json(std::string_view json, const std::string& workflow_id) const {
  replay(history_from_json(json), workflow_id);
}

}  // namespace stead
