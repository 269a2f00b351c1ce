// Turns a failed gRPC status into the SDK's typed exception (temporal-protocol.md §3.4):
//   NOT_FOUND + NamespaceNotFoundFailure              -> NamespaceNotFoundError
//   ALREADY_EXISTS on a start, or a
//     WorkflowExecutionAlreadyStartedFailure detail   -> WorkflowAlreadyStartedError
//   INVALID_ARGUMENT on a query, or QueryFailedFailure -> QueryFailedError (cause decoded)
//   NOT_FOUND on a workflow call                      -> WorkflowNotFoundError
//   anything else                                     -> RPCError
#pragma once

#include <exception>
#include <string>

#include <grpcpp/support/status.h>

#include "stead/converter.h"

namespace stead::detail {

struct RpcContext {
  enum class Kind { kOther, kStart, kWorkflow, kQuery };
  Kind kind = Kind::kOther;
  std::string workflow_id{};
  std::string run_id{};
  std::string workflow_type{};
};

// REQUIRES: !status.ok().
std::exception_ptr rpc_error(const grpc::Status& status, const RpcContext& context, const DataConverter& converter);

}  // namespace stead::detail
