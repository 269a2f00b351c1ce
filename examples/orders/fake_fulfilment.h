// FakeFulfilment: a scripted fulfilment service on a loopback port (cpp-httplib), for the
// orders example's tests. By order id: "slow-*" waits until released, "down-*" answers 503,
// "bad-*" 400, anything else 200 {"fulfilment_id": "FF-<id>"}. It records each order's calls,
// Idempotency-Key and traceparent.
#pragma once

#include <httplib.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

namespace orders_test {

using namespace std::chrono_literals;

class FakeFulfilment {
 public:
  FakeFulfilment() {
    server_.Post("/fulfil", [this](const httplib::Request& req, httplib::Response& res) {
      std::string id = nlohmann::json::parse(req.body).at("order_id");
      {
        std::unique_lock lock(mu_);
        ++calls_[id];
        keys_[id] = req.get_header_value("Idempotency-Key");
        traceparents_[id] = req.get_header_value("traceparent");
        cv_.notify_all();
        if (id.rfind("slow-", 0) == 0) cv_.wait_for(lock, 30s, [this] { return released_; });
      }
      if (id.rfind("down-", 0) == 0) res.status = 503;
      else if (id.rfind("bad-", 0) == 0) res.status = 400, res.set_content("unknown product", "text/plain");
      else res.set_content(nlohmann::json{{"fulfilment_id", "FF-" + id}}.dump(), "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~FakeFulfilment() {
    release();
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/fulfil"; }
  int calls(const std::string& id) {
    std::lock_guard lock(mu_);
    return calls_[id];
  }
  std::string key(const std::string& id) {
    std::lock_guard lock(mu_);
    return keys_[id];
  }
  std::string traceparent(const std::string& id) {
    std::lock_guard lock(mu_);
    return traceparents_[id];
  }
  bool wait_for_call(const std::string& id, std::chrono::seconds timeout) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return calls_[id] > 0; });
  }
  void release() {
    std::lock_guard lock(mu_);
    released_ = true;
    cv_.notify_all();
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, int> calls_;
  std::map<std::string, std::string> keys_;
  std::map<std::string, std::string> traceparents_;
  bool released_ = false;
};

}  // namespace orders_test
