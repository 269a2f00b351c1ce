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

// An Api whose /slow route holds its request until `release` is set.
struct SlowApi {
  std::atomic<bool> entered{false};
  std::atomic<bool> release{false};
  Api api{{.title = "drain"}};
  SlowApi() {
    api.get("/slow", {}, [this](const Request&) {
      entered = true;
      while (!release) std::this_thread::sleep_for(5ms);
      return Response::json(200, {{"done", true}});
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
    return res ? res->status : -1;
  });
  while (!slow.entered) std::this_thread::sleep_for(5ms);
  auto stopped = std::async(std::launch::async, [&server] { server.stop(); });
  // While draining: the in-flight request is still held, stop() has not returned, and a new
  // request (if the listener still takes it) is refused with 503.
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(stopped.wait_for(0s), std::future_status::timeout) << "stop() returned with a request in flight";
  {
    httplib::Client client("127.0.0.1", port);
    client.set_connection_timeout(2s);
    auto res = client.Get("/fast");
    if (res) EXPECT_EQ(res->status, 503);
  }
  slow.release = true;
  EXPECT_EQ(in_flight.get(), 200);
  stopped.get();
}

TEST(DrainTest, HttplibServerFinishesRequestsInFlight) {
  check_drain<stead::http::HttplibServer>(stead::http::HttplibServerOptions{.port = 0});
}

TEST(DrainTest, BeastServerFinishesRequestsInFlight) {
  check_drain<stead::http::BeastServer>(stead::http::BeastServerOptions{.port = 0});
}

}  // namespace
