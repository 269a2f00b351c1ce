#include "cli/metrics_endpoint.h"

#include <httplib.h>

#include <chrono>
#include <stdexcept>
#include <thread>

namespace stead::cli {

struct MetricsEndpoint::Impl {
  httplib::Server server;
  std::thread thread;
  int port = 0;
};

std::unique_ptr<MetricsEndpoint> MetricsEndpoint::start(const std::string& ip, int port,
                                                        std::function<std::string()> text) {
  auto impl = std::make_unique<Impl>();
  httplib::Server& s = impl->server;
  s.Get("/metrics", [text = std::move(text)](const httplib::Request&, httplib::Response& res) {
    res.set_content(text(), "text/plain; version=0.0.4; charset=utf-8");
  });
  auto not_allowed = [](const httplib::Request&, httplib::Response& res) {
    res.status = 405;
    res.set_header("Allow", "GET");
    res.set_content("only GET /metrics is served here\n", "text/plain");
  };
  s.Post("/metrics", not_allowed);
  s.Put("/metrics", not_allowed);
  s.Delete("/metrics", not_allowed);
  s.Patch("/metrics", not_allowed);
  s.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (res.body.empty()) res.set_content(res.status == 404 ? "not found: this port serves GET /metrics\n" : "error\n", "text/plain");
  });
  s.set_payload_max_length(1024);
  s.set_read_timeout(std::chrono::seconds(5));
  s.set_write_timeout(std::chrono::seconds(5));
  s.new_task_queue = [] { return new httplib::ThreadPool(2); };
  const std::string where = ip + ":" + std::to_string(port);
  if (port == 0) {
    impl->port = s.bind_to_any_port(ip.c_str());
    if (impl->port < 0) throw std::runtime_error("cannot serve metrics on " + where + " (address invalid)");
  } else {
    if (!s.bind_to_port(ip.c_str(), port)) throw std::runtime_error("cannot serve metrics on " + where + " (address in use or invalid)");
    impl->port = port;
  }
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] { raw->server.listen_after_bind(); });
  // stop() is a no-op until the listen loop runs, so wait for it (briefly: the socket is bound).
  for (int i = 0; i < 5000 && !raw->server.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return std::unique_ptr<MetricsEndpoint>(new MetricsEndpoint(std::move(impl)));
}

MetricsEndpoint::MetricsEndpoint(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

MetricsEndpoint::~MetricsEndpoint() {
  impl_->server.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

int MetricsEndpoint::port() const { return impl_->port; }

}  // namespace stead::cli
