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
      : ctx_(ctx), router_(router), state_(std::make_shared<CallState>(this)) {
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
    response_ = std::move(buffer);
    StartWriteAndFinish(&response_, grpc::WriteOptions(), grpc::Status::OK);
  }
  void finish(const grpc::Status& status) { Finish(status); }

 private:
  grpc::GenericCallbackServerContext* ctx_;
  const RpcRouter& router_;
  std::shared_ptr<CallState> state_;
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

RpcRouter::RpcRouter() : service_(std::make_unique<Service>(*this)) {}
RpcRouter::~RpcRouter() = default;

grpc::CallbackGenericService* RpcRouter::service() { return service_.get(); }

}  // namespace stead::server::frontend
