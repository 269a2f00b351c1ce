// WorkflowService: the temporal.api.workflowservice.v1.WorkflowService methods Stead serves.
// Each handler validates the request, resolves the namespace (NOT_FOUND with
// NamespaceNotFoundFailure when unknown) and makes one call into history or matching.
#pragma once

#include <functional>
#include <string>

#include "server/frontend/rpc_router.h"
#include "server/history/engine.h"
#include "server/matching/matching.h"

namespace stead::server::frontend {

class WorkflowService {
 public:
  WorkflowService(history::Engine& engine, matching::Matching& matching, std::string server_version);
  void register_routes(RpcRouter& router);

 private:
  // Registers a handler; with `check_namespace`, the request's namespace must exist.
  template <class Req, class Resp>
  void route(RpcRouter& router, const std::string& method,
             std::function<void(const CallInfo&, Req, Responder<Resp>)> handler, bool check_namespace = true);

  TimePoint long_poll_until(const CallInfo& call) const;

  history::Engine& engine_;
  matching::Matching& matching_;
  const std::string server_version_;
};

}  // namespace stead::server::frontend
