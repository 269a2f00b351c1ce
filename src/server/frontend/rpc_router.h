// RpcRouter: serves unary gRPC methods by full name through gRPC's callback API.
//
// One generic service receives every call (WorkflowService, OperatorService, TestService on
// the same port). A registered method gets its request parsed and a Responder it may complete
// from any thread, at any later time — so a long poll holds no thread while it waits.
// Unregistered methods answer UNIMPLEMENTED with the method's name.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/impl/codegen/proto_utils.h>
#include <grpcpp/support/byte_buffer.h>

#include "common/prometheus.h"
#include "common/status.h"
#include "common/time_util.h"

namespace stead::server::frontend {

// Status messages and details travel in HTTP/2 headers (grpc-message, grpc-status-details-bin),
// and gRPC clients refuse received metadata above 8 KiB by default: one oversized error
// fails with RESOURCE_EXHAUSTED instead, and takes other calls on the channel along. So every
// status leaves the server with at most 2 KiB of message, and both headers together within
// 7 KiB once encoded, whatever input the message or detail echoes.
inline constexpr size_t kMaxStatusMessageBytes = 2048;
inline constexpr size_t kMaxStatusHeaderBytes = 7 * 1024;
inline constexpr std::string_view kTruncatedMarker = "\u2026(truncated)";

// `message` cut to kMaxStatusMessageBytes (on a UTF-8 boundary) and ending in
// kTruncatedMarker when it was longer; otherwise unchanged.
std::string truncate_status_message(const std::string& message);

// Converts a Status (with its optional detail) to a gRPC status within the bounds above: the
// message truncated, the detail dropped when the headers would exceed kMaxStatusHeaderBytes.
grpc::Status to_grpc_status(const Status& status);

class UnaryCall;

// Facts about the incoming call that handlers may use.
struct CallInfo {
  std::string method;
  TimePoint deadline;       // wall clock; far future when the client set none
  std::string client_name;  // "client-name" metadata, e.g. temporal-typescript
};

// Shared completion state of one call. Thread-safe; the first completion wins.
class CallState {
 public:
  explicit CallState(UnaryCall* call) : call_(call) {}
  void respond(grpc::ByteBuffer buffer);
  void fail(const Status& status);
  // Runs `hook` if the client cancels before the call completes (at once if it already has).
  void on_cancel(std::function<void()> hook);
  void cancelled();
  // Keeps `resource` until the call completes or gRPC is done with it, whichever is first
  // (e.g. a long-poll slot).
  void hold(std::shared_ptr<void> resource);
  void done();

 private:
  std::mutex mu_;
  UnaryCall* call_;  // valid until finished_ is set
  bool finished_ = false;
  bool cancelled_ = false;
  std::function<void()> cancel_hook_;
  std::shared_ptr<void> held_;
};

template <class Resp>
class Responder {
 public:
  explicit Responder(std::shared_ptr<CallState> state) : state_(std::move(state)) {}
  void ok(const Resp& response) const {
    grpc::ByteBuffer buffer;
    bool own = false;
    grpc::SerializationTraits<Resp>::Serialize(response, &buffer, &own);
    state_->respond(std::move(buffer));
  }
  void fail(const Status& status) const { state_->fail(status); }
  // ok() when `status` is OK, else fail().
  void finish(const Status& status, const Resp& response) const {
    if (status.ok()) ok(response);
    else fail(status);
  }
  void on_cancel(std::function<void()> hook) const { state_->on_cancel(std::move(hook)); }
  void hold(std::shared_ptr<void> resource) const { state_->hold(std::move(resource)); }

 private:
  std::shared_ptr<CallState> state_;
};

class RpcRouter {
 public:
  template <class Req, class Resp>
  using Handler = std::function<void(const CallInfo&, Req, Responder<Resp>)>;

  // With `metrics`, every call is counted in stead_rpc_requests_total{method,code} and timed in
  // stead_rpc_duration_seconds{method} (method: the short name, "StartWorkflowExecution";
  // calls to methods not registered count as "unregistered").
  explicit RpcRouter(prometheus::Registry* metrics = nullptr);
  ~RpcRouter();

  // Registers `handler` for "/package.Service/Method". Not thread-safe: register before serving.
  template <class Req, class Resp>
  void add(const std::string& method, Handler<Req, Resp> handler) {
    if (metrics_) method_metrics_.try_emplace(method, method);
    routes_[method] = [handler = std::move(handler)](const CallInfo& info, grpc::ByteBuffer& buffer,
                                                      std::shared_ptr<CallState> state) {
      Req request;
      if (!grpc::SerializationTraits<Req>::Deserialize(&buffer, &request).ok()) {
        state->fail(Status::InvalidArgument("Unable to parse request message for " + info.method));
        return;
      }
      handler(info, std::move(request), Responder<Resp>(std::move(state)));
    };
  }

  grpc::CallbackGenericService* service();

 private:
  friend class UnaryCall;
  using Route = std::function<void(const CallInfo&, grpc::ByteBuffer&, std::shared_ptr<CallState>)>;
  class Service;

  // One method's series, created at its first call (so a method never called adds no lines),
  // then reached without a lock.
  struct MethodMetrics {
    explicit MethodMetrics(const std::string& method) : name(method.substr(method.rfind('/') + 1)) {}
    std::string name;  // "/pkg.Service/Name" -> "Name"
    mutable std::atomic<prometheus::Histogram*> duration{nullptr};
    mutable std::array<std::atomic<prometheus::Counter*>, 17> by_code{};  // indexed by grpc::StatusCode
  };
  const MethodMetrics* method_metrics(const std::string& method) const;
  void record(const MethodMetrics& metrics, int code, double seconds) const;

  prometheus::Registry* metrics_;
  prometheus::Family<prometheus::Counter>* requests_ = nullptr;
  prometheus::Family<prometheus::Histogram>* durations_ = nullptr;
  // Registered before serving, read-only after (the atomics inside excepted).
  std::unordered_map<std::string, MethodMetrics> method_metrics_;
  MethodMetrics unregistered_metrics_{"unregistered"};
  std::unordered_map<std::string, Route> routes_;
  std::unique_ptr<Service> service_;
};

}  // namespace stead::server::frontend
