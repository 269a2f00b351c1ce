// The server an integration test talks to: an in-process stead::Server on a free loopback
// port, or — when STEAD_TEST_SERVER is set to an address — that external server (how
// scripts/test-against-temporal runs the SDK tests against the real `temporal server
// start-dev`). Tests must then use unique workflow ids and task queues per run.
#pragma once

#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>

#include "stead/server.h"

namespace stead::itest {

class TestServer {
 public:
  explicit TestServer(ServerOptions options = {}) {
    if (const char* external = std::getenv("STEAD_TEST_SERVER"); external && *external) {
      address_ = external;
      return;
    }
    options.port = 0;
    server_ = Server::start(options);
    address_ = server_->address();
  }
  ~TestServer() {
    if (server_) server_->shutdown();
  }
  const std::string& address() const { return address_; }
  bool external() const { return server_ == nullptr; }

 private:
  std::unique_ptr<Server> server_;
  std::string address_;
};

// A suffix that makes ids unique across runs against one external server ("" in process).
inline std::string run_suffix() {
  static const std::string suffix = [] {
    const char* external = std::getenv("STEAD_TEST_SERVER");
    if (!external || !*external) return std::string();
    return "-" + std::to_string(std::chrono::system_clock::now().time_since_epoch().count());
  }();
  return suffix;
}

}  // namespace stead::itest
