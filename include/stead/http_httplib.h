// stead::http::HttplibServer: serves an Api with cpp-httplib (blocking, one thread per
// request from a pool: the Flask analogue). Link target stead_http_httplib.
//
//   stead::http::HttplibServer server(api, {.host = "127.0.0.1", .port = 8000});
//   server.start();                 // listens on its own thread; port() is known after it
//   ...
//   server.stop();                  // stops accepting, drains requests in flight, joins
//
// Handlers run on the pool threads; a blocking Handler may call blocking client methods.
// Bodies over ApiOptions::max_body_bytes are refused with 413 before they are read in full.
//
// Thread safety: start/stop from one controlling thread; port() from any thread.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "stead/http_api.h"

namespace stead::http {

struct HttplibServerOptions {
  std::string host = "127.0.0.1";
  int port = 8000;  // 0 picks a free port
  std::size_t threads = 8;
  std::chrono::seconds read_timeout{30};
  std::chrono::seconds drain_timeout{30};
};

class HttplibServer {
 public:
  // REQUIRES: `api` outlives this server.
  HttplibServer(const Api& api, HttplibServerOptions options = {});
  ~HttplibServer();  // stop()
  HttplibServer(const HttplibServer&) = delete;
  HttplibServer& operator=(const HttplibServer&) = delete;

  // Binds and starts serving on a background thread. Throws std::runtime_error when the
  // address cannot be bound.
  void start();
  // Refuses new requests (503), waits up to drain_timeout for those in flight, then closes.
  // Idempotent.
  void stop();
  int port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace stead::http
