// OperatorService: the temporal.api.operatorservice.v1 methods Stead serves (search
// attribute management; the SDKs' test harnesses and the CLI use them).
#pragma once

#include "server/frontend/rpc_router.h"
#include "server/history/engine.h"

namespace stead::server::frontend {

class OperatorService {
 public:
  explicit OperatorService(history::Engine& engine) : engine_(engine) {}
  void register_routes(RpcRouter& router);

 private:
  history::Engine& engine_;
};

// Search attributes every namespace has (name -> type), as Temporal defines them.
const std::map<std::string, temporal::api::enums::v1::IndexedValueType>& system_search_attributes();

}  // namespace stead::server::frontend
