// Coroutine rules for g++ 12 (docs/architecture.md, "Workflow code and g++ 12"): awaited
// operations get a name before co_await, no lambdas with captures in a co_await expression,
// coroutine parameters by value.
#include <boost/asio.hpp>
#include <boost/beast.hpp>

#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "http/internal.h"
#include "stead/http_beast.h"

namespace stead::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

Request to_request(const bhttp::request<bhttp::string_body>& in, const std::string& remote) {
  Request req;
  req.method = std::string(in.method_string());
  detail::set_request_target(in.target(), req);
  for (const auto& field : in) {
    std::string name(field.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    req.headers[name] = std::string(field.value());
  }
  req.body = in.body();
  req.remote_address = remote;
  return req;
}

bhttp::response<bhttp::string_body> to_beast(Response res, unsigned version, bool keep_alive) {
  bhttp::response<bhttp::string_body> out{static_cast<bhttp::status>(res.status), version};
  for (auto& [k, v] : res.headers) out.set(k, v);
  out.body() = std::move(res.body);
  out.keep_alive(keep_alive && res.header("connection") != "close");
  out.prepare_payload();
  return out;
}

// The problem that answers a failed read, or nothing when there is no one left to answer.
std::optional<Problem> read_error_problem(const beast::error_code& ec) {
  if (ec == bhttp::error::body_limit)
    return make_problem(413, "the body is too large", "urn:stead:problem:body-too-large");
  if (ec == bhttp::error::header_limit) return make_problem(431, "the request's headers are too large");
  if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message || ec == beast::error::timeout ||
      ec.category() != bhttp::make_error_code(bhttp::error::bad_target).category())  // socket errors
    return std::nullopt;
  return make_problem(400, "the request is not valid HTTP/1.1: " + ec.message());
}

}  // namespace

struct BeastServer::Impl {
  const Api& api;
  BeastServerOptions options;
  asio::io_context ioc;
  asio::thread_pool handlers;
  tcp::acceptor acceptor{ioc};
  std::vector<std::thread> threads;
  int port = 0;
  bool started = false, stopped = false;

  // Exchanges in flight: a request read and its response not yet written. stop() waits for
  // these, not only for the Api's handlers: a response the handler produced still has to
  // reach the socket before the io threads stop.
  std::mutex exchanges_mu;
  std::condition_variable exchanges_done;
  long exchanges = 0;  // guarded by exchanges_mu

  void begin_exchange() {
    std::lock_guard lock(exchanges_mu);
    ++exchanges;
  }
  void end_exchange() {
    {
      std::lock_guard lock(exchanges_mu);
      --exchanges;
    }
    exchanges_done.notify_all();
  }
  bool wait_exchanges(std::chrono::milliseconds timeout) {
    std::unique_lock lock(exchanges_mu);
    return exchanges_done.wait_for(lock, timeout, [&] { return exchanges == 0; });
  }

  Impl(const Api& a, BeastServerOptions o)
      : api(a), options(std::move(o)), handlers(static_cast<std::size_t>(std::max(1, options.handler_threads))) {}

  // Runs the Api on the handler pool; completes on `ex` with the Response.
  template <class Token>
  auto async_handle(Request req, asio::any_io_executor ex, Token&& token) {
    auto init = [this, ex](auto handler, Request request) {
      auto h = std::make_shared<decltype(handler)>(std::move(handler));
      auto run = [this, ex, h, request = std::move(request)]() mutable {
        api.handle(std::move(request), [ex, h](Response res) {
          asio::post(ex, [h, res = std::move(res)]() mutable { (*h)(std::move(res)); });
        });
      };
      asio::post(handlers, std::move(run));
    };
    return asio::async_initiate<Token, void(Response)>(std::move(init), token, std::move(req));
  }

  asio::awaitable<void> session(tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    std::string remote;
    beast::error_code ec;
    auto endpoint = stream.socket().remote_endpoint(ec);
    if (!ec) remote = endpoint.address().to_string();
    for (;;) {
      bhttp::request_parser<bhttp::string_body> parser;
      parser.body_limit(api.options().max_body_bytes);
      stream.expires_after(options.idle_timeout);
      auto read = bhttp::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
      co_await std::move(read);
      if (ec) {
        // A request that cannot be read is answered (then the connection closed) when the
        // client can still hear it; a closed, reset or timed-out connection just ends.
        std::optional<Problem> problem = read_error_problem(ec);
        if (!problem) break;
        Response refused = detail::problem_response(std::move(*problem));
        refused.set_header("Connection", "close");
        auto out = to_beast(std::move(refused), 11, false);
        stream.expires_after(options.idle_timeout);
        auto write = bhttp::async_write(stream, out, asio::redirect_error(asio::use_awaitable, ec));
        co_await std::move(write);
        break;
      }
      begin_exchange();
      auto in = parser.release();
      bool keep_alive = in.keep_alive();
      unsigned version = in.version();
      Request req = to_request(in, remote);
      auto executor = stream.get_executor();
      auto handled = async_handle(std::move(req), executor, asio::use_awaitable);
      Response res = co_await std::move(handled);
      auto out = to_beast(std::move(res), version, keep_alive);
      stream.expires_after(options.idle_timeout);
      auto write = bhttp::async_write(stream, out, asio::redirect_error(asio::use_awaitable, ec));
      co_await std::move(write);
      end_exchange();
      if (ec || !out.keep_alive()) break;
    }
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  asio::awaitable<void> accept_loop() {
    for (;;) {
      beast::error_code ec;
      auto accept = acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      tcp::socket socket = co_await std::move(accept);
      if (ec) {
        if (!acceptor.is_open()) co_return;
        continue;
      }
      auto s = session(std::move(socket));
      asio::co_spawn(ioc, std::move(s), asio::detached);
    }
  }
};

BeastServer::BeastServer(const Api& api, BeastServerOptions options)
    : impl_(std::make_unique<Impl>(api, std::move(options))) {}

BeastServer::~BeastServer() { stop(); }

void BeastServer::start() {
  auto& i = *impl_;
  beast::error_code ec;
  tcp::endpoint endpoint(asio::ip::make_address(i.options.host, ec), static_cast<unsigned short>(i.options.port));
  if (ec) throw std::runtime_error("bad host " + i.options.host);
  i.acceptor.open(endpoint.protocol(), ec);
  if (!ec) i.acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) i.acceptor.bind(endpoint, ec);
  if (!ec) i.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) throw std::runtime_error("cannot bind " + i.options.host + ":" + std::to_string(i.options.port) + ": " + ec.message());
  i.port = i.acceptor.local_endpoint().port();
  auto loop = i.accept_loop();
  asio::co_spawn(i.ioc, std::move(loop), asio::detached);
  i.started = true;
  for (int t = 0; t < std::max(1, i.options.io_threads); ++t) i.threads.emplace_back([&i] { i.ioc.run(); });
}

void BeastServer::stop() {
  auto& i = *impl_;
  if (!i.started || i.stopped) return;
  i.stopped = true;
  i.api.start_draining();
  i.wait_exchanges(std::chrono::duration_cast<std::chrono::milliseconds>(i.options.drain_timeout));
  asio::post(i.ioc, [&i] {
    beast::error_code ec;
    i.acceptor.close(ec);
  });
  i.ioc.stop();
  for (auto& t : i.threads) t.join();
  i.handlers.join();
}

int BeastServer::port() const { return impl_->port; }

}  // namespace stead::http
