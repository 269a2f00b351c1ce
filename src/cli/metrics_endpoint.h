// MetricsEndpoint: `stead server start-dev --metrics-port` — serves GET /metrics (Prometheus
// text format 0.0.4, from stead::Server::metrics_text) on its own port with cpp-httplib.
// Anything else answers 404 (another path) or 405 (another method). Bounded: 2 threads, a
// 5-second read timeout for slow clients, request bodies refused.
#pragma once

#include <functional>
#include <memory>
#include <string>

namespace stead::cli {

class MetricsEndpoint {
 public:
  // Binds ip:port (port 0: a free one) and serves in the background. Throws std::runtime_error
  // naming the address when it cannot bind.
  static std::unique_ptr<MetricsEndpoint> start(const std::string& ip, int port, std::function<std::string()> text);
  ~MetricsEndpoint();  // stops serving and joins its threads

  int port() const;

 private:
  struct Impl;
  explicit MetricsEndpoint(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace stead::cli
