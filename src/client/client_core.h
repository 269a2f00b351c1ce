// ClientCore: the state one Client and all its handles share — options, the gRPC channel and
// WorkflowService stub — and the one way calls are made (`call`).
//
// Thread safety: everything is const after construction except the API key, guarded by
// mu_. gRPC stubs and channels are thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "common/log.h"
#include "stead/client_options.h"
#include "stead/outcome.h"
#include "temporal/api/workflowservice/v1/service.grpc.pb.h"

namespace stead::detail {

namespace wsv1 = temporal::api::workflowservice::v1;
using Stub = wsv1::WorkflowService::Stub;

// A WorkflowService method of the generated async API, e.g. &Stub::PrepareAsyncStartWorkflowExecution.
template <class Req, class Resp>
using AsyncMethod = std::unique_ptr<grpc::ClientAsyncResponseReader<Resp>> (Stub::*)(grpc::ClientContext*, const Req&,
                                                                                     grpc::CompletionQueue*);

// Long polls (result, update) give the server this long; it answers within 20 s.
inline constexpr std::chrono::seconds kLongPollTimeout{70};

// Lets another thread cancel an in-flight call (grpc TryCancel): how a worker ends its long
// polls at shutdown. A cancel before the call is attached cancels it as soon as it starts.
// Thread-safe. Hand one canceller to one call at a time.
class CallCanceller {
 public:
  void cancel() {
    std::lock_guard lock(mu_);
    cancelled_ = true;
    if (context_) context_->TryCancel();
  }

 private:
  friend class ClientCore;
  void attach(grpc::ClientContext* context) {
    std::lock_guard lock(mu_);
    context_ = context;
    if (cancelled_) context_->TryCancel();
  }
  void detach() {
    std::lock_guard lock(mu_);
    context_ = nullptr;
  }
  std::mutex mu_;
  grpc::ClientContext* context_ = nullptr;  // guarded by mu_
  bool cancelled_ = false;                  // guarded by mu_
};

class ClientCore : public std::enable_shared_from_this<ClientCore> {
 public:
  // Resolves option defaults (identity, certificate files) and creates the channel; no I/O.
  // Throws std::invalid_argument for unusable options.
  static std::shared_ptr<ClientCore> create(ClientOptions options);

  const ClientOptions& options() const { return options_; }
  const DataConverter& converter() const { return options_.data_converter; }
  const std::string& ns() const { return options_.namespace_; }
  const std::string& identity() const { return options_.identity; }
  std::chrono::nanoseconds rpc_timeout() const { return options_.rpc_timeout; }
  void set_api_key(std::string api_key);

  // Runs around every wait for a workflow's result or an update's outcome: called when the
  // wait starts; the function it returns (if any) runs when the wait ends, just before the
  // caller's callback. A time-skipping test environment unlocks time skipping meanwhile
  // (stead/workflow_environment.h). Set once, before the client is used.
  using WaitHook = std::function<std::function<void()>()>;
  void set_wait_hook(WaitHook hook) { wait_hook_ = std::move(hook); }
  template <class T>
  Callback<T> around_wait(Callback<T> done) const {
    if (!wait_hook_) return done;
    std::function<void()> leave = wait_hook_();
    if (!leave) return done;
    return [leave = std::move(leave), done = std::move(done)](Outcome<T> outcome) {
      leave();
      done(std::move(outcome));
    };
  }

  // Sends `request` and calls `done(status, response)` once, on one of the core's completion
  // threads (never inline). The core stays alive until then. `done` must not throw.
  // With a `canceller`, another thread may cancel the call (done then sees CANCELLED).
  template <class Req, class Resp>
  void call(AsyncMethod<Req, Resp> method, Req request, std::chrono::nanoseconds timeout,
            std::function<void(grpc::Status, Resp)> done, std::shared_ptr<CallCanceller> canceller = nullptr) {
    struct Call : PendingCall {
      grpc::ClientContext context;
      Req request;
      Resp response;
      grpc::Status status;
      std::unique_ptr<grpc::ClientAsyncResponseReader<Resp>> reader;
      std::function<void(grpc::Status, Resp)> done;
      std::shared_ptr<ClientCore> core;
      std::shared_ptr<CallCanceller> canceller;
      void complete() override {
        if (canceller) canceller->detach();
        done(std::move(status), std::move(response));
      }
    };
    auto* c = new Call{};
    c->request = std::move(request);
    c->done = std::move(done);
    c->core = shared_from_this();
    prepare(&c->context, timeout);
    c->reader = (stub_.get()->*method)(&c->context, c->request, &cq_);
    if (canceller) {
      // Before StartCall: once Finish is queued, `c` may complete and be freed at any time.
      // (TryCancel on a context whose call has not started cancels it when it starts.)
      c->canceller = canceller;
      canceller->attach(&c->context);
    }
    c->reader->StartCall();
    c->reader->Finish(&c->response, &c->status, static_cast<PendingCall*>(c));
  }

  // Marks the current thread as one of the core's completion threads. A callback may drop the
  // last reference to the core, whose destructor joins those threads; the core's deleter
  // therefore hands a destruction that starts there to another thread.
  class CallbackScope {
   public:
    CallbackScope() { depth()++; }
    ~CallbackScope() { depth()--; }
    CallbackScope(const CallbackScope&) = delete;
    CallbackScope& operator=(const CallbackScope&) = delete;
    static bool active() { return depth() > 0; }

   private:
    static int& depth() {
      static thread_local int d = 0;
      return d;
    }
  };

 private:
  struct PendingCall {
    virtual ~PendingCall() = default;
    virtual void complete() = 0;
  };

  ClientCore(ClientOptions options, std::shared_ptr<grpc::Channel> channel);
  void prepare(grpc::ClientContext* context, std::chrono::nanoseconds timeout) const;
  void drain();  // a completion thread: runs callbacks until the queue shuts down

 public:
  ~ClientCore();  // shuts the queue down and joins the completion threads

 private:
  // Constant after construction.
  const ClientOptions options_;
  const std::shared_ptr<grpc::Channel> channel_;
  const std::unique_ptr<Stub> stub_;
  // Completions of this client's calls. Owned threads rather than gRPC's callback API: with
  // Debian's gRPC 1.51, creating and destroying callback-API channels races inside gRPC's
  // shared "nexting" completion queue (double free).
  grpc::CompletionQueue cq_;
  std::vector<std::thread> threads_;

  mutable std::mutex mu_;
  std::string authorization_;  // "Bearer <key>" or "", guarded by mu_
  WaitHook wait_hook_;         // set before use
};

}  // namespace stead::detail
