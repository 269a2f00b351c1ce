#include "server/frontend/rpc_router.h"

#include <google/protobuf/any.pb.h>

#include "google/rpc/status.pb.h"

namespace stead::server::frontend {

std::string truncate_status_message(const std::string& message) {
  if (message.size() <= kMaxStatusMessageBytes) return message;
  size_t cut = kMaxStatusMessageBytes - kTruncatedMarker.size();
  // Never split a UTF-8 sequence: back up over continuation bytes (10xxxxxx).
  while (cut > 0 && (static_cast<unsigned char>(message[cut]) & 0xC0) == 0x80) --cut;
  return message.substr(0, cut) + std::string(kTruncatedMarker);
}

namespace {
// Bytes of `message` in grpc-message, which percent-encodes all but printable ASCII.
size_t percent_encoded_size(const std::string& message) {
  size_t n = 0;
  for (unsigned char c : message) n += (c >= 0x20 && c <= 0x7E && c != '%') ? 1 : 3;
  return n;
}
}  // namespace

grpc::Status to_grpc_status(const Status& status) {
  if (status.ok()) return grpc::Status::OK;
  auto code = static_cast<grpc::StatusCode>(status.code());
  std::string message = truncate_status_message(status.message());
  if (status.detail().empty()) return grpc::Status(code, message);
  google::rpc::Status rich;
  rich.set_code(static_cast<int>(code));
  rich.set_message(message);
  rich.add_details()->ParseFromString(status.detail());
  std::string details = rich.SerializeAsString();
  // A detail that echoes input must not push the headers over the limit: drop it then (code
  // and message remain). Details hold ids, which the frontend bounds, so this is a safety net.
  size_t base64_size = (details.size() + 2) / 3 * 4;
  if (percent_encoded_size(message) + base64_size > kMaxStatusHeaderBytes) return grpc::Status(code, message);
  return grpc::Status(code, message, details);
}

// One unary call: read the request, route it, write the response (or status), finish.
class UnaryCall final : public grpc::ServerGenericBidiReactor {
 public:
  UnaryCall(grpc::GenericCallbackServerContext* ctx, const RpcRouter& router)
      : ctx_(ctx), router_(router), state_(std::make_shared<CallState>(this)),
        metrics_(router.method_metrics(ctx->method())), started_(std::chrono::steady_clock::now()) {
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    // A local reference: finishing may run OnDone (which deletes this) before we return.
    std::shared_ptr<CallState> state = state_;
    if (!ok) {
      state->fail(Status::InvalidArgument("No request message received."));
      return;
    }
    auto it = router_.routes_.find(ctx_->method());
    if (it == router_.routes_.end()) {
      state->fail(Status::Unimplemented("Method " + ctx_->method() + " is not implemented by the Stead server."));
      return;
    }
    CallInfo info;
    info.method = ctx_->method();
    info.deadline = ctx_->deadline();
    auto name = ctx_->client_metadata().find("client-name");
    if (name != ctx_->client_metadata().end()) info.client_name.assign(name->second.data(), name->second.size());
    it->second(info, request_, std::move(state));
  }

  void OnCancel() override {
    std::shared_ptr<CallState> state = state_;
    state->cancelled();
  }
  void OnWriteDone(bool) override {}
  void OnDone() override {
    state_->done();
    delete this;
  }

  void write_and_finish(grpc::ByteBuffer buffer) {
    record(grpc::StatusCode::OK);
    response_ = std::move(buffer);
    StartWriteAndFinish(&response_, grpc::WriteOptions(), grpc::Status::OK);
  }
  void finish(const grpc::Status& status) {
    record(status.error_code());
    Finish(status);
  }

 private:
  void record(grpc::StatusCode code) {
    if (!metrics_) return;
    router_.record(*metrics_, static_cast<int>(code),
                   std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count());
  }

  grpc::GenericCallbackServerContext* ctx_;
  const RpcRouter& router_;
  std::shared_ptr<CallState> state_;
  const RpcRouter::MethodMetrics* metrics_;  // null without a registry
  std::chrono::steady_clock::time_point started_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer response_;
};

void CallState::respond(grpc::ByteBuffer buffer) {
  std::lock_guard lock(mu_);
  if (finished_) return;
  finished_ = true;
  cancel_hook_ = nullptr;
  held_.reset();
  call_->write_and_finish(std::move(buffer));
}

void CallState::fail(const Status& status) {
  std::lock_guard lock(mu_);
  if (finished_) return;
  finished_ = true;
  cancel_hook_ = nullptr;
  held_.reset();
  call_->finish(to_grpc_status(status));
}

void CallState::on_cancel(std::function<void()> hook) {
  {
    std::lock_guard lock(mu_);
    if (finished_) return;
    if (!cancelled_) {
      cancel_hook_ = std::move(hook);
      return;
    }
  }
  hook();
}

void CallState::hold(std::shared_ptr<void> resource) {
  std::lock_guard lock(mu_);
  if (!finished_) held_ = std::move(resource);
}

void CallState::done() {
  std::lock_guard lock(mu_);
  finished_ = true;  // too late to answer; whoever still holds a Responder finds it finished
  cancel_hook_ = nullptr;
  held_.reset();
}

void CallState::cancelled() {
  std::function<void()> hook;
  {
    std::lock_guard lock(mu_);
    cancelled_ = true;
    hook = std::move(cancel_hook_);
  }
  if (hook) hook();
}

class RpcRouter::Service final : public grpc::CallbackGenericService {
 public:
  explicit Service(const RpcRouter& router) : router_(router) {}
  grpc::ServerGenericBidiReactor* CreateReactor(grpc::GenericCallbackServerContext* ctx) override {
    return new UnaryCall(ctx, router_);
  }

 private:
  const RpcRouter& router_;
};

RpcRouter::RpcRouter(prometheus::Registry* metrics) : metrics_(metrics), service_(std::make_unique<Service>(*this)) {
  if (!metrics_) return;
  requests_ = &metrics_->counter("stead_rpc_requests_total", "gRPC calls answered, by method and status code.",
                                 {"method", "code"});
  durations_ = &metrics_->histogram("stead_rpc_duration_seconds",
                                    "Time from a gRPC call's arrival to its answer (long polls included).",
                                    {"method"}, prometheus::default_seconds_buckets());
}
RpcRouter::~RpcRouter() = default;

namespace {
// grpc::StatusCode names, as gRPC spells them.
constexpr const char* kCodeNames[] = {"OK",
                                      "CANCELLED",
                                      "UNKNOWN",
                                      "INVALID_ARGUMENT",
                                      "DEADLINE_EXCEEDED",
                                      "NOT_FOUND",
                                      "ALREADY_EXISTS",
                                      "PERMISSION_DENIED",
                                      "RESOURCE_EXHAUSTED",
                                      "FAILED_PRECONDITION",
                                      "ABORTED",
                                      "OUT_OF_RANGE",
                                      "UNIMPLEMENTED",
                                      "INTERNAL",
                                      "UNAVAILABLE",
                                      "DATA_LOSS",
                                      "UNAUTHENTICATED"};
}  // namespace

void RpcRouter::record(const MethodMetrics& metrics, int code, double seconds) const {
  if (code < 0 || code >= static_cast<int>(metrics.by_code.size())) code = static_cast<int>(grpc::StatusCode::UNKNOWN);
  auto& slot = metrics.by_code[static_cast<size_t>(code)];
  prometheus::Counter* counter = slot.load(std::memory_order_acquire);
  if (!counter) {  // first call with this code: the family's lock, once; every racer gets the same series
    counter = &requests_->with({metrics.name, kCodeNames[code]});
    slot.store(counter, std::memory_order_release);
  }
  counter->inc();
  auto& duration_slot = metrics.duration;
  prometheus::Histogram* duration = duration_slot.load(std::memory_order_acquire);
  if (!duration) {
    duration = &durations_->with({metrics.name});
    duration_slot.store(duration, std::memory_order_release);
  }
  duration->observe(seconds);
}

const RpcRouter::MethodMetrics* RpcRouter::method_metrics(const std::string& method) const {
  if (!metrics_) return nullptr;
  auto it = method_metrics_.find(method);
  return it != method_metrics_.end() ? &it->second : &unregistered_metrics_;
}

grpc::CallbackGenericService* RpcRouter::service() { return service_.get(); }

}  // namespace stead::server::frontend
