#include "server/frontend/workflow_service.h"

#include <type_traits>

#include "common/client_duration.h"
#include "common/error_details.h"
#include "server/frontend/id_limits.h"
#include "server/frontend/namespace_errors.h"
#include "server/frontend/long_poll.h"
#include "temporal/api/errordetails/v1/message.pb.h"

namespace stead::server::frontend {

namespace wsv1 = temporal::api::workflowservice::v1;
namespace enums = temporal::api::enums::v1;

namespace {

const std::string kPrefix = "/temporal.api.workflowservice.v1.WorkflowService/";


template <class Resp>
history::Reply<Resp> reply_to(Responder<Resp> responder) {
  return [responder](Status status, Resp response) { responder.finish(status, response); };
}

void fill_namespace(const stead::server::v1::NamespaceRecord& record, wsv1::DescribeNamespaceResponse* out) {
  auto* info = out->mutable_namespace_info();
  info->set_name(record.name());
  info->set_state(enums::NAMESPACE_STATE_REGISTERED);
  info->set_description(record.description());
  info->set_owner_email(record.owner_email());
  info->set_id(record.id());
  info->mutable_capabilities()->set_sync_update(true);
  info->mutable_capabilities()->set_async_update(true);
  for (const auto& [k, v] : record.data()) (*info->mutable_data())[k] = v;
  auto* config = out->mutable_config();
  *config->mutable_workflow_execution_retention_ttl() = record.retention();
  config->set_history_archival_state(enums::ARCHIVAL_STATE_DISABLED);
  config->set_visibility_archival_state(enums::ARCHIVAL_STATE_DISABLED);
  out->mutable_replication_config()->set_active_cluster_name("active");
  out->mutable_replication_config()->add_clusters()->set_cluster_name("active");
  out->set_is_global_namespace(false);
}

// Temporal's message for a negative or malformed retention.
Status invalid_retention() { return Status::InvalidArgument("A valid retention period is not set on request."); }

}  // namespace

// Server-side long polls answer a second before the caller gives up, and at least every 20 s.
TimePoint WorkflowService::long_poll_until(const CallInfo& call) const {
  return std::min(call.deadline - std::chrono::seconds(1),
                  std::chrono::system_clock::now() + engine_.config().history_long_poll_interval);
}

WorkflowService::WorkflowService(history::Engine& engine, matching::Matching& matching, std::string server_version)
    : engine_(engine),
      matching_(matching),
      server_version_(std::move(server_version)),
      long_polls_(engine.config().max_concurrent_long_polls) {}

template <class Req>
bool WorkflowService::is_long_poll(const std::string& method, [[maybe_unused]] const Req& request) {
  if constexpr (std::is_same_v<Req, wsv1::GetWorkflowExecutionHistoryRequest>) return request.wait_new_event();
  return method == "PollWorkflowTaskQueue" || method == "PollActivityTaskQueue" ||
         method == "PollWorkflowExecutionUpdate" || method == "QueryWorkflow" || method == "UpdateWorkflowExecution";
}

template <class Req, class Resp>
void WorkflowService::route(RpcRouter& router, const std::string& method,
                            std::function<void(const CallInfo&, Req, Responder<Resp>)> handler, bool check_namespace) {
  router.add<Req, Resp>(kPrefix + method, [this, method, handler = std::move(handler), check_namespace](
                                              const CallInfo& call, Req request, Responder<Resp> responder) {
    if (Status s = check_id_lengths(request, engine_.config().max_id_length); !s.ok()) return responder.fail(s);
    if constexpr (requires { request.namespace_(); }) {
      if (check_namespace) {
        if (request.namespace_().empty()) return responder.fail(Status::InvalidArgument("Namespace is empty."));
        if (!engine_.namespace_exists(request.namespace_()))
          return responder.fail(namespace_not_found(request.namespace_()));
      }
      if (is_long_poll(method, request)) {
        std::shared_ptr<void> slot;
        if (Status s = long_polls_.acquire(request.namespace_(), method, &slot); !s.ok()) return responder.fail(s);
        responder.hold(std::move(slot));
      }
    }
    handler(call, std::move(request), std::move(responder));
  });
}

void WorkflowService::register_routes(RpcRouter& router) {
  route<wsv1::GetSystemInfoRequest, wsv1::GetSystemInfoResponse>(
      router, "GetSystemInfo",
      [this](const CallInfo&, wsv1::GetSystemInfoRequest, Responder<wsv1::GetSystemInfoResponse> responder) {
        wsv1::GetSystemInfoResponse resp;
        resp.set_server_version(server_version_);
        auto* caps = resp.mutable_capabilities();
        caps->set_signal_and_query_header(true);
        caps->set_internal_error_differentiation(true);
        caps->set_activity_failure_include_heartbeat(true);
        caps->set_encoded_failure_attributes(true);
        caps->set_upsert_memo(true);
        caps->set_sdk_metadata(true);  // core's internal flags depend on it (§1.2)
        responder.ok(resp);
      },
      false);

  route<wsv1::GetClusterInfoRequest, wsv1::GetClusterInfoResponse>(
      router, "GetClusterInfo",
      [this](const CallInfo&, wsv1::GetClusterInfoRequest, Responder<wsv1::GetClusterInfoResponse> responder) {
        wsv1::GetClusterInfoResponse resp;
        resp.set_server_version(server_version_);
        resp.set_cluster_name("active");
        resp.set_cluster_id("stead");
        resp.set_history_shard_count(1);
        resp.set_persistence_store("sqlite");
        resp.set_visibility_store("sqlite");
        responder.ok(resp);
      },
      false);

  route<wsv1::DescribeNamespaceRequest, wsv1::DescribeNamespaceResponse>(
      router, "DescribeNamespace",
      [this](const CallInfo&, wsv1::DescribeNamespaceRequest request,
             Responder<wsv1::DescribeNamespaceResponse> responder) {
        std::string name = request.namespace_();
        if (name.empty() && !request.id().empty()) {
          for (const auto& record : engine_.list_namespaces())
            if (record.id() == request.id()) name = record.name();
        }
        stead::server::v1::NamespaceRecord record;
        if (name.empty() || !engine_.describe_namespace(name, &record).ok())
          return responder.fail(namespace_not_found(name.empty() ? request.id() : name));
        wsv1::DescribeNamespaceResponse resp;
        fill_namespace(record, &resp);
        responder.ok(resp);
      },
      false);

  route<wsv1::ListNamespacesRequest, wsv1::ListNamespacesResponse>(
      router, "ListNamespaces",
      [this](const CallInfo&, wsv1::ListNamespacesRequest request, Responder<wsv1::ListNamespacesResponse> responder) {
        // Pages in name order; the token is the last name handed out (page_size <= 0: all).
        wsv1::ListNamespacesResponse resp;
        const std::string& after = request.next_page_token();
        for (const auto& record : engine_.list_namespaces()) {
          if (!after.empty() && record.name() <= after) continue;
          if (request.page_size() > 0 && resp.namespaces_size() == request.page_size()) {
            resp.set_next_page_token(resp.namespaces(resp.namespaces_size() - 1).namespace_info().name());
            break;
          }
          wsv1::DescribeNamespaceResponse described;
          fill_namespace(record, &described);
          *resp.add_namespaces() = std::move(described);
        }
        responder.ok(resp);
      },
      false);

  route<wsv1::RegisterNamespaceRequest, wsv1::RegisterNamespaceResponse>(
      router, "RegisterNamespace",
      [this](const CallInfo&, wsv1::RegisterNamespaceRequest request,
             Responder<wsv1::RegisterNamespaceResponse> responder) {
        if (request.has_workflow_execution_retention_period() &&
            validate_and_cap(request.mutable_workflow_execution_retention_period()) != nullptr)
          return responder.fail(invalid_retention());
        stead::server::v1::NamespaceRecord record;
        record.set_name(request.namespace_());
        record.set_description(request.description());
        record.set_owner_email(request.owner_email());
        if (request.has_workflow_execution_retention_period())
          *record.mutable_retention() = request.workflow_execution_retention_period();
        for (const auto& [k, v] : request.data()) (*record.mutable_data())[k] = v;
        Status s = engine_.register_namespace(std::move(record));
        if (s.code() == StatusCode::kAlreadyExists) {
          temporal::api::errordetails::v1::NamespaceAlreadyExistsFailure detail;
          s = with_detail(std::move(s), detail);
        }
        responder.finish(s, {});
      },
      false);

  route<wsv1::UpdateNamespaceRequest, wsv1::UpdateNamespaceResponse>(
      router, "UpdateNamespace",
      [this](const CallInfo&, wsv1::UpdateNamespaceRequest request, Responder<wsv1::UpdateNamespaceResponse> responder) {
        if (request.config().has_workflow_execution_retention_ttl() &&
            validate_and_cap(request.mutable_config()->mutable_workflow_execution_retention_ttl()) != nullptr)
          return responder.fail(invalid_retention());
        Status s = engine_.update_namespace(request.namespace_(), [&](stead::server::v1::NamespaceRecord* record) {
          const auto& info = request.update_info();
          if (!info.description().empty()) record->set_description(info.description());
          if (!info.owner_email().empty()) record->set_owner_email(info.owner_email());
          for (const auto& [k, v] : info.data()) (*record->mutable_data())[k] = v;
          if (request.config().has_workflow_execution_retention_ttl())
            *record->mutable_retention() = request.config().workflow_execution_retention_ttl();
          return Status::Ok();
        });
        if (!s.ok()) return responder.fail(s.code() == StatusCode::kNotFound ? namespace_not_found(request.namespace_()) : s);
        stead::server::v1::NamespaceRecord record;
        engine_.describe_namespace(request.namespace_(), &record);
        wsv1::DescribeNamespaceResponse described;
        fill_namespace(record, &described);
        wsv1::UpdateNamespaceResponse resp;
        *resp.mutable_namespace_info() = described.namespace_info();
        *resp.mutable_config() = described.config();
        *resp.mutable_replication_config() = described.replication_config();
        responder.ok(resp);
      },
      false);

  route<wsv1::StartWorkflowExecutionRequest, wsv1::StartWorkflowExecutionResponse>(
      router, "StartWorkflowExecution",
      [this](const CallInfo&, wsv1::StartWorkflowExecutionRequest request,
             Responder<wsv1::StartWorkflowExecutionResponse> responder) {
        engine_.start_workflow(std::move(request), reply_to(responder));
      });

  route<wsv1::TerminateWorkflowExecutionRequest, wsv1::TerminateWorkflowExecutionResponse>(
      router, "TerminateWorkflowExecution",
      [this](const CallInfo&, wsv1::TerminateWorkflowExecutionRequest request,
             Responder<wsv1::TerminateWorkflowExecutionResponse> responder) {
        engine_.terminate_workflow(std::move(request), reply_to(responder));
      });

  route<wsv1::DescribeWorkflowExecutionRequest, wsv1::DescribeWorkflowExecutionResponse>(
      router, "DescribeWorkflowExecution",
      [this](const CallInfo&, wsv1::DescribeWorkflowExecutionRequest request,
             Responder<wsv1::DescribeWorkflowExecutionResponse> responder) {
        engine_.describe_workflow(request, reply_to(responder));
      });

  route<wsv1::GetWorkflowExecutionHistoryRequest, wsv1::GetWorkflowExecutionHistoryResponse>(
      router, "GetWorkflowExecutionHistory",
      [this](const CallInfo& call, wsv1::GetWorkflowExecutionHistoryRequest request,
             Responder<wsv1::GetWorkflowExecutionHistoryResponse> responder) {
        engine_.get_history(std::move(request), long_poll_until(call), reply_to(responder));
      });

  route<wsv1::PollWorkflowTaskQueueRequest, wsv1::PollWorkflowTaskQueueResponse>(
      router, "PollWorkflowTaskQueue",
      [this](const CallInfo& call, wsv1::PollWorkflowTaskQueueRequest request,
             Responder<wsv1::PollWorkflowTaskQueueResponse> responder) {
        if (request.task_queue().name().empty())
          return responder.fail(Status::InvalidArgument("TaskQueue is not set on request."));
        matching::QueueKey key{request.namespace_(), request.task_queue().name(), matching::TaskKind::kWorkflow};
        using Poll = LongPoll<wsv1::PollWorkflowTaskQueueRequest, wsv1::PollWorkflowTaskQueueResponse>;
        auto poll = std::make_shared<Poll>(
            matching_, std::move(key), std::move(request), Poll::expiry_for(call.deadline), responder,
            [this](const matching::TaskRef& task, const wsv1::PollWorkflowTaskQueueRequest& req, auto reply) {
              engine_.record_workflow_task_started(task, req, std::move(reply));
            });
        poll->start();
      });

  route<wsv1::PollActivityTaskQueueRequest, wsv1::PollActivityTaskQueueResponse>(
      router, "PollActivityTaskQueue",
      [this](const CallInfo& call, wsv1::PollActivityTaskQueueRequest request,
             Responder<wsv1::PollActivityTaskQueueResponse> responder) {
        if (request.task_queue().name().empty())
          return responder.fail(Status::InvalidArgument("TaskQueue is not set on request."));
        matching::QueueKey key{request.namespace_(), request.task_queue().name(), matching::TaskKind::kActivity};
        using Poll = LongPoll<wsv1::PollActivityTaskQueueRequest, wsv1::PollActivityTaskQueueResponse>;
        auto poll = std::make_shared<Poll>(
            matching_, std::move(key), std::move(request), Poll::expiry_for(call.deadline), responder,
            [this](const matching::TaskRef& task, const wsv1::PollActivityTaskQueueRequest& req, auto reply) {
              engine_.record_activity_task_started(task, req, std::move(reply));
            });
        poll->start();
      });

  route<wsv1::RespondWorkflowTaskCompletedRequest, wsv1::RespondWorkflowTaskCompletedResponse>(
      router, "RespondWorkflowTaskCompleted",
      [this](const CallInfo&, wsv1::RespondWorkflowTaskCompletedRequest request,
             Responder<wsv1::RespondWorkflowTaskCompletedResponse> responder) {
        engine_.complete_workflow_task(std::move(request), reply_to(responder));
      });

  route<wsv1::RespondWorkflowTaskFailedRequest, wsv1::RespondWorkflowTaskFailedResponse>(
      router, "RespondWorkflowTaskFailed",
      [this](const CallInfo&, wsv1::RespondWorkflowTaskFailedRequest request,
             Responder<wsv1::RespondWorkflowTaskFailedResponse> responder) {
        engine_.fail_workflow_task(std::move(request), reply_to(responder));
      });

  route<wsv1::RespondActivityTaskCompletedRequest, wsv1::RespondActivityTaskCompletedResponse>(
      router, "RespondActivityTaskCompleted",
      [this](const CallInfo&, wsv1::RespondActivityTaskCompletedRequest request,
             Responder<wsv1::RespondActivityTaskCompletedResponse> responder) {
        engine_.complete_activity_task(std::move(request), reply_to(responder));
      });

  route<wsv1::RespondActivityTaskFailedRequest, wsv1::RespondActivityTaskFailedResponse>(
      router, "RespondActivityTaskFailed",
      [this](const CallInfo&, wsv1::RespondActivityTaskFailedRequest request,
             Responder<wsv1::RespondActivityTaskFailedResponse> responder) {
        engine_.fail_activity_task(std::move(request), reply_to(responder));
      });

  route<wsv1::SignalWorkflowExecutionRequest, wsv1::SignalWorkflowExecutionResponse>(
      router, "SignalWorkflowExecution",
      [this](const CallInfo&, wsv1::SignalWorkflowExecutionRequest request,
             Responder<wsv1::SignalWorkflowExecutionResponse> responder) {
        engine_.signal_workflow(std::move(request), reply_to(responder));
      });

  route<wsv1::SignalWithStartWorkflowExecutionRequest, wsv1::SignalWithStartWorkflowExecutionResponse>(
      router, "SignalWithStartWorkflowExecution",
      [this](const CallInfo&, wsv1::SignalWithStartWorkflowExecutionRequest request,
             Responder<wsv1::SignalWithStartWorkflowExecutionResponse> responder) {
        engine_.signal_with_start_workflow(std::move(request), reply_to(responder));
      });

  route<wsv1::RequestCancelWorkflowExecutionRequest, wsv1::RequestCancelWorkflowExecutionResponse>(
      router, "RequestCancelWorkflowExecution",
      [this](const CallInfo&, wsv1::RequestCancelWorkflowExecutionRequest request,
             Responder<wsv1::RequestCancelWorkflowExecutionResponse> responder) {
        engine_.request_cancel_workflow(std::move(request), reply_to(responder));
      });

  route<wsv1::RespondActivityTaskCanceledRequest, wsv1::RespondActivityTaskCanceledResponse>(
      router, "RespondActivityTaskCanceled",
      [this](const CallInfo&, wsv1::RespondActivityTaskCanceledRequest request,
             Responder<wsv1::RespondActivityTaskCanceledResponse> responder) {
        engine_.cancel_activity_task(std::move(request), reply_to(responder));
      });

  route<wsv1::RecordActivityTaskHeartbeatRequest, wsv1::RecordActivityTaskHeartbeatResponse>(
      router, "RecordActivityTaskHeartbeat",
      [this](const CallInfo&, wsv1::RecordActivityTaskHeartbeatRequest request,
             Responder<wsv1::RecordActivityTaskHeartbeatResponse> responder) {
        engine_.heartbeat_activity_task(std::move(request), reply_to(responder));
      });

  // The *ById variants resolve the running attempt's task token, then take the token path.
  route<wsv1::RecordActivityTaskHeartbeatByIdRequest, wsv1::RecordActivityTaskHeartbeatByIdResponse>(
      router, "RecordActivityTaskHeartbeatById",
      [this](const CallInfo&, wsv1::RecordActivityTaskHeartbeatByIdRequest r,
             Responder<wsv1::RecordActivityTaskHeartbeatByIdResponse> responder) {
        wsv1::RecordActivityTaskHeartbeatRequest request;
        Status s = engine_.activity_task_token(r.namespace_(), r.workflow_id(), r.run_id(), r.activity_id(),
                                               request.mutable_task_token());
        if (!s.ok()) return responder.fail(s);
        *request.mutable_details() = r.details();
        request.set_identity(r.identity());
        request.set_namespace_(r.namespace_());
        engine_.heartbeat_activity_task(std::move(request), [responder](Status st, wsv1::RecordActivityTaskHeartbeatResponse resp) {
          wsv1::RecordActivityTaskHeartbeatByIdResponse out;
          out.set_cancel_requested(resp.cancel_requested());
          responder.finish(st, out);
        });
      });

  route<wsv1::RespondActivityTaskCompletedByIdRequest, wsv1::RespondActivityTaskCompletedByIdResponse>(
      router, "RespondActivityTaskCompletedById",
      [this](const CallInfo&, wsv1::RespondActivityTaskCompletedByIdRequest r,
             Responder<wsv1::RespondActivityTaskCompletedByIdResponse> responder) {
        wsv1::RespondActivityTaskCompletedRequest request;
        Status s = engine_.activity_task_token(r.namespace_(), r.workflow_id(), r.run_id(), r.activity_id(),
                                               request.mutable_task_token());
        if (!s.ok()) return responder.fail(s);
        *request.mutable_result() = r.result();
        request.set_identity(r.identity());
        request.set_namespace_(r.namespace_());
        engine_.complete_activity_task(std::move(request), [responder](Status st, auto) { responder.finish(st, {}); });
      });

  route<wsv1::RespondActivityTaskFailedByIdRequest, wsv1::RespondActivityTaskFailedByIdResponse>(
      router, "RespondActivityTaskFailedById",
      [this](const CallInfo&, wsv1::RespondActivityTaskFailedByIdRequest r,
             Responder<wsv1::RespondActivityTaskFailedByIdResponse> responder) {
        wsv1::RespondActivityTaskFailedRequest request;
        Status s = engine_.activity_task_token(r.namespace_(), r.workflow_id(), r.run_id(), r.activity_id(),
                                               request.mutable_task_token());
        if (!s.ok()) return responder.fail(s);
        *request.mutable_failure() = r.failure();
        if (r.has_last_heartbeat_details()) *request.mutable_last_heartbeat_details() = r.last_heartbeat_details();
        request.set_identity(r.identity());
        request.set_namespace_(r.namespace_());
        engine_.fail_activity_task(std::move(request), [responder](Status st, auto) { responder.finish(st, {}); });
      });

  route<wsv1::RespondActivityTaskCanceledByIdRequest, wsv1::RespondActivityTaskCanceledByIdResponse>(
      router, "RespondActivityTaskCanceledById",
      [this](const CallInfo&, wsv1::RespondActivityTaskCanceledByIdRequest r,
             Responder<wsv1::RespondActivityTaskCanceledByIdResponse> responder) {
        wsv1::RespondActivityTaskCanceledRequest request;
        Status s = engine_.activity_task_token(r.namespace_(), r.workflow_id(), r.run_id(), r.activity_id(),
                                               request.mutable_task_token());
        if (!s.ok()) return responder.fail(s);
        *request.mutable_details() = r.details();
        request.set_identity(r.identity());
        request.set_namespace_(r.namespace_());
        engine_.cancel_activity_task(std::move(request), [responder](Status st, auto) { responder.finish(st, {}); });
      });

  route<wsv1::QueryWorkflowRequest, wsv1::QueryWorkflowResponse>(
      router, "QueryWorkflow",
      [this](const CallInfo& call, wsv1::QueryWorkflowRequest request, Responder<wsv1::QueryWorkflowResponse> responder) {
        // Give up shortly before the caller does, so it gets our DEADLINE_EXCEEDED message.
        TimePoint deadline = std::min(call.deadline - std::chrono::milliseconds(500),
                                      std::chrono::system_clock::now() + std::chrono::minutes(5));
        engine_.query_workflow(std::move(request), deadline, reply_to(responder));
      });

  route<wsv1::RespondQueryTaskCompletedRequest, wsv1::RespondQueryTaskCompletedResponse>(
      router, "RespondQueryTaskCompleted",
      [this](const CallInfo&, wsv1::RespondQueryTaskCompletedRequest request,
             Responder<wsv1::RespondQueryTaskCompletedResponse> responder) {
        engine_.respond_query_task(std::move(request), reply_to(responder));
      });

  route<wsv1::UpdateWorkflowExecutionRequest, wsv1::UpdateWorkflowExecutionResponse>(
      router, "UpdateWorkflowExecution",
      [this](const CallInfo& call, wsv1::UpdateWorkflowExecutionRequest request,
             Responder<wsv1::UpdateWorkflowExecutionResponse> responder) {
        engine_.update_workflow(std::move(request), long_poll_until(call), reply_to(responder));
      });

  route<wsv1::PollWorkflowExecutionUpdateRequest, wsv1::PollWorkflowExecutionUpdateResponse>(
      router, "PollWorkflowExecutionUpdate",
      [this](const CallInfo& call, wsv1::PollWorkflowExecutionUpdateRequest request,
             Responder<wsv1::PollWorkflowExecutionUpdateResponse> responder) {
        engine_.poll_update(std::move(request), long_poll_until(call), reply_to(responder));
      });

  route<wsv1::ListWorkflowExecutionsRequest, wsv1::ListWorkflowExecutionsResponse>(
      router, "ListWorkflowExecutions",
      [this](const CallInfo&, wsv1::ListWorkflowExecutionsRequest request,
             Responder<wsv1::ListWorkflowExecutionsResponse> responder) {
        engine_.list_workflows(request, reply_to(responder));
      });

  route<wsv1::CountWorkflowExecutionsRequest, wsv1::CountWorkflowExecutionsResponse>(
      router, "CountWorkflowExecutions",
      [this](const CallInfo&, wsv1::CountWorkflowExecutionsRequest request,
             Responder<wsv1::CountWorkflowExecutionsResponse> responder) {
        engine_.count_workflows(request, reply_to(responder));
      });

  route<wsv1::ShutdownWorkerRequest, wsv1::ShutdownWorkerResponse>(
      router, "ShutdownWorker",
      [this](const CallInfo&, wsv1::ShutdownWorkerRequest request, Responder<wsv1::ShutdownWorkerResponse> responder) {
        if (!request.sticky_task_queue().empty()) engine_.release_sticky_queue(request.namespace_(), request.sticky_task_queue());
        responder.ok({});
      });
}

}  // namespace stead::server::frontend
