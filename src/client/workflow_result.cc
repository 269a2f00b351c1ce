// WorkflowHandle::result: long-polls the run's history for its close event (as the other
// SDKs do: GetWorkflowExecutionHistory with wait_new_event and the CLOSE_EVENT filter) and
// follows the chain of runs (continue-as-new, retries, cron) unless told not to.
#include "client/client_core.h"
#include "client/rpc_error.h"
#include "stead/workflow_handle.h"

namespace stead {

namespace {

namespace enums = temporal::api::enums::v1;
namespace history = temporal::api::history::v1;
using detail::wsv1::GetWorkflowExecutionHistoryRequest;
using detail::wsv1::GetWorkflowExecutionHistoryResponse;

std::vector<Payload> decoded(const DataConverter& dc, const temporal::api::common::v1::Payloads& payloads) {
  return dc.decode({payloads.payloads().begin(), payloads.payloads().end()});
}

struct ResultPoll {
  std::shared_ptr<detail::ClientCore> core;
  std::string workflow_id;
  std::string run_id;
  bool follow_runs;
  std::string page_token;
  Callback<std::optional<Payload>> done;

  static void next(std::shared_ptr<ResultPoll> self) {
    GetWorkflowExecutionHistoryRequest req;
    req.set_namespace_(self->core->ns());
    req.mutable_execution()->set_workflow_id(self->workflow_id);
    req.mutable_execution()->set_run_id(self->run_id);
    req.set_wait_new_event(true);
    req.set_history_event_filter_type(enums::HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT);
    req.set_skip_archival(true);
    req.set_next_page_token(self->page_token);
    auto core = self->core;
    core->call<GetWorkflowExecutionHistoryRequest, GetWorkflowExecutionHistoryResponse>(
        &detail::Stub::PrepareAsyncGetWorkflowExecutionHistory, std::move(req), detail::kLongPollTimeout,
        [self](grpc::Status status, GetWorkflowExecutionHistoryResponse resp) {
          if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) return next(self);  // poll again
          if (!status.ok()) {
            detail::RpcContext context{.kind = detail::RpcContext::Kind::kWorkflow,
                                       .workflow_id = self->workflow_id,
                                       .run_id = self->run_id};
            return self->done(detail::rpc_error(status, context, self->core->converter()));
          }
          if (resp.history().events().empty()) {
            self->page_token = resp.next_page_token();
            return next(self);
          }
          auto closed = capture_outcome([&] { return self->on_close(resp.history().events().rbegin()[0]); });
          if (!closed.ok()) return self->done(closed.error());
          if (!closed.value()) return next(self);
          self->done(std::move(*closed.value()));
        });
  }

  // Moves to `new_run_id` when following; returns whether that happened.
  bool follow(const std::string& new_run_id) {
    if (!follow_runs || new_run_id.empty()) return false;
    run_id = new_run_id;
    page_token.clear();
    return true;
  }

  // The result the close event stands for (throws the error it stands for), or nullopt when
  // the chain continues in the run to poll next.
  std::optional<std::optional<Payload>> on_close(const history::HistoryEvent& event) {
    const DataConverter& dc = core->converter();
    switch (event.event_type()) {
      case enums::EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED: {
        const auto& attrs = event.workflow_execution_completed_event_attributes();
        if (follow(attrs.new_execution_run_id())) return std::nullopt;
        std::optional<Payload> result;
        if (!attrs.result().payloads().empty()) result = decoded(dc, attrs.result()).front();
        return std::optional<std::optional<Payload>>(std::in_place, std::move(result));
      }
      case enums::EVENT_TYPE_WORKFLOW_EXECUTION_FAILED: {
        const auto& attrs = event.workflow_execution_failed_event_attributes();
        if (follow(attrs.new_execution_run_id())) return std::nullopt;
        throw WorkflowFailureError("Workflow execution failed", dc.from_failure(attrs.failure()),
                                   static_cast<RetryState>(attrs.retry_state()));
      }
      case enums::EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED: {
        const auto& attrs = event.workflow_execution_canceled_event_attributes();
        auto cause = std::make_shared<CanceledError>("Workflow canceled",
                                                     CanceledErrorInfo{.details = decoded(dc, attrs.details())});
        throw WorkflowFailureError("Workflow execution canceled", std::move(cause), RetryState::kNonRetryableFailure);
      }
      case enums::EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED: {
        const auto& attrs = event.workflow_execution_terminated_event_attributes();
        auto cause = std::make_shared<TerminatedError>(attrs.reason().empty() ? "Workflow terminated" : attrs.reason(),
                                                       attrs.identity());
        throw WorkflowFailureError("Workflow execution terminated", std::move(cause),
                                   RetryState::kNonRetryableFailure);
      }
      case enums::EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT: {
        const auto& attrs = event.workflow_execution_timed_out_event_attributes();
        if (follow(attrs.new_execution_run_id())) return std::nullopt;
        auto cause = std::make_shared<TimeoutError>("Workflow timed out",
                                                    TimeoutErrorInfo{.timeout_type = TimeoutType::kStartToClose});
        throw WorkflowFailureError("Workflow execution timed out", std::move(cause),
                                   static_cast<RetryState>(attrs.retry_state()));
      }
      case enums::EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW: {
        const auto& attrs = event.workflow_execution_continued_as_new_event_attributes();
        if (follow(attrs.new_execution_run_id())) return std::nullopt;
        throw WorkflowContinuedAsNewError(attrs.new_execution_run_id());
      }
      default:
        throw Error("Unexpected close event type " + enums::EventType_Name(event.event_type()) +
                    " in the history of workflow " + workflow_id);
    }
  }
};

}  // namespace

void WorkflowHandle::result(ResultOptions options, Callback<std::optional<Payload>> done) const {
  auto poll = std::make_shared<ResultPoll>();
  poll->core = core_;
  poll->workflow_id = workflow_id_;
  poll->run_id = target_run_id_.empty() ? run_id_ : target_run_id_;
  poll->follow_runs = options.follow_runs;
  poll->done = core_->around_wait(std::move(done));
  ResultPoll::next(std::move(poll));
}

}  // namespace stead
