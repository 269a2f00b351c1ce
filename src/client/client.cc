// Client: connect, accessors, handles, and the blocking forms of the calls whose callback
// forms live in start_workflow.cc and list_workflows.cc.
#include "stead/client.h"

#include "client/client_core.h"
#include "client/rpc_error.h"

namespace stead {

Client Client::connect(ClientOptions options) {
  return wait_for<Client>([&](Callback<Client> done) { connect(std::move(options), std::move(done)); });
}

void Client::connect(ClientOptions options, Callback<Client> done) {
  auto core = capture_outcome([&] { return detail::ClientCore::create(std::move(options)); });
  if (!core.ok()) return done(core.error());
  auto c = core.value();
  c->call<detail::wsv1::GetSystemInfoRequest, detail::wsv1::GetSystemInfoResponse>(
      &detail::Stub::PrepareAsyncGetSystemInfo, {}, c->options().connect_timeout,
      [c, done = std::move(done)](grpc::Status status, detail::wsv1::GetSystemInfoResponse) {
        // Servers without GetSystemInfo are accepted, as by the other SDKs.
        if (!status.ok() && status.error_code() != grpc::StatusCode::UNIMPLEMENTED)
          return done(detail::rpc_error(status, {}, c->converter()));
        done(Client(c));
      });
}

const std::string& Client::namespace_() const { return core_->ns(); }
const std::string& Client::identity() const { return core_->identity(); }
const DataConverter& Client::data_converter() const { return core_->converter(); }
void Client::set_api_key(std::string api_key) const { core_->set_api_key(std::move(api_key)); }

WorkflowHandle Client::start_workflow(std::string_view workflow_type, std::vector<Payload> args,
                                      const WorkflowOptions& options) const {
  return wait_for<WorkflowHandle>(
      [&](Callback<WorkflowHandle> done) { start_workflow(workflow_type, std::move(args), options, std::move(done)); });
}

WorkflowHandle Client::signal_with_start_workflow(std::string_view workflow_type, std::vector<Payload> args,
                                                  std::string_view signal_name, std::vector<Payload> signal_args,
                                                  WorkflowOptions options) const {
  options.start_signal = std::string(signal_name);
  options.start_signal_args = std::move(signal_args);
  return start_workflow(workflow_type, std::move(args), options);
}

WorkflowHandle Client::get_workflow_handle(std::string workflow_id, std::string run_id) const {
  std::string target = run_id;
  return WorkflowHandle(core_, std::move(workflow_id), std::move(run_id), std::move(target), "");
}

std::vector<WorkflowExecutionInfo> Client::list_workflows(std::string_view query) const {
  return wait_for<std::vector<WorkflowExecutionInfo>>(
      [&](auto done) { list_workflows(std::string(query), std::move(done)); });
}

WorkflowCount Client::count_workflows(std::string_view query) const {
  return wait_for<WorkflowCount>([&](auto done) { count_workflows(std::string(query), std::move(done)); });
}

}  // namespace stead
