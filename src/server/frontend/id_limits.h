// Length limits on the ids and names of a request, checked before anything else looks at
// them, as Temporal's frontend does (dynamic config limit.maxIDLength, default 1000 bytes,
// for namespace, workflow id, task queue, workflow type, signal name, request id, identity...).
// A 20,000-character id thus gets a short INVALID_ARGUMENT naming the field instead of
// travelling into lookups and error messages that would echo it.
#pragma once

#include <cstddef>
#include <string>

#include "common/status.h"

namespace stead::server::frontend {

namespace detail {
inline Status too_long(const std::string& value, size_t limit, const char* field) {
  if (value.size() <= limit) return Status::Ok();
  return Status::InvalidArgument(std::string(field) + " length exceeds limit.");
}
}  // namespace detail

// INVALID_ARGUMENT "<Field> length exceeds limit." for the first id of `r` longer than
// `limit` bytes. Works on any request message: it checks the fields that `Req` has.
template <class Req>
Status check_id_lengths(const Req& r, size_t limit) {
  using detail::too_long;
  if constexpr (requires { r.namespace_(); }) STEAD_RETURN_IF_ERROR(too_long(r.namespace_(), limit, "Namespace"));
  if constexpr (requires { r.workflow_id(); }) STEAD_RETURN_IF_ERROR(too_long(r.workflow_id(), limit, "WorkflowId"));
  if constexpr (requires { r.run_id(); }) STEAD_RETURN_IF_ERROR(too_long(r.run_id(), limit, "RunId"));
  if constexpr (requires { r.execution().workflow_id(); }) {
    STEAD_RETURN_IF_ERROR(too_long(r.execution().workflow_id(), limit, "WorkflowId"));
    STEAD_RETURN_IF_ERROR(too_long(r.execution().run_id(), limit, "RunId"));
  }
  if constexpr (requires { r.workflow_execution().workflow_id(); }) {
    STEAD_RETURN_IF_ERROR(too_long(r.workflow_execution().workflow_id(), limit, "WorkflowId"));
    STEAD_RETURN_IF_ERROR(too_long(r.workflow_execution().run_id(), limit, "RunId"));
  }
  if constexpr (requires { r.workflow_type().name(); })
    STEAD_RETURN_IF_ERROR(too_long(r.workflow_type().name(), limit, "WorkflowType"));
  if constexpr (requires { r.task_queue().name(); })
    STEAD_RETURN_IF_ERROR(too_long(r.task_queue().name(), limit, "TaskQueue"));
  if constexpr (requires { r.activity_id(); }) STEAD_RETURN_IF_ERROR(too_long(r.activity_id(), limit, "ActivityId"));
  if constexpr (requires { r.signal_name(); }) STEAD_RETURN_IF_ERROR(too_long(r.signal_name(), limit, "SignalName"));
  if constexpr (requires { r.query().query_type(); })
    STEAD_RETURN_IF_ERROR(too_long(r.query().query_type(), limit, "QueryType"));
  if constexpr (requires { r.request().input().name(); }) {  // UpdateWorkflowExecution
    STEAD_RETURN_IF_ERROR(too_long(r.request().input().name(), limit, "UpdateName"));
    STEAD_RETURN_IF_ERROR(too_long(r.request().meta().update_id(), limit, "UpdateId"));
  }
  if constexpr (requires { r.request_id(); }) STEAD_RETURN_IF_ERROR(too_long(r.request_id(), limit, "RequestId"));
  if constexpr (requires { r.identity(); }) STEAD_RETURN_IF_ERROR(too_long(r.identity(), limit, "Identity"));
  return Status::Ok();
}

}  // namespace stead::server::frontend
