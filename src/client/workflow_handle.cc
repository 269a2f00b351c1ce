// WorkflowHandle: describe, signal, query, cancel, terminate, fetch_history (callback forms
// and the blocking forms that are not templates). result() is in workflow_result.cc,
// updates in workflow_update.cc.
#include "stead/workflow_handle.h"

#include "client/client_core.h"
#include "client/execution_info.h"
#include "client/rpc_error.h"
#include "common/uuid.h"

namespace stead {

namespace {

namespace common = temporal::api::common::v1;
using namespace detail::wsv1;  // NOLINT(google-build-using-namespace): request/response names

void set_payloads(std::vector<Payload> payloads, common::Payloads* out) {
  for (auto& p : payloads) *out->add_payloads() = std::move(p);
}

// Pages through a run's history (GetWorkflowExecutionHistory without a filter).
struct HistoryFetch {
  std::shared_ptr<detail::ClientCore> core;
  GetWorkflowExecutionHistoryRequest request;
  detail::RpcContext context;
  History history;
  Callback<History> done;

  static void next(std::shared_ptr<HistoryFetch> self) {
    auto core = self->core;
    core->call<GetWorkflowExecutionHistoryRequest, GetWorkflowExecutionHistoryResponse>(
        &detail::Stub::PrepareAsyncGetWorkflowExecutionHistory, self->request, core->rpc_timeout(),
        [self](grpc::Status status, GetWorkflowExecutionHistoryResponse resp) {
          if (!status.ok()) return self->done(detail::rpc_error(status, self->context, self->core->converter()));
          for (auto& event : *resp.mutable_history()->mutable_events()) *self->history.add_events() = std::move(event);
          if (resp.next_page_token().empty()) return self->done(std::move(self->history));
          self->request.set_next_page_token(resp.next_page_token());
          next(self);
        });
  }
};

}  // namespace

WorkflowHandle::WorkflowHandle(std::shared_ptr<detail::ClientCore> core, std::string workflow_id, std::string run_id,
                               std::string target_run_id, std::string first_execution_run_id)
    : core_(std::move(core)),
      workflow_id_(std::move(workflow_id)),
      run_id_(std::move(run_id)),
      target_run_id_(std::move(target_run_id)),
      first_execution_run_id_(std::move(first_execution_run_id)) {}

void WorkflowHandle::describe(Callback<WorkflowExecutionDescription> done) const {
  DescribeWorkflowExecutionRequest req;
  req.set_namespace_(core_->ns());
  req.mutable_execution()->set_workflow_id(workflow_id_);
  req.mutable_execution()->set_run_id(target_run_id_);
  auto core = core_;
  detail::RpcContext context{.kind = detail::RpcContext::Kind::kWorkflow, .workflow_id = workflow_id_, .run_id = target_run_id_};
  core->call<DescribeWorkflowExecutionRequest, DescribeWorkflowExecutionResponse>(
      &detail::Stub::PrepareAsyncDescribeWorkflowExecution, std::move(req), core->rpc_timeout(),
      [core, context, done = std::move(done)](grpc::Status status, DescribeWorkflowExecutionResponse resp) {
        if (!status.ok()) return done(detail::rpc_error(status, context, core->converter()));
        done(capture_outcome([&] {
          WorkflowExecutionDescription out;
          detail::fill_execution_info(resp.workflow_execution_info(), core->converter(), &out);
          out.raw_description = std::make_shared<const DescribeWorkflowExecutionResponse>(std::move(resp));
          return out;
        }));
      });
}

WorkflowExecutionDescription WorkflowHandle::describe() const {
  return wait_for<WorkflowExecutionDescription>([&](auto done) { describe(std::move(done)); });
}

void WorkflowHandle::signal(std::string_view name, std::vector<Payload> args, Callback<void> done) const {
  auto core = core_;
  auto request = capture_outcome([&] {
    SignalWorkflowExecutionRequest req;
    req.set_namespace_(core->ns());
    req.mutable_workflow_execution()->set_workflow_id(workflow_id_);
    req.mutable_workflow_execution()->set_run_id(target_run_id_);
    req.set_signal_name(std::string(name));
    if (!args.empty()) set_payloads(core->converter().encode(std::move(args)), req.mutable_input());
    req.set_identity(core->identity());
    req.set_request_id(new_uuid());
    return req;
  });
  if (!request.ok()) return done(request.error());
  detail::RpcContext context{.kind = detail::RpcContext::Kind::kWorkflow, .workflow_id = workflow_id_, .run_id = target_run_id_};
  core->call<SignalWorkflowExecutionRequest, SignalWorkflowExecutionResponse>(
      &detail::Stub::PrepareAsyncSignalWorkflowExecution, std::move(request).value(), core->rpc_timeout(),
      [core, context, done = std::move(done)](grpc::Status status, SignalWorkflowExecutionResponse) {
        if (!status.ok()) return done(detail::rpc_error(status, context, core->converter()));
        done({});
      });
}

void WorkflowHandle::query(std::string_view name, std::vector<Payload> args,
                           Callback<std::optional<Payload>> done) const {
  query(QueryOptions{.name = std::string(name)}, std::move(args), std::move(done));
}

void WorkflowHandle::query(const QueryOptions& options, std::vector<Payload> args,
                           Callback<std::optional<Payload>> done) const {
  auto core = core_;
  auto request = capture_outcome([&] {
    QueryWorkflowRequest req;
    req.set_namespace_(core->ns());
    req.mutable_execution()->set_workflow_id(workflow_id_);
    req.mutable_execution()->set_run_id(target_run_id_);
    req.mutable_query()->set_query_type(options.name);
    req.set_query_reject_condition(static_cast<temporal::api::enums::v1::QueryRejectCondition>(options.reject_condition));
    if (!args.empty()) set_payloads(core->converter().encode(std::move(args)), req.mutable_query()->mutable_query_args());
    return req;
  });
  if (!request.ok()) return done(request.error());
  detail::RpcContext context{.kind = detail::RpcContext::Kind::kQuery, .workflow_id = workflow_id_, .run_id = target_run_id_};
  core->call<QueryWorkflowRequest, QueryWorkflowResponse>(
      &detail::Stub::PrepareAsyncQueryWorkflow, std::move(request).value(), core->rpc_timeout(),
      [core, context, done = std::move(done)](grpc::Status status, QueryWorkflowResponse resp) {
        if (!status.ok()) return done(detail::rpc_error(status, context, core->converter()));
        if (resp.has_query_rejected())
          return done(std::make_exception_ptr(
              QueryRejectedError(static_cast<WorkflowExecutionStatus>(resp.query_rejected().status()))));
        done(capture_outcome([&]() -> std::optional<Payload> {
          if (resp.query_result().payloads().empty()) return std::nullopt;
          return core->converter().decode({resp.query_result().payloads(0)}).front();
        }));
      });
}

void WorkflowHandle::cancel(Callback<void> done) const {
  RequestCancelWorkflowExecutionRequest req;
  req.set_namespace_(core_->ns());
  req.mutable_workflow_execution()->set_workflow_id(workflow_id_);
  req.mutable_workflow_execution()->set_run_id(target_run_id_);
  req.set_identity(core_->identity());
  req.set_request_id(new_uuid());
  req.set_first_execution_run_id(first_execution_run_id_);
  auto core = core_;
  detail::RpcContext context{.kind = detail::RpcContext::Kind::kWorkflow, .workflow_id = workflow_id_, .run_id = target_run_id_};
  core->call<RequestCancelWorkflowExecutionRequest, RequestCancelWorkflowExecutionResponse>(
      &detail::Stub::PrepareAsyncRequestCancelWorkflowExecution, std::move(req), core->rpc_timeout(),
      [core, context, done = std::move(done)](grpc::Status status, RequestCancelWorkflowExecutionResponse) {
        if (!status.ok()) return done(detail::rpc_error(status, context, core->converter()));
        done({});
      });
}

void WorkflowHandle::cancel() const {
  wait_for<void>([&](auto done) { cancel(std::move(done)); });
}

void WorkflowHandle::terminate(std::string reason, Callback<void> done) const {
  TerminateWorkflowExecutionRequest req;
  req.set_namespace_(core_->ns());
  req.mutable_workflow_execution()->set_workflow_id(workflow_id_);
  req.mutable_workflow_execution()->set_run_id(target_run_id_);
  req.set_reason(std::move(reason));
  req.set_identity(core_->identity());
  req.set_first_execution_run_id(first_execution_run_id_);
  auto core = core_;
  detail::RpcContext context{.kind = detail::RpcContext::Kind::kWorkflow, .workflow_id = workflow_id_, .run_id = target_run_id_};
  core->call<TerminateWorkflowExecutionRequest, TerminateWorkflowExecutionResponse>(
      &detail::Stub::PrepareAsyncTerminateWorkflowExecution, std::move(req), core->rpc_timeout(),
      [core, context, done = std::move(done)](grpc::Status status, TerminateWorkflowExecutionResponse) {
        if (!status.ok()) return done(detail::rpc_error(status, context, core->converter()));
        done({});
      });
}

void WorkflowHandle::terminate(std::string_view reason) const {
  wait_for<void>([&](auto done) { terminate(std::string(reason), std::move(done)); });
}

void WorkflowHandle::fetch_history(Callback<History> done) const {
  auto fetch = std::make_shared<HistoryFetch>();
  fetch->core = core_;
  fetch->request.set_namespace_(core_->ns());
  fetch->request.mutable_execution()->set_workflow_id(workflow_id_);
  fetch->request.mutable_execution()->set_run_id(target_run_id_.empty() ? run_id_ : target_run_id_);
  fetch->context = {.kind = detail::RpcContext::Kind::kWorkflow, .workflow_id = workflow_id_, .run_id = run_id_};
  fetch->done = std::move(done);
  HistoryFetch::next(std::move(fetch));
}

History WorkflowHandle::fetch_history() const {
  return wait_for<History>([&](auto done) { fetch_history(std::move(done)); });
}

}  // namespace stead
