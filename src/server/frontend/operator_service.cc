#include "server/frontend/operator_service.h"

#include <regex>

#include "common/error_details.h"
#include "server/frontend/namespace_errors.h"
#include "server/visibility/search_attribute_types.h"
#include "temporal/api/errordetails/v1/message.pb.h"
#include "temporal/api/operatorservice/v1/request_response.pb.h"

namespace stead::server::frontend {

namespace osv1 = temporal::api::operatorservice::v1;
namespace enums = temporal::api::enums::v1;

namespace {
const std::string kPrefix = "/temporal.api.operatorservice.v1.OperatorService/";

}  // namespace

const std::map<std::string, enums::IndexedValueType>& system_search_attributes() {
  static const auto* const attributes = [] {
    // Those stored in columns of their own, plus the predefined ones visibility knows.
    auto* out = new std::map<std::string, enums::IndexedValueType>{
        {"WorkflowId", enums::INDEXED_VALUE_TYPE_KEYWORD},      {"RunId", enums::INDEXED_VALUE_TYPE_KEYWORD},
        {"WorkflowType", enums::INDEXED_VALUE_TYPE_KEYWORD},    {"StartTime", enums::INDEXED_VALUE_TYPE_DATETIME},
        {"ExecutionTime", enums::INDEXED_VALUE_TYPE_DATETIME},  {"CloseTime", enums::INDEXED_VALUE_TYPE_DATETIME},
        {"ExecutionStatus", enums::INDEXED_VALUE_TYPE_KEYWORD}, {"TaskQueue", enums::INDEXED_VALUE_TYPE_KEYWORD},
        {"HistoryLength", enums::INDEXED_VALUE_TYPE_INT},       {"HistorySizeBytes", enums::INDEXED_VALUE_TYPE_INT},
        {"ExecutionDuration", enums::INDEXED_VALUE_TYPE_INT},   {"ParentWorkflowId", enums::INDEXED_VALUE_TYPE_KEYWORD},
        {"ParentRunId", enums::INDEXED_VALUE_TYPE_KEYWORD},
    };
    for (const auto& [name, type] : visibility::predefined_search_attribute_types()) out->emplace(name, type);
    return out;
  }();
  return *attributes;
}

void OperatorService::register_routes(RpcRouter& router) {
  router.add<osv1::ListSearchAttributesRequest, osv1::ListSearchAttributesResponse>(
      kPrefix + "ListSearchAttributes",
      [this](const CallInfo&, osv1::ListSearchAttributesRequest request,
             Responder<osv1::ListSearchAttributesResponse> responder) {
        std::string ns = request.namespace_().empty() ? "default" : request.namespace_();
        if (!engine_.namespace_exists(ns)) return responder.fail(namespace_not_found(ns));
        osv1::ListSearchAttributesResponse resp;
        for (const auto& [name, type] : engine_.custom_search_attributes(ns)) (*resp.mutable_custom_attributes())[name] = type;
        for (const auto& [name, type] : system_search_attributes()) (*resp.mutable_system_attributes())[name] = type;
        responder.ok(resp);
      });

  router.add<osv1::AddSearchAttributesRequest, osv1::AddSearchAttributesResponse>(
      kPrefix + "AddSearchAttributes",
      [this](const CallInfo&, osv1::AddSearchAttributesRequest request,
             Responder<osv1::AddSearchAttributesResponse> responder) {
        std::string ns = request.namespace_().empty() ? "default" : request.namespace_();
        if (!engine_.namespace_exists(ns)) return responder.fail(namespace_not_found(ns));
        static const std::regex kName("[A-Za-z_][A-Za-z0-9_]{0,254}");
        for (const auto& [name, type] : request.search_attributes()) {
          if (!std::regex_match(name, kName))
            return responder.fail(Status::InvalidArgument("Search attribute name " + name + " is not valid."));
          if (system_search_attributes().count(name))
            return responder.fail(Status::InvalidArgument("Search attribute " + name + " is reserved by the system."));
          if (type == enums::INDEXED_VALUE_TYPE_UNSPECIFIED || !enums::IndexedValueType_IsValid(type))
            return responder.fail(Status::InvalidArgument("Search attribute " + name + " has no valid type."));
        }
        Status s = engine_.update_namespace(ns, [&](stead::server::v1::NamespaceRecord* record) {
          for (const auto& [name, type] : request.search_attributes()) {
            auto it = record->search_attributes().find(name);
            if (it != record->search_attributes().end() && it->second != type)
              return Status::AlreadyExists("Search attribute " + name + " already exists with another type.");
            (*record->mutable_search_attributes())[name] = type;
          }
          return Status::Ok();
        });
        responder.finish(s, {});
      });

  router.add<osv1::RemoveSearchAttributesRequest, osv1::RemoveSearchAttributesResponse>(
      kPrefix + "RemoveSearchAttributes",
      [this](const CallInfo&, osv1::RemoveSearchAttributesRequest request,
             Responder<osv1::RemoveSearchAttributesResponse> responder) {
        std::string ns = request.namespace_().empty() ? "default" : request.namespace_();
        if (!engine_.namespace_exists(ns)) return responder.fail(namespace_not_found(ns));
        Status s = engine_.update_namespace(ns, [&](stead::server::v1::NamespaceRecord* record) {
          for (const auto& name : request.search_attributes()) {
            if (!record->search_attributes().count(name))
              return Status::NotFound("Search attribute " + name + " doesn't exist.");
            record->mutable_search_attributes()->erase(name);
          }
          return Status::Ok();
        });
        responder.finish(s, {});
      });
}

}  // namespace stead::server::frontend
