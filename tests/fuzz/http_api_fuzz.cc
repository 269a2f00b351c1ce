// Fuzz target: arbitrary requests through stead::http::Api (routing, authentication, query and
// body validation with schemas and patterns, error mapping), without sockets.
//
// Input, line by line: the method; the path, optionally with "?name=value&..." (already
// percent-decoded, as the adapters hand it over); header lines "name: value" up to an empty
// line; the body. A header "x-fuzz-claims: <text>" is replaced by an Authorization header
// carrying an HS256 token whose payload is <text>, signed with the Api's secret, so the fuzzer
// reaches claim parsing behind the signature check.
//
// Checks, for every input, beyond "does not crash, hang or trip a sanitizer":
// - the status is a valid HTTP status and never 500 (no handler here fails on purpose, so a
//   500 is an exception the Api did not map);
// - a problem+json answer is a JSON object whose "status" equals the response's;
// - a 401 carries WWW-Authenticate.
//
// FUZZ_TRACE=1 prints each answer's status and body (to see which path a seed reaches).
// Built with -fsanitize=fuzzer when STEAD_FUZZ=ON (scripts/fuzz), otherwise linked with
// standalone_driver.cc to replay the seed corpus as a unit test.
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "stead/http.h"

namespace {

using stead::http::Api;
using stead::http::Request;
using stead::http::Response;
using stead::http::Schema;
using json = nlohmann::json;

const std::string kSecret = "fuzz-secret-0123456789abcdef0123456789";

#define FUZZ_CHECK(cond, what)                                                                   \
  do {                                                                                           \
    if (!(cond)) {                                                                               \
      std::fprintf(stderr, "http_api_fuzz: check failed: %s (%s)\n", #cond, std::string(what).c_str()); \
      std::abort();                                                                              \
    }                                                                                            \
  } while (0)

Api& api() {
  static Api* instance = [] {
    stead::http::ApiOptions options{.title = "fuzz"};
    options.auth = stead::http::AuthOptions{
        .api_keys = {{.name = "reader", .key = "reader-key-0123456789", .roles = {"reader"}}},
        .jwt = stead::http::JwtOptions{.hs256_secret = kSecret, .issuer = "https://id.test", .audience = "fuzz"}};
    options.log = [](const json&) {};
    auto* a = new Api(std::move(options));
    const Schema line = Schema::object("Line")
                            .required("sku", Schema::string().min_length(1).max_length(32).pattern("^[A-Z]{3}-[0-9]+$"))
                            .required("qty", Schema::integer().minimum(1).maximum(1000));
    const Schema order = Schema::object("Order")
                             .required("order_id", Schema::string().max_length(64).pattern("^[A-Za-z0-9_-]+$"))
                             .required("lines", Schema::array(line).min_items(1).max_items(50))
                             .optional("priority", Schema::string().one_of_values({"low", "high"}))
                             .optional("note", Schema::string().nullable().pattern("^(a|aa)+$"))
                             .optional("pair", Schema::tuple({Schema::number(), Schema::boolean()}))
                             .additional_properties(false);
    a->post("/orders", {.request_body = order, .responses = {{201, Schema::object().required("id", Schema::string())}},
                        .roles = {"writer"}},
            [](const Request& req) { return Response::json(201, {{"id", req.json()["order_id"]}}); });
    a->get("/orders/{id}",
           {.query = {{.name = "limit", .schema = Schema::integer().minimum(1).maximum(100)},
                      {.name = "verbose", .schema = Schema::boolean()},
                      {.name = "ratio", .schema = Schema::number()}},
            .roles = {"reader", "writer"}},
           [](const Request& req) { return Response::json(200, {{"id", req.param("id")}}); });
    a->get("/health", {.public_route = true}, [](const Request&) { return Response::json(200, {{"ok", true}}); });
    return a;
  }();
  return *instance;
}

std::string sign_hs256(const std::string& claims) {
  std::string input = stead::http::base64url_encode(R"({"alg":"HS256","typ":"JWT"})") + "." +
                      stead::http::base64url_encode(claims);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), kSecret.data(), static_cast<int>(kSecret.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &len);
  return input + "." + stead::http::base64url_encode(std::string(reinterpret_cast<char*>(mac), len));
}

// Next line of `in` from `pos` (without "\n"); false at the end.
bool next_line(std::string_view in, std::size_t& pos, std::string_view& line) {
  if (pos >= in.size()) return false;
  std::size_t end = in.find('\n', pos);
  if (end == std::string_view::npos) end = in.size();
  line = in.substr(pos, end - pos);
  pos = end + 1;
  return true;
}

Request parse(std::string_view in) {
  Request req;
  std::size_t pos = 0;
  std::string_view line;
  if (next_line(in, pos, line)) req.method = std::string(line);
  if (next_line(in, pos, line)) {
    std::size_t q = line.find('?');
    req.path = std::string(line.substr(0, q));
    if (q != std::string_view::npos) {
      std::string_view query = line.substr(q + 1);
      for (std::size_t p = 0; p <= query.size();) {
        std::size_t amp = std::min(query.find('&', p), query.size());
        std::string_view pair = query.substr(p, amp - p);
        std::size_t eq = pair.find('=');
        req.query.emplace(std::string(pair.substr(0, eq)), eq == std::string_view::npos ? "" : std::string(pair.substr(eq + 1)));
        p = amp + 1;
      }
    }
  }
  while (next_line(in, pos, line) && !line.empty()) {
    std::size_t colon = line.find(':');
    std::string name(line.substr(0, colon));
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string value = colon == std::string_view::npos ? "" : std::string(line.substr(colon + 1));
    if (!value.empty() && value[0] == ' ') value.erase(0, 1);
    if (name == "x-fuzz-claims") {
      req.headers["authorization"] = "Bearer " + sign_hs256(value);
      continue;
    }
    req.headers[name] = value;
  }
  if (pos < in.size()) req.body = std::string(in.substr(pos));
  req.remote_address = "127.0.0.1";
  return req;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  Response res = api().handle(parse(input));
  if (std::getenv("FUZZ_TRACE")) std::fprintf(stderr, "%d %.200s\n", res.status, res.body.c_str());
  FUZZ_CHECK(res.status >= 100 && res.status <= 599, std::to_string(res.status));
  FUZZ_CHECK(res.status != 500, res.body);
  if (res.header("content-type") == "application/problem+json") {
    json body = json::parse(res.body, nullptr, false);
    FUZZ_CHECK(body.is_object() && body.value("status", 0) == res.status, res.body);
  }
  if (res.status == 401) FUZZ_CHECK(!res.header("www-authenticate").empty(), res.body);
  return 0;
}
