#include <grpcpp/grpcpp.h>

#include <mutex>
#include <stdexcept>
#include <thread>

#include "client/client_core.h"
#include "stead/workflow_environment.h"
#include "temporal/api/testservice/v1/service.grpc.pb.h"

namespace stead::testing {

namespace tsv1 = temporal::api::testservice::v1;

struct WorkflowEnvironment::Impl {
  std::unique_ptr<Server> server;
  std::optional<Client> client;

  // Waits in progress that unlocked time skipping, and scopes that forbid it.
  std::mutex mu;
  int unlocked_waits = 0;  // guarded by mu
  int disabled = 0;        // guarded by mu

  // The wait hook of the client (ClientCore::WaitHook): the first wait unlocks time
  // skipping, the last one to end locks it again.
  std::function<void()> enter_wait() {
    std::lock_guard lock(mu);
    if (disabled > 0) return nullptr;
    if (unlocked_waits++ == 0) server->unlock_time_skipping();
    return [this] {
      std::lock_guard lock(mu);
      if (--unlocked_waits == 0) server->lock_time_skipping();
    };
  }
};

WorkflowEnvironment WorkflowEnvironment::start(WorkflowEnvironmentOptions options, bool time_skipping) {
  auto impl = std::make_unique<WorkflowEnvironment::Impl>();
  ServerOptions server_options;
  server_options.time_skipping = time_skipping;
  server_options.listen = options.listen;
  server_options.port = options.port;
  server_options.namespaces = options.namespaces;
  server_options.namespaces.push_back(options.namespace_);
  server_options.search_attributes = options.search_attributes;
  impl->server = Server::start(server_options);
  ClientOptions client_options;
  client_options.namespace_ = options.namespace_;
  client_options.identity = options.identity;
  client_options.data_converter = std::move(options.data_converter);
  client_options.channel = impl->server->in_process_channel();
  impl->client = Client::connect(std::move(client_options));
  if (time_skipping) {
    auto* raw = impl.get();
    detail::core_of(*impl->client)->set_wait_hook([raw] { return raw->enter_wait(); });
  }
  return WorkflowEnvironment(std::move(impl));
}

WorkflowEnvironment WorkflowEnvironment::start_time_skipping(WorkflowEnvironmentOptions options) {
  return start(std::move(options), true);
}

WorkflowEnvironment WorkflowEnvironment::start_local(WorkflowEnvironmentOptions options) {
  return start(std::move(options), false);
}

WorkflowEnvironment::WorkflowEnvironment(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
WorkflowEnvironment::WorkflowEnvironment(WorkflowEnvironment&&) noexcept = default;
WorkflowEnvironment& WorkflowEnvironment::operator=(WorkflowEnvironment&& other) noexcept {
  if (this != &other) {
    shutdown();
    impl_ = std::move(other.impl_);
  }
  return *this;
}
WorkflowEnvironment::~WorkflowEnvironment() { shutdown(); }

const Client& WorkflowEnvironment::client() const { return *impl_->client; }
Server& WorkflowEnvironment::server() const { return *impl_->server; }
bool WorkflowEnvironment::supports_time_skipping() const { return impl_->server->time_skipping(); }
std::chrono::system_clock::time_point WorkflowEnvironment::now() const { return impl_->server->current_time(); }

void WorkflowEnvironment::sleep(std::chrono::nanoseconds duration) const {
  if (duration < std::chrono::nanoseconds::zero()) throw std::invalid_argument("WorkflowEnvironment::sleep: negative duration");
  if (!supports_time_skipping()) {
    std::this_thread::sleep_for(duration);
    return;
  }
  // TestService, as the SDKs' environments call it: unlock until the time has advanced. When a
  // wait elsewhere already unlocked time skipping, only wait for the time (Sleep).
  auto stub = tsv1::TestService::NewStub(impl_->server->in_process_channel());
  tsv1::SleepRequest request;
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(duration);
  request.mutable_duration()->set_seconds(seconds.count());
  request.mutable_duration()->set_nanos(static_cast<int32_t>((duration - seconds).count()));
  tsv1::SleepResponse response;
  grpc::Status status;
  {
    grpc::ClientContext context;
    status = stub->UnlockTimeSkippingWithSleep(&context, request, &response);
  }
  if (status.error_code() == grpc::StatusCode::FAILED_PRECONDITION) {
    grpc::ClientContext context;
    status = stub->Sleep(&context, request, &response);
  }
  if (!status.ok())
    throw std::runtime_error("WorkflowEnvironment::sleep: TestService answered " + std::to_string(status.error_code()) +
                             " " + status.error_message());
}

WorkflowEnvironment::AutoTimeSkippingDisabled WorkflowEnvironment::auto_time_skipping_disabled() const {
  std::lock_guard lock(impl_->mu);
  ++impl_->disabled;
  return AutoTimeSkippingDisabled(this);
}

WorkflowEnvironment::AutoTimeSkippingDisabled::~AutoTimeSkippingDisabled() {
  if (!env_ || !env_->impl_) return;
  std::lock_guard lock(env_->impl_->mu);
  --env_->impl_->disabled;
}

void WorkflowEnvironment::shutdown() {
  if (!impl_) return;
  impl_->client.reset();
  if (impl_->server) impl_->server->shutdown();
}

}  // namespace stead::testing
