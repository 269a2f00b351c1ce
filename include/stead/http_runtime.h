// stead::http::Runtime: the lifecycle of a web service's workflow side — one Client created
// at start-up and shared by every request, an optional embedded server, an optional
// in-process worker — and graceful shutdown on SIGTERM/SIGINT.
//
//   auto runtime = stead::http::Runtime::start(stead::http::RuntimeOptions::from_env());
//   stead::http::Api api;  mount_workflow_routes(api, runtime->client(), {...});
//   stead::http::HttplibServer web(api, {.port = 8000});
//   web.start();
//   stead::http::wait_for_termination_signal();   // SIGTERM or SIGINT
//   web.stop();                                   // drain HTTP first
//   runtime->shutdown();                          // then worker, client, embedded server
//
// Where the client connects: `address` when set (from_env: TEMPORAL_ADDRESS), else an
// embedded stead::Server on a free loopback port (the examples' default).
//
// Thread safety: client() from any thread; start/shutdown from the controlling thread.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "stead/client.h"
#include "stead/server.h"

namespace stead::http {

struct RuntimeOptions {
  std::string address{};              // "" = embedded server
  std::string namespace_ = "default";
  ServerOptions embedded_server{.port = 0};
  ClientOptions client{};             // address and namespace_ are overwritten by the above
  // Starts an in-process worker on the shared client; returns the function that stops it
  // (called at shutdown, before the client closes). Keeps this header free of the worker SDK.
  std::function<std::function<void()>(const Client&)> start_worker{};

  // TEMPORAL_ADDRESS and TEMPORAL_NAMESPACE from the environment.
  static RuntimeOptions from_env();
};

class Runtime {
 public:
  // Starts the embedded server (when no address), connects, starts the worker. Throws what
  // Server::start / Client::connect throw.
  static std::unique_ptr<Runtime> start(RuntimeOptions options);
  ~Runtime();  // shutdown()

  const Client& client() const;
  // The embedded server, or null when connected to a remote address.
  Server* embedded_server() const;
  // Stops the worker, drops the client, shuts the embedded server down. Idempotent.
  void shutdown();

 private:
  Runtime() = default;
  RuntimeOptions options_;
  std::unique_ptr<Server> server_;
  std::optional<Client> client_;
  std::function<void()> stop_worker_;
  bool down_ = false;
};

// Blocks SIGTERM and SIGINT in the calling thread (and threads it creates later), so that
// wait_for_termination_signal() receives them. Call it first in main(), before any thread
// starts. Idempotent.
void block_termination_signals();
// Waits for SIGTERM or SIGINT (calls block_termination_signals() if needed); returns the
// signal number.
int wait_for_termination_signal();

}  // namespace stead::http
