#include "client/rpc_error.h"

#include "google/rpc/status.pb.h"
#include "stead/errors.h"
#include "temporal/api/errordetails/v1/message.pb.h"

namespace stead::detail {

namespace details = temporal::api::errordetails::v1;

std::exception_ptr rpc_error(const grpc::Status& status, const RpcContext& context, const DataConverter& converter) {
  const auto code = static_cast<RpcCode>(status.error_code());
  const std::string& message = status.error_message();
  const std::string& raw = status.error_details();
  using Kind = RpcContext::Kind;

  google::rpc::Status rich;
  if (!raw.empty() && rich.ParseFromString(raw)) {
    for (const auto& any : rich.details()) {
      if (details::NamespaceNotFoundFailure d; any.UnpackTo(&d))
        return std::make_exception_ptr(NamespaceNotFoundError(message, d.namespace_(), raw));
      if (details::WorkflowExecutionAlreadyStartedFailure d; any.UnpackTo(&d))
        return std::make_exception_ptr(
            WorkflowAlreadyStartedError(message, context.workflow_id, context.workflow_type, d.run_id(), raw));
      if (details::QueryFailedFailure d; any.UnpackTo(&d)) {
        std::shared_ptr<const FailureError> cause;
        if (d.has_failure()) cause = converter.from_failure(d.failure());
        return std::make_exception_ptr(QueryFailedError(message, std::move(cause), raw));
      }
    }
  }
  if (code == RpcCode::kAlreadyExists && context.kind == Kind::kStart)
    return std::make_exception_ptr(
        WorkflowAlreadyStartedError(message, context.workflow_id, context.workflow_type, "", raw));
  if (code == RpcCode::kInvalidArgument && context.kind == Kind::kQuery)
    return std::make_exception_ptr(QueryFailedError(message, nullptr, raw));
  if (code == RpcCode::kNotFound && (context.kind == Kind::kWorkflow || context.kind == Kind::kQuery))
    return std::make_exception_ptr(WorkflowNotFoundError(message, context.workflow_id, context.run_id, raw));
  return std::make_exception_ptr(RPCError(code, message, raw));
}

}  // namespace stead::detail
