// stead::http::BeastServer: serves an Api with Boost.Beast and C++20 coroutines (asio
// awaitables: the FastAPI analogue). Link target stead_http_beast.
//
//   stead::http::BeastServer server(api, {.port = 8000});
//   server.start();     // io threads accept and read/write with co_await; never block
//   ...
//   server.stop();      // refuses new requests (503), drains those in flight, joins
//
// Connections are read and written on `io_threads` (one coroutine per connection,
// HTTP/1.1 keep-alive). The Api is called on a separate pool of `handler_threads`, so a
// blocking Handler never stalls the io threads; the workflow routes' async handlers return
// at once and their answers are posted back to the connection's executor. Bodies larger
// than ApiOptions::max_body_bytes are refused with 413 while reading.
//
// Thread safety: start/stop from one controlling thread; port() from any thread.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "stead/http_api.h"

namespace stead::http {

struct BeastServerOptions {
  std::string host = "127.0.0.1";
  int port = 8000;  // 0 picks a free port
  int io_threads = 1;
  int handler_threads = 4;
  std::chrono::seconds idle_timeout{30};
  std::chrono::seconds drain_timeout{30};
};

class BeastServer {
 public:
  // REQUIRES: `api` outlives this server.
  BeastServer(const Api& api, BeastServerOptions options = {});
  ~BeastServer();  // stop()
  BeastServer(const BeastServer&) = delete;
  BeastServer& operator=(const BeastServer&) = delete;

  // Binds and starts the io threads. Throws std::runtime_error when it cannot bind.
  void start();
  void stop();
  int port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace stead::http
