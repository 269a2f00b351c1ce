#include <httplib.h>

#include <stdexcept>
#include <thread>

#include "http/internal.h"
#include "stead/http_httplib.h"

namespace stead::http {

struct HttplibServer::Impl {
  const Api& api;
  HttplibServerOptions options;
  httplib::Server server;
  std::thread thread;
  int port = 0;
  bool started = false, stopped = false;

  Impl(const Api& a, HttplibServerOptions o) : api(a), options(std::move(o)) {}

  void serve(const httplib::Request& in, httplib::Response& out) {
    Request req;
    req.method = in.method;
    req.path = in.path;
    for (const auto& [k, v] : in.params) req.query.emplace(k, v);
    for (const auto& [k, v] : in.headers) {
      std::string name = k;
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      req.headers[name] = v;
    }
    req.body = in.body;
    req.remote_address = in.remote_addr;
    Response res = api.handle(std::move(req));  // waits for async handlers; this is a pool thread
    out.status = res.status;
    std::string content_type = "text/plain";
    for (const auto& [k, v] : res.headers) {
      if (iequals(k, "content-type")) content_type = v;
      else out.set_header(k.c_str(), v);
    }
    if (!res.body.empty() || res.status != 204) out.set_content(res.body, content_type.c_str());
  }
};

HttplibServer::HttplibServer(const Api& api, HttplibServerOptions options)
    : impl_(std::make_unique<Impl>(api, std::move(options))) {}

HttplibServer::~HttplibServer() { stop(); }

void HttplibServer::start() {
  auto& s = impl_->server;
  Impl* impl = impl_.get();
  auto handler = [impl](const httplib::Request& in, httplib::Response& out) { impl->serve(in, out); };
  for (const char* pattern : {".*"}) {
    s.Get(pattern, handler);
    s.Post(pattern, handler);
    s.Put(pattern, handler);
    s.Delete(pattern, handler);
    s.Patch(pattern, handler);
    s.Options(pattern, handler);
  }
  // httplib routes only the methods above (and HEAD); any other (TRACE, CONNECT, ...) would get
  // its bare 400. Hand those to the Api, which answers 405 with Allow for a known path.
  s.set_pre_routing_handler([impl](const httplib::Request& in, httplib::Response& out) {
    static const char* const kRouted[] = {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"};
    for (const char* m : kRouted)
      if (in.method == m) return httplib::Server::HandlerResponse::Unhandled;
    impl->serve(in, out);
    // httplib has not read this request's body: the connection cannot carry another request.
    out.set_header("Connection", "close");
    return httplib::Server::HandlerResponse::Handled;
  });
  // httplib rejects oversized bodies itself (before reading them) with an empty 413; give it
  // the problem+json body every other error has. The route's own limit is checked by the Api.
  s.set_payload_max_length(impl->api.options().max_body_bytes);
  httplib::Server::HandlerWithResponse on_error = [](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    Problem p = res.status == 413 ? make_problem(413, "the body is too large", "urn:stead:problem:body-too-large")
                                  : make_problem(res.status);
    Response r = detail::problem_response(std::move(p));
    res.set_content(r.body, "application/problem+json");
    return httplib::Server::HandlerResponse::Handled;
  };
  s.set_error_handler(on_error);
  std::size_t threads = impl->options.threads;
  s.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  s.set_read_timeout(impl->options.read_timeout);
  if (impl->options.port == 0) {
    impl->port = s.bind_to_any_port(impl->options.host.c_str());
    if (impl->port < 0) throw std::runtime_error("cannot bind " + impl->options.host);
  } else {
    if (!s.bind_to_port(impl->options.host.c_str(), impl->options.port))
      throw std::runtime_error("cannot bind " + impl->options.host + ":" + std::to_string(impl->options.port));
    impl->port = impl->options.port;
  }
  impl->started = true;
  impl->thread = std::thread([impl] { impl->server.listen_after_bind(); });
  // stop() is a no-op until the listen loop runs, so wait for it (briefly: the socket is bound).
  for (int i = 0; i < 5000 && !impl->server.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

void HttplibServer::stop() {
  if (!impl_->started || impl_->stopped) return;
  impl_->stopped = true;
  // New requests get 503 from the Api while those in flight finish; then httplib's stop()
  // closes the listener and joins its pool.
  impl_->api.start_draining();
  impl_->api.wait_idle(std::chrono::duration_cast<std::chrono::milliseconds>(impl_->options.drain_timeout));
  impl_->server.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

int HttplibServer::port() const { return impl_->port; }

}  // namespace stead::http
