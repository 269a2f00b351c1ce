#include "stead/failure_converter.h"

#include <typeinfo>

#include "stead/payload_converter.h"

namespace stead {

namespace {

namespace enums = temporal::api::enums::v1;

// Deeper chains are cut rather than risking the stack on a hostile or cyclic input.
constexpr int kMaxDepth = 64;

std::string class_name(const std::exception& e) {
  std::string name = detail::demangle(typeid(e).name());
  // std::throw_with_nested(E) throws an internal wrapper deriving from E; report E.
  constexpr std::string_view kWrapper = "std::_Nested_exception<";
  if (name.rfind(kWrapper, 0) == 0 && name.back() == '>')
    name = name.substr(kWrapper.size(), name.size() - kWrapper.size() - 1);
  return name;
}

void set_payloads(const std::vector<Payload>& in, temporal::api::common::v1::Payloads* out) {
  for (const auto& p : in) *out->add_payloads() = p;
}

std::vector<Payload> payloads_of(const temporal::api::common::v1::Payloads& in) {
  return {in.payloads().begin(), in.payloads().end()};
}

}  // namespace

Failure DefaultFailureConverter::to_failure(std::exception_ptr error) const {
  Failure out;
  encode(std::move(error), &out, 0);
  return out;
}

void DefaultFailureConverter::encode(std::exception_ptr error, Failure* out, int depth) const {
  try {
    std::rethrow_exception(std::move(error));
  } catch (const FailureError& e) {
    encode_failure_error(e, out, depth);
    return;
  } catch (const std::exception& e) {
    out->set_message(e.what());
    out->mutable_application_failure_info()->set_type(class_name(e));
    const auto* nested = dynamic_cast<const std::nested_exception*>(&e);
    if (nested && nested->nested_ptr() && depth < kMaxDepth) encode(nested->nested_ptr(), out->mutable_cause(), depth + 1);
  } catch (...) {
    out->set_message("unknown exception");
    out->mutable_application_failure_info()->set_type("unknown");
  }
  out->set_source(kSource);
  if (options_.encode_common_attributes) {
    *out->mutable_encoded_attributes() =
        to_payload(nlohmann::json{{"message", out->message()}, {"stack_trace", out->stack_trace()}});
    out->set_message("Encoded failure");
    out->clear_stack_trace();
  }
}

void DefaultFailureConverter::encode_failure_error(const FailureError& e, Failure* out, int depth) const {
  if (e.original_failure()) {
    *out = *e.original_failure();
    return;
  }
  out->set_message(e.message());
  out->set_stack_trace(e.stack_trace());
  out->set_source(kSource);
  if (e.cause() && depth < kMaxDepth) encode_failure_error(*e.cause(), out->mutable_cause(), depth + 1);

  if (const auto* app = dynamic_cast<const ApplicationError*>(&e)) {
    auto* info = out->mutable_application_failure_info();
    std::string type = app->type();
    if (type.empty() && typeid(e) != typeid(ApplicationError)) type = class_name(e);
    info->set_type(type);
    info->set_non_retryable(app->non_retryable());
    if (!app->details().empty()) set_payloads(app->details(), info->mutable_details());
    if (app->next_retry_delay()) {
      auto ns = app->next_retry_delay()->count();
      info->mutable_next_retry_delay()->set_seconds(ns / 1'000'000'000);
      info->mutable_next_retry_delay()->set_nanos(static_cast<int32_t>(ns % 1'000'000'000));
    }
    info->set_category(static_cast<enums::ApplicationErrorCategory>(app->category()));
  } else if (const auto* act = dynamic_cast<const ActivityError*>(&e)) {
    auto* info = out->mutable_activity_failure_info();
    info->set_scheduled_event_id(act->scheduled_event_id());
    info->set_started_event_id(act->started_event_id());
    info->set_identity(act->identity());
    info->mutable_activity_type()->set_name(act->activity_type());
    info->set_activity_id(act->activity_id());
    info->set_retry_state(static_cast<enums::RetryState>(act->retry_state()));
  } else if (const auto* child = dynamic_cast<const ChildWorkflowError*>(&e)) {
    auto* info = out->mutable_child_workflow_execution_failure_info();
    info->set_namespace_(child->namespace_());
    info->mutable_workflow_execution()->set_workflow_id(child->workflow_id());
    info->mutable_workflow_execution()->set_run_id(child->run_id());
    info->mutable_workflow_type()->set_name(child->workflow_type());
    info->set_initiated_event_id(child->initiated_event_id());
    info->set_started_event_id(child->started_event_id());
    info->set_retry_state(static_cast<enums::RetryState>(child->retry_state()));
  } else if (const auto* timeout = dynamic_cast<const TimeoutError*>(&e)) {
    auto* info = out->mutable_timeout_failure_info();
    info->set_timeout_type(static_cast<enums::TimeoutType>(timeout->timeout_type()));
    if (!timeout->last_heartbeat_details().empty())
      set_payloads(timeout->last_heartbeat_details(), info->mutable_last_heartbeat_details());
  } else if (const auto* canceled = dynamic_cast<const CanceledError*>(&e)) {
    auto* info = out->mutable_canceled_failure_info();
    if (!canceled->details().empty()) set_payloads(canceled->details(), info->mutable_details());
    info->set_identity(canceled->identity());
  } else if (const auto* terminated = dynamic_cast<const TerminatedError*>(&e)) {
    out->mutable_terminated_failure_info()->set_identity(terminated->identity());
  } else if (const auto* server = dynamic_cast<const ServerError*>(&e)) {
    out->mutable_server_failure_info()->set_non_retryable(server->non_retryable());
  } else {
    out->mutable_application_failure_info();
  }

  if (options_.encode_common_attributes) {
    *out->mutable_encoded_attributes() =
        to_payload(nlohmann::json{{"message", out->message()}, {"stack_trace", out->stack_trace()}});
    out->set_message("Encoded failure");
    out->clear_stack_trace();
  }
}

std::shared_ptr<const FailureError> DefaultFailureConverter::from_failure(const Failure& failure) const {
  return decode(failure, 0);
}

std::shared_ptr<const FailureError> DefaultFailureConverter::decode(const Failure& f, int depth) const {
  std::string message = f.message();
  std::string stack_trace = f.stack_trace();
  if (f.has_encoded_attributes()) {
    try {
      auto attrs = from_payload<nlohmann::json>(f.encoded_attributes());
      if (attrs.is_object()) {
        if (auto it = attrs.find("message"); it != attrs.end() && it->is_string()) message = it->get<std::string>();
        if (auto it = attrs.find("stack_trace"); it != attrs.end() && it->is_string())
          stack_trace = it->get<std::string>();
      }
    } catch (const std::exception&) {
      // Not ours to read (e.g. still encrypted): keep the placeholders, as the other SDKs do.
    }
  }
  std::shared_ptr<const FailureError> cause;
  if (f.has_cause() && depth < kMaxDepth) cause = decode(f.cause(), depth + 1);

  std::shared_ptr<FailureError> error;
  switch (f.failure_info_case()) {
    case Failure::kApplicationFailureInfo: {
      const auto& info = f.application_failure_info();
      ApplicationErrorInfo out{.type = info.type(),
                               .non_retryable = info.non_retryable(),
                               .details = payloads_of(info.details()),
                               .category = static_cast<ApplicationErrorCategory>(info.category())};
      if (info.has_next_retry_delay())
        out.next_retry_delay = std::chrono::seconds(info.next_retry_delay().seconds()) +
                               std::chrono::nanoseconds(info.next_retry_delay().nanos());
      error = std::make_shared<ApplicationError>(message, std::move(out), cause);
      break;
    }
    case Failure::kTimeoutFailureInfo: {
      const auto& info = f.timeout_failure_info();
      error = std::make_shared<TimeoutError>(
          message,
          TimeoutErrorInfo{.timeout_type = static_cast<TimeoutType>(info.timeout_type()),
                           .last_heartbeat_details = payloads_of(info.last_heartbeat_details())},
          cause);
      break;
    }
    case Failure::kCanceledFailureInfo: {
      const auto& info = f.canceled_failure_info();
      error = std::make_shared<CanceledError>(
          message, CanceledErrorInfo{.details = payloads_of(info.details()), .identity = info.identity()}, cause);
      break;
    }
    case Failure::kTerminatedFailureInfo:
      error = std::make_shared<TerminatedError>(message, f.terminated_failure_info().identity(), cause);
      break;
    case Failure::kServerFailureInfo:
      error = std::make_shared<ServerError>(message, f.server_failure_info().non_retryable(), cause);
      break;
    case Failure::kActivityFailureInfo: {
      const auto& info = f.activity_failure_info();
      error = std::make_shared<ActivityError>(message,
                                              ActivityErrorInfo{.scheduled_event_id = info.scheduled_event_id(),
                                                                .started_event_id = info.started_event_id(),
                                                                .identity = info.identity(),
                                                                .activity_type = info.activity_type().name(),
                                                                .activity_id = info.activity_id(),
                                                                .retry_state = static_cast<RetryState>(info.retry_state())},
                                              cause);
      break;
    }
    case Failure::kChildWorkflowExecutionFailureInfo: {
      const auto& info = f.child_workflow_execution_failure_info();
      error = std::make_shared<ChildWorkflowError>(
          message,
          ChildWorkflowErrorInfo{.namespace_ = info.namespace_(),
                                 .workflow_id = info.workflow_execution().workflow_id(),
                                 .run_id = info.workflow_execution().run_id(),
                                 .workflow_type = info.workflow_type().name(),
                                 .initiated_event_id = info.initiated_event_id(),
                                 .started_event_id = info.started_event_id(),
                                 .retry_state = static_cast<RetryState>(info.retry_state())},
          cause);
      break;
    }
    default:
      error = std::make_shared<FailureError>(message, cause);
      break;
  }
  FailureError& base = *error;
  base.stack_trace_ = std::move(stack_trace);
  base.original_ = std::make_shared<const Failure>(f);
  return error;
}

}  // namespace stead
