// TestClient: an Api's routes called in process (stead/http_test_client.h).
#include "stead/http_test_client.h"

#include <cctype>
#include <stdexcept>
#include <utility>

#include "http/internal.h"

namespace stead::http {

nlohmann::json TestResponse::json() const {
  try {
    return nlohmann::json::parse(body);
  } catch (const nlohmann::json::exception&) {
    constexpr std::size_t kShown = 200;
    throw std::runtime_error("TestResponse::json: the body of the " + std::to_string(status) +
                             " answer is not JSON: " + body.substr(0, kShown) +
                             (body.size() > kShown ? "..." : ""));
  }
}

TestClient::TestClient(const Api& api, TestClientOptions options) : api_(api), options_(std::move(options)) {}

TestResponse TestClient::request(std::string method, std::string_view target, std::string body,
                                 Headers headers) const {
  Request req;
  for (auto& c : method) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  req.method = std::move(method);
  detail::set_request_target(target, req);
  auto add_header = [&req](const std::string& name, const std::string& value) {
    std::string lower = name;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    req.headers[lower] = value;
  };
  for (const auto& [name, value] : options_.headers) add_header(name, value);
  for (const auto& [name, value] : headers) add_header(name, value);
  req.body = std::move(body);
  req.remote_address = options_.remote_address;
  TestResponse res;
  static_cast<Response&>(res) = api_.handle(std::move(req));
  return res;
}

TestResponse TestClient::get(std::string_view target, Headers headers) const {
  return request("GET", target, {}, std::move(headers));
}

TestResponse TestClient::del(std::string_view target, Headers headers) const {
  return request("DELETE", target, {}, std::move(headers));
}

namespace {
TestClient::Headers with_json_content_type(TestClient::Headers headers) {
  for (const auto& [name, value] : headers)
    if (iequals(name, "content-type")) return headers;
  headers.emplace("content-type", "application/json");
  return headers;
}
}  // namespace

TestResponse TestClient::post(std::string_view target, const nlohmann::json& body, Headers headers) const {
  return request("POST", target, body.dump(), with_json_content_type(std::move(headers)));
}

TestResponse TestClient::put(std::string_view target, const nlohmann::json& body, Headers headers) const {
  return request("PUT", target, body.dump(), with_json_content_type(std::move(headers)));
}

}  // namespace stead::http
