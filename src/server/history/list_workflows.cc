// ListWorkflowExecutions and CountWorkflowExecutions: the list filter is translated to
// parameterised SQL (server/visibility/list_query.h) and run against the visibility table.
#include "server/history/engine.h"
#include "server/history/history_page.h"
#include "server/visibility/execution_status.h"
#include "server/visibility/list_query.h"
#include "temporal/api/workflow/v1/message.pb.h"

namespace stead::server::history {

namespace enums = temporal::api::enums::v1;

namespace {

constexpr int kDefaultPageSize = 100;
constexpr int kMaxPageSize = 1000;

google::protobuf::Timestamp from_millis(int64_t ms) {
  return to_proto(TimePoint(std::chrono::milliseconds(ms)));
}

void fill_info(const persistence::VisibilityRow& row, temporal::api::workflow::v1::WorkflowExecutionInfo* info) {
  info->mutable_execution()->set_workflow_id(row.key.workflow_id);
  info->mutable_execution()->set_run_id(row.key.run_id);
  info->mutable_type()->set_name(row.workflow_type);
  *info->mutable_start_time() = from_millis(row.start_time_ms);
  *info->mutable_execution_time() = from_millis(row.execution_time_ms);
  if (row.close_time_ms) {
    *info->mutable_close_time() = from_millis(row.close_time_ms);
    *info->mutable_execution_duration() = to_proto_duration(std::chrono::milliseconds(row.close_time_ms - row.execution_time_ms));
  }
  info->set_status(static_cast<enums::WorkflowExecutionStatus>(row.status));
  info->set_history_length(row.history_length);
  info->set_history_size_bytes(row.history_size_bytes);
  info->set_task_queue(row.task_queue);
  info->mutable_memo()->ParseFromString(row.memo);
  info->mutable_search_attributes()->ParseFromString(row.search_attributes);
  if (!row.parent_workflow_id.empty()) {
    info->mutable_parent_execution()->set_workflow_id(row.parent_workflow_id);
    info->mutable_parent_execution()->set_run_id(row.parent_run_id);
  }
  info->mutable_root_execution()->set_workflow_id(row.key.workflow_id);
  info->mutable_root_execution()->set_run_id(row.key.run_id);
}

}  // namespace

visibility::SearchAttributeTypes Engine::search_attribute_types(const std::string& ns) const {
  visibility::SearchAttributeTypes types;
  for (const auto& [name, type] : custom_search_attributes(ns)) types.emplace(name, type);
  return types;
}

void Engine::list_workflows(const wsv1::ListWorkflowExecutionsRequest& request,
                            Reply<wsv1::ListWorkflowExecutionsResponse> reply) {
  visibility::ListQuery query;
  if (Status s = visibility::translate_list_query(request.query(), search_attribute_types(request.namespace_()), &query);
      !s.ok()) {
    return reply(s, {});
  }
  if (query.group_by_status)
    return reply(Status::InvalidArgument("GROUP BY is only supported by CountWorkflowExecutions."), {});
  int64_t offset = 0;
  if (!request.next_page_token().empty()) {
    offset = decode_page_token(request.next_page_token()) - 1;
    if (offset < 0) return reply(Status::InvalidArgument("Invalid NextPageToken."), {});
  }
  int page = request.page_size() > 0 ? std::min(request.page_size(), kMaxPageSize) : kDefaultPageSize;
  std::vector<persistence::VisibilityRow> rows;
  // One row more than the page tells whether another page exists.
  if (Status s = store_.list_visibility(request.namespace_(), query.where_sql, query.params, static_cast<size_t>(offset),
                                        static_cast<size_t>(page) + 1, &rows, query.order_by_sql);
      !s.ok()) {
    return reply(s, {});
  }
  wsv1::ListWorkflowExecutionsResponse resp;
  for (size_t i = 0; i < rows.size() && i < static_cast<size_t>(page); ++i) fill_info(rows[i], resp.add_executions());
  if (rows.size() > static_cast<size_t>(page)) resp.set_next_page_token(encode_page_token(offset + page + 1));
  reply(Status::Ok(), std::move(resp));
}

void Engine::count_workflows(const wsv1::CountWorkflowExecutionsRequest& request,
                             Reply<wsv1::CountWorkflowExecutionsResponse> reply) {
  visibility::ListQuery query;
  if (Status s = visibility::translate_list_query(request.query(), search_attribute_types(request.namespace_()), &query);
      !s.ok()) {
    return reply(s, {});
  }
  wsv1::CountWorkflowExecutionsResponse resp;
  if (!query.group_by_status) {
    int64_t count = 0;
    if (Status s = store_.count_visibility(request.namespace_(), query.where_sql, query.params, &count); !s.ok())
      return reply(s, {});
    resp.set_count(count);
    return reply(Status::Ok(), std::move(resp));
  }
  // GROUP BY ExecutionStatus (the Web UI's counts): one count per status, non-empty groups only.
  int64_t total = 0;
  for (int status = enums::WORKFLOW_EXECUTION_STATUS_RUNNING; status <= enums::WorkflowExecutionStatus_MAX; ++status) {
    if (!enums::WorkflowExecutionStatus_IsValid(status)) continue;
    visibility::ListQuery narrowed = visibility::restrict_to_status(query, status);
    int64_t count = 0;
    if (Status s = store_.count_visibility(request.namespace_(), narrowed.where_sql, narrowed.params, &count); !s.ok())
      return reply(s, {});
    if (count == 0) continue;
    total += count;
    auto* group = resp.add_groups();
    group->set_count(count);
    auto* value = group->add_group_values();
    (*value->mutable_metadata())["encoding"] = "json/plain";
    (*value->mutable_metadata())["type"] = "Keyword";
    value->set_data("\"" + std::string(visibility::execution_status_name(status)) + "\"");
  }
  resp.set_count(total);
  reply(Status::Ok(), std::move(resp));
}

}  // namespace stead::server::history
