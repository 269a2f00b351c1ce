// Updates: UpdateWorkflowExecution, re-sent until the update is at least accepted (the
// server answers "admitted" when its long-poll budget runs out), then
// PollWorkflowExecutionUpdate until the outcome is known — the TypeScript client's loop.
#include "client/client_core.h"
#include "client/rpc_error.h"
#include "common/uuid.h"
#include "stead/workflow_handle.h"

namespace stead {

namespace {

namespace enums = temporal::api::enums::v1;
namespace update = temporal::api::update::v1;
using detail::wsv1::PollWorkflowExecutionUpdateRequest;
using detail::wsv1::PollWorkflowExecutionUpdateResponse;
using detail::wsv1::UpdateWorkflowExecutionRequest;
using detail::wsv1::UpdateWorkflowExecutionResponse;

// The result an outcome stands for; throws WorkflowUpdateFailedError for a failure.
std::optional<Payload> resolve(const DataConverter& dc, const update::Outcome& outcome) {
  if (outcome.has_failure()) throw WorkflowUpdateFailedError(dc.from_failure(outcome.failure()));
  const auto& payloads = outcome.success().payloads();
  if (payloads.empty()) return std::nullopt;
  return dc.decode({payloads[0]}).front();
}

struct UpdateStart {
  std::shared_ptr<detail::ClientCore> core;
  UpdateWorkflowExecutionRequest request;
  detail::RpcContext context;
  std::function<void(Outcome<UpdateWorkflowExecutionResponse>)> done;

  static void send(std::shared_ptr<UpdateStart> self) {
    auto core = self->core;
    core->call<UpdateWorkflowExecutionRequest, UpdateWorkflowExecutionResponse>(
        &detail::Stub::PrepareAsyncUpdateWorkflowExecution, self->request, detail::kLongPollTimeout,
        [self](grpc::Status status, UpdateWorkflowExecutionResponse resp) {
          if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) return send(self);
          if (!status.ok()) return self->done(detail::rpc_error(status, self->context, self->core->converter()));
          if (!resp.has_outcome() && resp.stage() < enums::UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ACCEPTED)
            return send(self);
          self->done(std::move(resp));
        });
  }
};

struct UpdatePoll {
  std::shared_ptr<detail::ClientCore> core;
  PollWorkflowExecutionUpdateRequest request;
  detail::RpcContext context;
  Callback<std::optional<Payload>> done;

  static void send(std::shared_ptr<UpdatePoll> self) {
    auto core = self->core;
    core->call<PollWorkflowExecutionUpdateRequest, PollWorkflowExecutionUpdateResponse>(
        &detail::Stub::PrepareAsyncPollWorkflowExecutionUpdate, self->request, detail::kLongPollTimeout,
        [self](grpc::Status status, PollWorkflowExecutionUpdateResponse resp) {
          if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) return send(self);
          if (!status.ok()) return self->done(detail::rpc_error(status, self->context, self->core->converter()));
          if (!resp.has_outcome()) return send(self);
          self->done(capture_outcome([&] { return resolve(self->core->converter(), resp.outcome()); }));
        });
  }
};

}  // namespace

void WorkflowHandle::start_update(const UpdateOptions& options, std::vector<Payload> args,
                                  Callback<UntypedUpdateHandle> done) const {
  auto start = std::make_shared<UpdateStart>();
  start->core = core_;
  start->context = {.kind = detail::RpcContext::Kind::kWorkflow, .workflow_id = workflow_id_, .run_id = target_run_id_};
  std::string update_id = options.id.empty() ? new_uuid() : options.id;
  auto built = capture_outcome([&] {
    auto& req = start->request;
    req.set_namespace_(core_->ns());
    req.mutable_workflow_execution()->set_workflow_id(workflow_id_);
    req.mutable_workflow_execution()->set_run_id(target_run_id_);
    req.set_first_execution_run_id(first_execution_run_id_);
    req.mutable_wait_policy()->set_lifecycle_stage(
        options.wait_for_stage == UpdateStage::kCompleted ? enums::UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED
                                                          : enums::UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ACCEPTED);
    req.mutable_request()->mutable_meta()->set_update_id(update_id);
    req.mutable_request()->mutable_meta()->set_identity(core_->identity());
    req.mutable_request()->mutable_input()->set_name(options.name);
    if (!args.empty()) {
      auto* out = req.mutable_request()->mutable_input()->mutable_args();
      for (auto& p : core_->converter().encode(std::move(args))) *out->add_payloads() = std::move(p);
    }
  });
  if (!built.ok()) return done(built.error());
  auto core = core_;
  std::string workflow_id = workflow_id_;
  start->done = core_->around_wait<UpdateWorkflowExecutionResponse>([core, workflow_id, update_id, done = std::move(done)](
                                                                       Outcome<UpdateWorkflowExecutionResponse> resp) {
    if (!resp.ok()) return done(resp.error());
    UntypedUpdateHandle handle;
    handle.core_ = core;
    handle.workflow_id_ = workflow_id;
    handle.run_id_ = resp.value().update_ref().workflow_execution().run_id();
    handle.update_id_ = update_id;
    if (resp.value().has_outcome())
      handle.outcome_ = std::make_shared<const update::Outcome>(resp.value().outcome());
    done(std::move(handle));
  });
  UpdateStart::send(std::move(start));
}

UntypedUpdateHandle WorkflowHandle::untyped_update_handle(std::string update_id) const {
  UntypedUpdateHandle handle;
  handle.core_ = core_;
  handle.workflow_id_ = workflow_id_;
  handle.run_id_ = target_run_id_;
  handle.update_id_ = std::move(update_id);
  return handle;
}

void UntypedUpdateHandle::result(Callback<std::optional<Payload>> done) const {
  if (outcome_) return done(capture_outcome([&] { return resolve(core_->converter(), *outcome_); }));
  auto poll = std::make_shared<UpdatePoll>();
  poll->core = core_;
  poll->context = {.kind = detail::RpcContext::Kind::kWorkflow, .workflow_id = workflow_id_, .run_id = run_id_};
  poll->request.set_namespace_(core_->ns());
  poll->request.mutable_update_ref()->mutable_workflow_execution()->set_workflow_id(workflow_id_);
  poll->request.mutable_update_ref()->mutable_workflow_execution()->set_run_id(run_id_);
  poll->request.mutable_update_ref()->set_update_id(update_id_);
  poll->request.set_identity(core_->identity());
  poll->request.mutable_wait_policy()->set_lifecycle_stage(enums::UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED);
  poll->done = core_->around_wait(std::move(done));
  UpdatePoll::send(std::move(poll));
}

std::optional<Payload> UntypedUpdateHandle::result() const {
  return wait_for<std::optional<Payload>>([&](auto done) { result(std::move(done)); });
}

}  // namespace stead
