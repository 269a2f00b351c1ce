// WorkflowRuntime: walking the history, activations, the workflow's own completion, signals,
// updates and queries. The commands workflow code issues, and the events that resolve them,
// are in runtime_commands.cc.
#include "worker/workflow/workflow_runtime.h"

#include <sstream>

#include "common/log.h"
#include "client/proto_options.h"
#include "common/time_util.h"
#include "worker/workflow/history_matching.h"

namespace stead::worker {

namespace enums = temporal::api::enums::v1;
namespace update = temporal::api::update::v1;
using workflow::detail::ScopeState;

namespace {

thread_local WorkflowRuntime* t_current = nullptr;

// Makes a runtime current on this thread for the duration of a call into workflow code.
class CurrentRuntime {
 public:
  explicit CurrentRuntime(WorkflowRuntime* runtime) : previous_(std::exchange(t_current, runtime)) {}
  ~CurrentRuntime() { t_current = previous_; }
  CurrentRuntime(const CurrentRuntime&) = delete;
  CurrentRuntime& operator=(const CurrentRuntime&) = delete;

 private:
  WorkflowRuntime* previous_;
};

uint64_t fnv1a(std::string_view text) {
  uint64_t hash = 1469598103934665603ULL;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  return hash;
}

template <class Map>
std::string known_names(const Map& map) {
  std::string names = "[";
  for (const auto& [name, _] : map) {
    if (names.size() > 1) names += ", ";
    names += name;
  }
  return names + "]";
}

// A cancellation request reached the code as this error (directly or as the cause of an
// activity or child workflow error): the run ends as Canceled rather than Failed.
bool is_cancellation(const FailureError& error) {
  if (dynamic_cast<const CanceledError*>(&error)) return true;
  if (dynamic_cast<const ActivityError*>(&error) || dynamic_cast<const ChildWorkflowError*>(&error))
    return error.cause_as<CanceledError>() != nullptr;
  return false;
}

}  // namespace

WorkflowRuntime::WorkflowRuntime(std::shared_ptr<const WorkflowRegistry> registry, DataConverter converter,
                                 std::string namespace_, std::string workflow_id, std::string run_id)
    : registry_(std::move(registry)), converter_(std::move(converter)), namespace_(std::move(namespace_)) {
  info_.namespace_ = this->namespace_;
  info_.workflow_id = std::move(workflow_id);
  info_.run_id = std::move(run_id);
  root_scope_ = std::make_shared<ScopeState>(nullptr, false);
  current_scope_ = root_scope_;
}

WorkflowRuntime::~WorkflowRuntime() {
  // Frames may run destructors that look at the current runtime (e.g. scope guards).
  CurrentRuntime current(this);
  commands_.clear();
}

WorkflowRuntime& WorkflowRuntime::current() {
  if (!t_current) throw std::logic_error("stead::workflow functions can only be called from workflow code");
  return *t_current;
}

std::shared_ptr<ScopeState> WorkflowRuntime::set_current_scope(std::shared_ptr<ScopeState> scope) {
  return std::exchange(current_scope_, std::move(scope));
}

// ---------------------------------------------------------------------------------------
// History

void WorkflowRuntime::apply(const std::vector<const HistoryEvent*>& events, int64_t answering,
                            const std::vector<const ProtocolMessage*>& messages) {
  CurrentRuntime current(this);
  bool prepared = false;
  for (size_t i = 0; i < events.size(); ++i) {
    const HistoryEvent& event = *events[i];
    if (event.event_id() <= last_event_id_) continue;
    if (event.event_id() != last_event_id_ + 1)
      throw std::runtime_error("history is missing events: expected event " + std::to_string(last_event_id_ + 1) +
                               ", got " + std::to_string(event.event_id()));
    if (!prepared) {
      prepare_sequence(events, i, answering);
      prepared = true;
    }
    last_event_id_ = event.event_id();
    if (event.event_type() == enums::EVENT_TYPE_WORKFLOW_TASK_STARTED) {
      bool completed = i + 1 < events.size() &&
                       events[i + 1]->event_type() == enums::EVENT_TYPE_WORKFLOW_TASK_COMPLETED;
      if (completed || event.event_id() == answering) {
        activate(event.event_id() == answering ? messages : std::vector<const ProtocolMessage*>{});
        prepare_sequence(events, i + 1, answering);
      }
      continue;
    }
    handle(event);
  }
}

void WorkflowRuntime::prepare_sequence(const std::vector<const HistoryEvent*>& events, size_t from,
                                       int64_t answering) {
  patches_in_history_.clear();
  accepted_updates_.clear();
  local_markers_.clear();
  size_t end = from;
  for (; end < events.size(); ++end) {
    const HistoryEvent& e = *events[end];
    if (e.event_type() != enums::EVENT_TYPE_WORKFLOW_TASK_STARTED) continue;
    bool completed = end + 1 < events.size() &&
                     events[end + 1]->event_type() == enums::EVENT_TYPE_WORKFLOW_TASK_COMPLETED;
    if (completed || e.event_id() == answering) break;
  }
  if (end == events.size()) {
    // The sequence ends beyond these events: it is the task being answered, or (for a query
    // replay) a task still in flight that no activation will run for.
    replaying_ = answering == 0;
    return;
  }
  const HistoryEvent& started = *events[end];
  replaying_ = started.event_id() != answering;
  now_ = from_proto(started.event_time());
  if (!replaying_) return;
  // What this task recorded after it completed: patch markers and accepted updates.
  for (size_t k = end + 2; k < events.size(); ++k) {
    const HistoryEvent& e = *events[k];
    if (e.event_type() == enums::EVENT_TYPE_WORKFLOW_TASK_STARTED) break;
    if (auto patch = patch_marker(e, converter_)) patches_in_history_.insert(patch->id);
    if (auto id = local_activity_marker_id(e, converter_)) local_markers_[*id] = &e;
    if (e.event_type() == enums::EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED) accepted_updates_.push_back(&e);
  }
}

void WorkflowRuntime::handle(const HistoryEvent& event) {
  switch (event.event_type()) {
    case enums::EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
      start(event);
      return;
    case enums::EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
      signal(event);
      return;
    case enums::EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED:
      request_cancel();
      return;
    case enums::EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
    case enums::EVENT_TYPE_ACTIVITY_TASK_FAILED:
    case enums::EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT:
    case enums::EVENT_TYPE_ACTIVITY_TASK_CANCELED:
      resolve_activity(event);
      return;
    case enums::EVENT_TYPE_TIMER_FIRED: {
      auto it = timers_.find(event.timer_fired_event_attributes().timer_id());
      if (it == timers_.end())
        throw NondeterminismError("history fires timer '" + event.timer_fired_event_attributes().timer_id() +
                                  "' (event " + std::to_string(event.event_id()) + ") that the workflow did not start");
      auto op = std::move(it->second);
      timers_.erase(it);
      op->resolve(std::nullopt);
      return;
    }
    case enums::EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED:
    case enums::EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_FAILED:
    case enums::EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED:
    case enums::EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_FAILED:
    case enums::EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_CANCELED:
    case enums::EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TIMED_OUT:
    case enums::EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TERMINATED:
      resolve_child(event);
      return;
    case enums::EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_SIGNALED:
    case enums::EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED:
    case enums::EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_CANCEL_REQUESTED:
    case enums::EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_FAILED:
      resolve_external(event);
      return;
    default:
      break;
  }
  if (command_type_recorded_by(event.event_type()) != enums::COMMAND_TYPE_UNSPECIFIED) match_command(event);
  // Everything else (task bookkeeping, ActivityTaskStarted, UpdateAdmitted, closes by the
  // server) changes nothing the workflow code can see.
}

void WorkflowRuntime::start(const HistoryEvent& event) {
  const auto& a = event.workflow_execution_started_event_attributes();
  auto it = registry_->find(a.workflow_type().name());
  if (it == registry_->end())
    throw WorkflowTaskError("workflow type '" + a.workflow_type().name() +
                            "' is not registered on this worker; registered: " + known_names(*registry_));
  definition_ = it->second;
  info_.workflow_type = a.workflow_type().name();
  info_.task_queue = a.task_queue().name();
  info_.attempt = a.attempt() > 0 ? a.attempt() : 1;
  info_.first_execution_run_id = a.first_execution_run_id();
  info_.continued_run_id = a.continued_execution_run_id();
  info_.parent_workflow_id = a.parent_workflow_execution().workflow_id();
  info_.parent_run_id = a.parent_workflow_execution().run_id();
  info_.cron_schedule = a.cron_schedule();
  info_.execution_timeout = from_proto(a.workflow_execution_timeout());
  info_.run_timeout = from_proto(a.workflow_run_timeout());
  info_.task_timeout = from_proto(a.workflow_task_timeout());
  if (a.has_retry_policy()) info_.retry_policy = stead::detail::retry_policy_from(a.retry_policy());
  info_.start_time = from_proto(event.event_time());
  info_.headers.insert(a.header().fields().begin(), a.header().fields().end());
  std::map<std::string, Payload> attributes(a.search_attributes().indexed_fields().begin(),
                                            a.search_attributes().indexed_fields().end());
  try {
    info_.search_attributes = to_search_attributes(attributes);
  } catch (const PayloadConversionError&) {
    // An attribute another SDK wrote in a form we cannot read: leave the map partial.
  }
  const std::string& seed_source = a.original_execution_run_id().empty() ? info_.run_id : a.original_execution_run_id();
  random_.seed(fnv1a(seed_source));
  input_ = decode(a.input());
  try {
    object_ = definition_->create(input_);
  } catch (...) {
    create_error_ = std::current_exception();
  }
}

void WorkflowRuntime::activate(const std::vector<const ProtocolMessage*>& messages) {
  for (const PendingCommand& pending : commands_) {
    if (pending.activation != collecting_)
      throw NondeterminismError("[TMPRL1100] the workflow issued " + describe_command(pending.command) +
                                " but the history does not record it");
  }
  if (replaying_) {
    for (const HistoryEvent* e : accepted_updates_) {
      const auto& a = e->workflow_execution_update_accepted_event_attributes();
      deliver_update(a.accepted_request(), false, a.accepted_request_message_id(),
                     a.accepted_request_sequencing_event_id());
    }
  } else {
    for (const ProtocolMessage* m : messages) {
      update::Request request;
      if (m->body().UnpackTo(&request)) deliver_update(request, true, m->id(), m->event_id());
    }
  }
  if (!main_started_ && definition_) {
    main_started_ = true;
    scheduler_.spawn(drive_main(input_));
  }
  scheduler_.run_until_idle();
  while (!task_error_ && resolve_local_activities()) scheduler_.run_until_idle();
  if (task_error_) {
    std::exception_ptr cause = task_error_;
    std::string what = "workflow code failed";
    try {
      std::rethrow_exception(cause);
    } catch (const WorkflowTaskError&) {
      throw;
    } catch (const NondeterminismError&) {
      throw;
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
      what = "workflow code threw a non-standard exception";
    }
    throw WorkflowTaskError(what, cause);
  }
  if (terminal_ && !terminal_issued_) {
    // The completing command goes last, after everything else this activation issued (as
    // sdk-core's MoveTerminalCommands does).
    terminal_issued_ = true;
    commands_.push_back(PendingCommand{*terminal_, collecting_, nullptr, nullptr});
  }
  completed_ = collecting_++;
}

Completion WorkflowRuntime::take_completion() {
  Completion completion;
  for (PendingCommand& pending : commands_) {
    if (pending.activation != completed_) continue;
    completion.commands.push_back(std::move(pending.command));
    pending.command = matching_fields(completion.commands.back());  // payloads are not needed again
  }
  completion.messages = std::move(messages_);
  messages_.clear();
  return completion;
}

void WorkflowRuntime::check_replayed_completely() const {
  for (const PendingCommand& pending : commands_) {
    if (pending.activation == collecting_) continue;  // issued after the last activation's completion
    throw NondeterminismError("[TMPRL1100] the workflow issued " + describe_command(pending.command) +
                              " but the history does not record it");
  }
}

// ---------------------------------------------------------------------------------------
// The workflow's own end

Task<void> WorkflowRuntime::drive_main(std::vector<Payload> args) {
  set_current_scope(root_scope_);
  std::optional<Payload> result;
  std::exception_ptr error = create_error_;
  if (!error) {
    try {
      Task<std::optional<Payload>> run = definition_->run(object_.get(), args);
      result = co_await run;
    } catch (...) {
      error = std::current_exception();
    }
  }
  finish_main(std::move(result), error);
}

void WorkflowRuntime::finish_main(std::optional<Payload> result, std::exception_ptr error) {
  if (terminal_) return;
  Command command;
  if (!error) {
    command.set_command_type(enums::COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION);
    *command.mutable_complete_workflow_execution_command_attributes()->mutable_result() =
        encode({result ? std::move(*result) : to_payload()});
    set_terminal(std::move(command));
    return;
  }
  try {
    std::rethrow_exception(error);
  } catch (ContinueAsNewRequest& request) {
    command.set_command_type(enums::COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION);
    auto* a = command.mutable_continue_as_new_workflow_execution_command_attributes();
    const ContinueAsNewOptions& o = request.options;
    a->mutable_workflow_type()->set_name(o.workflow_type.empty() ? info_.workflow_type : o.workflow_type);
    a->mutable_task_queue()->set_name(o.task_queue.empty() ? info_.task_queue : o.task_queue);
    a->mutable_task_queue()->set_kind(enums::TASK_QUEUE_KIND_NORMAL);
    if (!request.args.empty()) *a->mutable_input() = encode(std::move(request.args));
    auto run_timeout = o.run_timeout.count() > 0 ? o.run_timeout : info_.run_timeout;
    auto task_timeout = o.task_timeout.count() > 0 ? o.task_timeout : info_.task_timeout;
    if (run_timeout.count() > 0) *a->mutable_workflow_run_timeout() = to_proto_duration(run_timeout);
    if (task_timeout.count() > 0) *a->mutable_workflow_task_timeout() = to_proto_duration(task_timeout);
    if (o.retry_policy) stead::detail::set_retry_policy(*o.retry_policy, a->mutable_retry_policy());
    if (!o.memo.empty()) stead::detail::set_memo(converter_, o.memo, a->mutable_memo());
    if (!o.search_attributes.empty())
      stead::detail::set_search_attributes(o.search_attributes, a->mutable_search_attributes());
    set_terminal(std::move(command));
  } catch (const FailureError& e) {
    if (cancel_requested_ && is_cancellation(e)) {
      command.set_command_type(enums::COMMAND_TYPE_CANCEL_WORKFLOW_EXECUTION);
      command.mutable_cancel_workflow_execution_command_attributes();
    } else {
      command.set_command_type(enums::COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION);
      *command.mutable_fail_workflow_execution_command_attributes()->mutable_failure() = converter_.to_failure(error);
    }
    set_terminal(std::move(command));
  } catch (const PayloadConversionError& e) {
    // The run's arguments (or its result) cannot be converted: no retry of the task can help.
    command.set_command_type(enums::COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION);
    auto failure = std::make_exception_ptr(
        ApplicationError(e.what(), {.type = "PayloadConversionError", .non_retryable = true}));
    *command.mutable_fail_workflow_execution_command_attributes()->mutable_failure() = converter_.to_failure(failure);
    set_terminal(std::move(command));
  } catch (...) {
    task_error_ = error;
  }
}

void WorkflowRuntime::fail_run_or_task(std::exception_ptr error, const char* where) {
  try {
    std::rethrow_exception(error);
  } catch (const FailureError&) {
    if (terminal_) return;
    Command command;
    command.set_command_type(enums::COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION);
    *command.mutable_fail_workflow_execution_command_attributes()->mutable_failure() = converter_.to_failure(error);
    set_terminal(std::move(command));
  } catch (...) {
    if (!task_error_) task_error_ = error;
    STEAD_LOG(kWarn) << "workflow " << info_.workflow_id << ": " << where << " failed; failing the workflow task";
  }
}

void WorkflowRuntime::set_terminal(Command command) {
  if (!terminal_) terminal_ = std::move(command);
}

// ---------------------------------------------------------------------------------------
// Signals, cancellation, updates, queries

void WorkflowRuntime::signal(const HistoryEvent& event) {
  const auto& a = event.workflow_execution_signaled_event_attributes();
  if (!definition_ || !object_) return;
  auto it = definition_->signals.find(a.signal_name());
  if (it == definition_->signals.end()) {
    if (!replaying_)
      STEAD_LOG(kWarn) << "workflow " << info_.workflow_id << " (" << info_.workflow_type << "): no handler for signal '"
                       << a.signal_name() << "'; dropped. Known signals: " << known_names(definition_->signals);
    return;
  }
  try {
    std::vector<Payload> args = decode(a.input());
    if (it->second.sync) {
      it->second.sync(object_.get(), args);
    } else {
      scheduler_.spawn(drive_signal(a.signal_name(), it->second.coroutine(object_.get(), args)));
    }
  } catch (const PayloadConversionError& e) {
    // As the other SDKs: a signal whose arguments do not convert is dropped, not fatal.
    if (!replaying_)
      STEAD_LOG(kWarn) << "workflow " << info_.workflow_id << ": signal '" << a.signal_name()
                       << "' dropped: " << e.what();
  } catch (...) {
    fail_run_or_task(std::current_exception(), "a signal handler");
  }
}

Task<void> WorkflowRuntime::drive_signal(std::string name, Task<void> handler) {
  set_current_scope(root_scope_);
  std::exception_ptr error;
  try {
    co_await handler;
  } catch (...) {
    error = std::current_exception();
  }
  if (error) fail_run_or_task(error, "a signal handler");
}

void WorkflowRuntime::request_cancel() {
  if (cancel_requested_) return;
  cancel_requested_ = true;
  root_scope_->cancel();
}

void WorkflowRuntime::deliver_update(const update::Request& request, bool validate, const std::string& message_id,
                                     int64_t sequencing_event_id) {
  const std::string& id = request.meta().update_id();
  if (!updates_seen_.insert(id).second) return;
  auto reject = [&](std::exception_ptr error) {
    update::Rejection rejection;
    rejection.set_rejected_request_message_id(message_id);
    rejection.set_rejected_request_sequencing_event_id(sequencing_event_id);
    *rejection.mutable_rejected_request() = request;
    *rejection.mutable_failure() = converter_.to_failure(error);
    add_update_message(id, "/reject", rejection);
  };
  const std::string& name = request.input().name();
  auto it = definition_ ? definition_->updates.find(name) : decltype(definition_->updates.end()){};
  if (!definition_ || it == definition_->updates.end()) {
    if (!validate)
      throw NondeterminismError("[TMPRL1100] the history accepted update '" + name +
                                "' but the workflow has no handler for it");
    std::string known = definition_ ? known_names(definition_->updates) : "[]";
    reject(std::make_exception_ptr(ApplicationError("update handler for '" + name + "' not registered; known updates: " +
                                                        known,
                                                    {.type = "NotFoundError", .non_retryable = true})));
    return;
  }
  std::vector<Payload> args;
  try {
    args = decode(request.input().args());
    if (validate && it->second.validate) it->second.validate(object_.get(), args);
  } catch (...) {
    if (!validate) throw;
    reject(std::current_exception());
    return;
  }
  update::Acceptance acceptance;
  acceptance.set_accepted_request_message_id(message_id);
  acceptance.set_accepted_request_sequencing_event_id(sequencing_event_id);
  *acceptance.mutable_accepted_request() = request;
  add_update_message(id, "/accept", acceptance);
  std::exception_ptr start_error;
  try {
    scheduler_.spawn(drive_update(id, request, it->second.run(object_.get(), args)));
    return;
  } catch (...) {
    start_error = std::current_exception();
  }
  update::Response response;
  *response.mutable_meta() = request.meta();
  *response.mutable_outcome()->mutable_failure() = converter_.to_failure(start_error);
  add_update_message(id, "/complete", response);
}

Task<void> WorkflowRuntime::drive_update(std::string update_id, update::Request request,
                                         Task<std::optional<Payload>> run) {
  set_current_scope(root_scope_);
  std::optional<Payload> result;
  std::exception_ptr error;
  try {
    result = co_await run;
  } catch (...) {
    error = std::current_exception();
  }
  update::Response response;
  *response.mutable_meta() = request.meta();
  if (error) {
    *response.mutable_outcome()->mutable_failure() = converter_.to_failure(error);
  } else {
    *response.mutable_outcome()->mutable_success() = encode({result ? std::move(*result) : to_payload()});
  }
  add_update_message(update_id, "/complete", response);
}

void WorkflowRuntime::add_update_message(const std::string& update_id, const std::string& suffix,
                                         const google::protobuf::Message& body) {
  std::string message_id = update_id + suffix;
  if (suffix != "/reject") {
    // Acceptance and completion are recorded as events where this command stands.
    Command command;
    command.set_command_type(enums::COMMAND_TYPE_PROTOCOL_MESSAGE);
    command.mutable_protocol_message_command_attributes()->set_message_id(message_id);
    issue(std::move(command));
  }
  if (replaying_) return;
  ProtocolMessage message;
  message.set_id(message_id);
  message.set_protocol_instance_id(update_id);
  message.mutable_body()->PackFrom(body);
  messages_.push_back(std::move(message));
}

Payload WorkflowRuntime::query(std::string_view name, const std::vector<Payload>& args) {
  CurrentRuntime current(this);
  struct InQuery {
    bool& flag;
    explicit InQuery(bool& f) : flag(f) { flag = true; }
    ~InQuery() { flag = false; }
  } in_query(in_query_);
  if (name == "__stack_trace" || name == "__enhanced_stack_trace")
    return converter_.encode({to_payload(std::string("stack traces are not available for Stead C++ workflows"))})
        .front();
  if (!definition_ || !object_) throw std::runtime_error("the workflow has not started");
  auto it = definition_->queries.find(name);
  if (it == definition_->queries.end())
    throw std::out_of_range("query handler for '" + std::string(name) +
                            "' not registered; known queries: " + known_names(definition_->queries));
  Payload result = it->second(object_.get(), converter_.decode(args));
  return converter_.encode({std::move(result)}).front();
}

// ---------------------------------------------------------------------------------------
// Payloads

std::vector<Payload> WorkflowRuntime::decode(const temporal::api::common::v1::Payloads& payloads) const {
  return converter_.decode(std::vector<Payload>(payloads.payloads().begin(), payloads.payloads().end()));
}

temporal::api::common::v1::Payloads WorkflowRuntime::encode(std::vector<Payload> payloads) const {
  temporal::api::common::v1::Payloads out;
  for (auto& p : converter_.encode(std::move(payloads))) *out.add_payloads() = std::move(p);
  return out;
}

std::exception_ptr WorkflowRuntime::error_from(const temporal::api::failure::v1::Failure& failure) const {
  auto error = converter_.from_failure(failure);
  try {
    error->rethrow();
  } catch (...) {
    return std::current_exception();
  }
  return nullptr;  // not reached: rethrow() always throws
}

}  // namespace stead::worker
