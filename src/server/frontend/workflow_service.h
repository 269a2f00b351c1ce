// WorkflowService: the temporal.api.workflowservice.v1.WorkflowService methods Stead serves.
// Each handler validates the request, resolves the namespace (NOT_FOUND with
// NamespaceNotFoundFailure when unknown) and makes one call into history or matching.
#pragma once

#include <functional>
#include <string>

#include "server/frontend/long_poll_limiter.h"
#include "server/frontend/rpc_router.h"
#include "server/history/engine.h"
#include "server/matching/matching.h"

namespace stead::server::frontend {

class WorkflowService {
 public:
  WorkflowService(history::Engine& engine, matching::Matching& matching, std::string server_version);
  void register_routes(RpcRouter& router);
  // The long polls held now, per namespace and method (the server's metrics).
  const LongPollLimiter& long_polls() const { return long_polls_; }

 private:
  // Registers a handler. Before it runs, every request's ids are checked against the length
  // limit (id_limits.h), with `check_namespace` its namespace must exist, and a long poll
  // must get a slot from long_polls_ (held until the call completes).
  template <class Req, class Resp>
  void route(RpcRouter& router, const std::string& method,
             std::function<void(const CallInfo&, Req, Responder<Resp>)> handler, bool check_namespace = true);
  // Whether this call counts against the namespace's long-poll cap.
  template <class Req>
  static bool is_long_poll(const std::string& method, const Req& request);

  TimePoint long_poll_until(const CallInfo& call) const;

  history::Engine& engine_;
  matching::Matching& matching_;
  const std::string server_version_;
  LongPollLimiter long_polls_;
};

}  // namespace stead::server::frontend
