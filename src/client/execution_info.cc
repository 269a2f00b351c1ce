#include "client/execution_info.h"

#include "common/time_util.h"

namespace stead::detail {

void fill_execution_info(const temporal::api::workflow::v1::WorkflowExecutionInfo& in, const DataConverter& converter,
                         WorkflowExecutionInfo* out) {
  out->workflow_id = in.execution().workflow_id();
  out->run_id = in.execution().run_id();
  out->workflow_type = in.type().name();
  out->task_queue = in.task_queue();
  out->status = static_cast<WorkflowExecutionStatus>(in.status());
  if (in.has_start_time()) out->start_time = from_proto(in.start_time());
  if (in.has_execution_time()) out->execution_time = from_proto(in.execution_time());
  if (in.has_close_time()) out->close_time = from_proto(in.close_time());
  out->history_length = in.history_length();
  out->history_size_bytes = in.history_size_bytes();
  out->parent_workflow_id = in.parent_execution().workflow_id();
  out->parent_run_id = in.parent_execution().run_id();
  std::vector<std::string> keys;
  std::vector<Payload> values;
  for (const auto& [key, value] : in.memo().fields()) {
    keys.push_back(key);
    values.push_back(value);
  }
  values = converter.decode(std::move(values));
  for (size_t i = 0; i < keys.size(); ++i) out->memo.emplace(keys[i], std::move(values[i]));
  for (const auto& [name, value] : in.search_attributes().indexed_fields()) out->search_attributes.emplace(name, value);
  out->raw = std::make_shared<const temporal::api::workflow::v1::WorkflowExecutionInfo>(in);
}

}  // namespace stead::detail
