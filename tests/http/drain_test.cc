// Graceful drain: stop() lets a request in flight finish, refuses new ones with 503, and
// returns once the in-flight one is answered — for both adapters.
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include "stead/http.h"
#include "stead/http_beast.h"
#include "stead/http_httplib.h"

namespace {

using namespace std::chrono_literals;
using stead::http::Api;
using stead::http::Request;
using stead::http::Response;

// An Api whose /slow route holds its request until `release` is set, then answers with a body
// large enough (8 MB) that writing it takes many turns of the adapter's io loop.
constexpr std::size_t kSlowBodyBytes = 8 << 20;
struct SlowApi {
  std::atomic<bool> entered{false};
  std::atomic<bool> release{false};
  Api api{{.title = "drain"}};
  SlowApi() {
    api.get("/slow", {}, [this](const Request&) {
      entered = true;
      while (!release) std::this_thread::sleep_for(5ms);
      return Response::text(200, std::string(kSlowBodyBytes, 'x'));
    });
    api.get("/fast", {}, [](const Request&) { return Response::json(200, {{"fast", true}}); });
  }
};

template <class Server, class Options>
void check_drain(Options options) {
  SlowApi slow;
  Server server(slow.api, options);
  server.start();
  int port = server.port();
  auto in_flight = std::async(std::launch::async, [port] {
    httplib::Client client("127.0.0.1", port);
    client.set_read_timeout(30s);
    auto res = client.Get("/slow");
    if (!res) return std::string("no answer: ") + httplib::to_string(res.error());
    return std::to_string(res->status) + " with " + std::to_string(res->body.size()) + " bytes";
  });
  while (!slow.entered) std::this_thread::sleep_for(5ms);
  auto stopped = std::async(std::launch::async, [&server] { server.stop(); });
  // While draining: the in-flight request is still held, stop() has not returned, and a new
  // request is refused with 503 (both adapters keep listening until the drain ends).
  while (!slow.api.draining()) std::this_thread::sleep_for(5ms);
  EXPECT_EQ(stopped.wait_for(0s), std::future_status::timeout) << "stop() returned with a request in flight";
  {
    httplib::Client client("127.0.0.1", port);
    client.set_connection_timeout(10s);
    client.set_read_timeout(10s);
    auto res = client.Get("/fast");
    if (!res) {
      ADD_FAILURE() << "no answer while draining: " << httplib::to_string(res.error());
    } else {
      EXPECT_EQ(res->status, 503);
      EXPECT_EQ(res->get_header_value("Connection"), "close");
    }
  }
  slow.release = true;
  EXPECT_EQ(in_flight.get(), "200 with " + std::to_string(kSlowBodyBytes) + " bytes");
  stopped.get();
}

TEST(DrainTest, HttplibServerFinishesRequestsInFlight) {
  check_drain<stead::http::HttplibServer>(stead::http::HttplibServerOptions{.port = 0});
}

TEST(DrainTest, BeastServerFinishesRequestsInFlight) {
  check_drain<stead::http::BeastServer>(stead::http::BeastServerOptions{.port = 0});
}

}  // namespace
