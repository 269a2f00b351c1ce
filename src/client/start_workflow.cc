// start_workflow: WorkflowOptions -> StartWorkflowExecution (or SignalWithStart) request.
#include <stdexcept>

#include "client/client_core.h"
#include "client/proto_options.h"
#include "client/rpc_error.h"
#include "common/time_util.h"
#include "common/uuid.h"
#include "stead/client.h"

namespace stead {

namespace {

namespace enums = temporal::api::enums::v1;
namespace common = temporal::api::common::v1;
using detail::wsv1::SignalWithStartWorkflowExecutionRequest;
using detail::wsv1::SignalWithStartWorkflowExecutionResponse;
using detail::wsv1::StartWorkflowExecutionRequest;
using detail::wsv1::StartWorkflowExecutionResponse;

void set_payloads(std::vector<Payload> payloads, common::Payloads* out) {
  for (auto& p : payloads) *out->add_payloads() = std::move(p);
}

void set_duration(std::chrono::nanoseconds d, google::protobuf::Duration* out) {
  *out = to_proto_duration(d);
}

// The fields StartWorkflowExecution and SignalWithStartWorkflowExecution share.
template <class Req>
void fill_start(const detail::ClientCore& core, std::string_view workflow_type, std::vector<Payload> args,
                const WorkflowOptions& o, Req* req) {
  if (o.id.empty()) throw std::invalid_argument("stead::WorkflowOptions: id is required");
  if (o.task_queue.empty()) throw std::invalid_argument("stead::WorkflowOptions: task_queue is required");
  const DataConverter& dc = core.converter();
  req->set_namespace_(core.ns());
  req->set_workflow_id(o.id);
  req->mutable_workflow_type()->set_name(std::string(workflow_type));
  req->mutable_task_queue()->set_name(o.task_queue);
  req->mutable_task_queue()->set_kind(enums::TASK_QUEUE_KIND_NORMAL);
  if (!args.empty()) set_payloads(dc.encode(std::move(args)), req->mutable_input());
  if (o.execution_timeout.count() > 0) set_duration(o.execution_timeout, req->mutable_workflow_execution_timeout());
  if (o.run_timeout.count() > 0) set_duration(o.run_timeout, req->mutable_workflow_run_timeout());
  if (o.task_timeout.count() > 0) set_duration(o.task_timeout, req->mutable_workflow_task_timeout());
  req->set_identity(core.identity());
  req->set_request_id(o.request_id.empty() ? new_uuid() : o.request_id);
  req->set_workflow_id_reuse_policy(static_cast<enums::WorkflowIdReusePolicy>(o.id_reuse_policy));
  req->set_workflow_id_conflict_policy(static_cast<enums::WorkflowIdConflictPolicy>(o.id_conflict_policy));
  if (o.retry_policy) detail::set_retry_policy(*o.retry_policy, req->mutable_retry_policy());
  req->set_cron_schedule(o.cron_schedule);
  if (!o.memo.empty()) detail::set_memo(dc, o.memo, req->mutable_memo());
  if (!o.search_attributes.empty()) detail::set_search_attributes(o.search_attributes, req->mutable_search_attributes());
  if (o.start_delay.count() > 0) set_duration(o.start_delay, req->mutable_workflow_start_delay());
  for (const auto& [name, value] : o.header) (*req->mutable_header()->mutable_fields())[name] = value;
}

}  // namespace

void Client::start_workflow(std::string_view workflow_type, std::vector<Payload> args, const WorkflowOptions& options,
                            Callback<WorkflowHandle> done) const {
  auto core = core_;
  detail::RpcContext context{.kind = detail::RpcContext::Kind::kStart,
                             .workflow_id = options.id,
                             .workflow_type = std::string(workflow_type)};
  const bool use_existing = options.id_conflict_policy == WorkflowIdConflictPolicy::kUseExisting;

  if (options.start_signal.empty()) {
    auto request = capture_outcome([&] {
      StartWorkflowExecutionRequest req;
      fill_start(*core, workflow_type, std::move(args), options, &req);
      return req;
    });
    if (!request.ok()) return done(request.error());
    core->call<StartWorkflowExecutionRequest, StartWorkflowExecutionResponse>(
        &detail::Stub::PrepareAsyncStartWorkflowExecution, std::move(request).value(), core->rpc_timeout(),
        [core, context, use_existing, done = std::move(done)](grpc::Status status, StartWorkflowExecutionResponse resp) {
          if (!status.ok()) return done(detail::rpc_error(status, context, core->converter()));
          // Servers older than the `started` field never set it; only USE_EXISTING can reuse a run.
          std::string first = resp.started() || !use_existing ? resp.run_id() : "";
          done(WorkflowHandle(core, context.workflow_id, resp.run_id(), "", std::move(first)));
        });
    return;
  }

  auto request = capture_outcome([&] {
    SignalWithStartWorkflowExecutionRequest req;
    fill_start(*core, workflow_type, std::move(args), options, &req);
    req.set_signal_name(options.start_signal);
    if (!options.start_signal_args.empty())
      set_payloads(core->converter().encode(options.start_signal_args), req.mutable_signal_input());
    return req;
  });
  if (!request.ok()) return done(request.error());
  core->call<SignalWithStartWorkflowExecutionRequest, SignalWithStartWorkflowExecutionResponse>(
      &detail::Stub::PrepareAsyncSignalWithStartWorkflowExecution, std::move(request).value(), core->rpc_timeout(),
      [core, context, done = std::move(done)](grpc::Status status, SignalWithStartWorkflowExecutionResponse resp) {
        if (!status.ok()) return done(detail::rpc_error(status, context, core->converter()));
        std::string first = resp.started() ? resp.run_id() : "";
        done(WorkflowHandle(core, context.workflow_id, resp.run_id(), "", std::move(first)));
      });
}

}  // namespace stead
