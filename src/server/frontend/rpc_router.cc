#include "server/frontend/rpc_router.h"

#include <google/protobuf/any.pb.h>

#include "google/rpc/status.pb.h"

namespace stead::server::frontend {

grpc::Status to_grpc_status(const Status& status) {
  if (status.ok()) return grpc::Status::OK;
  auto code = static_cast<grpc::StatusCode>(status.code());
  if (status.detail().empty()) return grpc::Status(code, status.message());
  google::rpc::Status rich;
  rich.set_code(static_cast<int>(code));
  rich.set_message(status.message());
  rich.add_details()->ParseFromString(status.detail());
  return grpc::Status(code, status.message(), rich.SerializeAsString());
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
  void OnDone() override { delete this; }

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
  call_->write_and_finish(std::move(buffer));
}

void CallState::fail(const Status& status) {
  std::lock_guard lock(mu_);
  if (finished_) return;
  finished_ = true;
  cancel_hook_ = nullptr;
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
