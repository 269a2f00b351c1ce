// Bad input against both adapters, over real sockets: every malformed or hostile request gets
// a clear answer (problem+json or a closed connection) and the server keeps serving.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <random>
#include <string>

#include "stead/http.h"
#include "stead/http_beast.h"
#include "stead/http_httplib.h"

namespace stead::http {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

const Schema kItem = Schema::object("Item")
                         .required("id", Schema::string().min_length(1).max_length(64).pattern("^[A-Za-z0-9_-]+$"))
                         .optional("note", Schema::string().pattern("^(a+)+$"));

void add_routes(Api& api) {
  api.post("/items", {.request_body = kItem}, [](const Request& req) {
    return Response::json(201, {{"id", req.json()["id"]}});
  });
  api.get("/items/{id}", {.query = {{.name = "view"}}}, [](const Request& req) {
    return Response::json(200, {{"id", req.path_params.at("id")}});
  });
}

// Sends `bytes` on a fresh connection, half-closes, and returns everything the server wrote
// back before closing (empty if it closed without answering).
std::string raw_exchange(int port, const std::string& bytes) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return "connect failed";
  }
  timeval tv{.tv_sec = 30, .tv_usec = 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may close early (it has read enough to refuse)
    sent += static_cast<std::size_t>(n);
  }
  ::shutdown(fd, SHUT_WR);
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) out.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  return out;
}

int status_of(const std::string& raw_response) {
  if (raw_response.rfind("HTTP/1.1 ", 0) != 0) return -1;
  return std::stoi(raw_response.substr(9, 3));
}

template <class T>
class BadInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    add_routes(api_);
    if constexpr (std::is_same_v<T, BeastServer>) {
      server_ = std::make_unique<T>(api_, BeastServerOptions{.port = 0});
    } else {
      server_ = std::make_unique<T>(api_, HttplibServerOptions{.port = 0});
    }
    server_->start();
    port_ = server_->port();
  }
  void TearDown() override { server_->stop(); }

  httplib::Client client() {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(30s);
    return c;
  }
  // The server still answers an ordinary request.
  void expect_alive() {
    auto res = client().Get("/items/ok");
    ASSERT_TRUE(res) << "the server no longer answers: " << httplib::to_string(res.error());
    EXPECT_EQ(res->status, 200);
  }
  // A problem+json answer with this status; returns its body.
  json expect_problem(const httplib::Result& res, int status) {
    if (!res) {
      ADD_FAILURE() << "no answer: " << httplib::to_string(res.error());
      return {};
    }
    EXPECT_EQ(res->status, status) << res->body;
    EXPECT_EQ(res->get_header_value("Content-Type"), "application/problem+json") << res->body;
    return json::parse(res->body, nullptr, false);
  }

  Api api_{{.title = "bad input"}};
  std::unique_ptr<T> server_;
  int port_ = 0;
};

using Adapters = ::testing::Types<BeastServer, HttplibServer>;
TYPED_TEST_SUITE(BadInputTest, Adapters);

TYPED_TEST(BadInputTest, AHugeFieldIsRefusedAtItsFirstViolation) {
  // 30,000 characters once overflowed the stack in a recursive regex matcher.
  for (std::size_t size : {30'000u, 1'000'000u}) {
    auto res = this->client().Post("/items", json{{"id", std::string(size, 'x')}}.dump(), "application/json");
    json body = this->expect_problem(res, 422);
    ASSERT_TRUE(body.contains("errors")) << body;
    ASSERT_EQ(body["errors"].size(), 1u) << body;  // too long, and not also "does not match"
    EXPECT_EQ(body["errors"][0]["field"], "id");
    EXPECT_EQ(body["errors"][0]["message"], "must be at most 64 characters long");
  }
  this->expect_alive();
}

TYPED_TEST(BadInputTest, APatternThatBacktracksExponentiallyIsMatchedInLinearTime) {
  // (a+)+$ against "aaa...b" takes exponential time in a backtracking matcher.
  auto res = this->client().Post("/items", json{{"id", "x"}, {"note", std::string(100'000, 'a') + "b"}}.dump(),
                                 "application/json");
  json body = this->expect_problem(res, 422);
  EXPECT_EQ(body["errors"][0]["field"], "note") << body;
  EXPECT_EQ(body["errors"][0]["message"], "must match the pattern ^(a+)+$") << body;
  this->expect_alive();
}

TYPED_TEST(BadInputTest, InvalidUtf8InThePathOrQueryIsABadRequest) {
  json body = this->expect_problem(this->client().Get("/items/%FF%FE"), 422);
  EXPECT_EQ(body["errors"][0]["field"], "path.id") << body;
  EXPECT_EQ(body["errors"][0]["message"], "is not valid UTF-8") << body;
  body = this->expect_problem(this->client().Get("/items/ok?view=%C0%AF"), 422);  // overlong '/'
  EXPECT_EQ(body["errors"][0]["field"], "query.view") << body;
  body = this->expect_problem(this->client().Get("/items/%ED%A0%80"), 422);  // a UTF-16 surrogate
  EXPECT_EQ(body["errors"][0]["field"], "path.id") << body;
  auto fine = this->client().Get("/items/%E2%82%AC");  // the euro sign
  ASSERT_TRUE(fine);
  EXPECT_EQ(fine->status, 200);
  EXPECT_EQ(json::parse(fine->body)["id"], "\u20ac");
}

TYPED_TEST(BadInputTest, MalformedJsonBodiesAreBadRequests) {
  for (const std::string& bad : {std::string("{\"id\": "), std::string("\xff\xfe{}"), std::string("{\"id\": \"\xc3\x28\"}"),
                                 std::string(200'000, '['), std::string("[") + std::string(10, '\0')}) {
    auto res = this->client().Post("/items", bad, "application/json");
    this->expect_problem(res, 400);
  }
  this->expect_alive();
}

TYPED_TEST(BadInputTest, RandomBytesAndTruncatedRequestsLeaveTheServerServing) {
  std::mt19937 rng(7);
  for (int i = 0; i < 20; ++i) {
    std::string bytes(1 + rng() % 4096, '\0');
    for (auto& c : bytes) c = static_cast<char>(rng());
    std::string answer = raw_exchange(this->port_, bytes);
    if (!answer.empty()) {
      EXPECT_GE(status_of(answer), 400) << answer.substr(0, 200);
      EXPECT_LT(status_of(answer), 500) << answer.substr(0, 200);
    }
  }
  // A body shorter than its Content-Length, then the client goes away.
  raw_exchange(this->port_, "POST /items HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"id\"");
  // Headers cut in the middle.
  raw_exchange(this->port_, "GET /items/ok HTTP/1.1\r\nHost: x\r\nX-Half: ");
  this->expect_alive();
}

TYPED_TEST(BadInputTest, HugeHeadersAreRefused) {
  std::string request = "GET /items/ok HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(1'000'000, 'h') + "\r\n\r\n";
  std::string answer = raw_exchange(this->port_, request);
  // Refused with a status, or the connection closed: never served, never a crash.
  if constexpr (std::is_same_v<TypeParam, BeastServer>) {
    EXPECT_EQ(status_of(answer), 431) << answer.substr(0, 200);
  } else if (!answer.empty()) {
    EXPECT_GE(status_of(answer), 400) << answer.substr(0, 200);
  }
  this->expect_alive();
}

TYPED_TEST(BadInputTest, ASlowClientDoesNotStallOthers) {
  // Half a request line, then silence: the server must keep answering everyone else.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(this->port_));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_GT(::send(fd, "GET /items/ok HT", 16, MSG_NOSIGNAL), 0);
  this->expect_alive();
  ::close(fd);
}

TEST(SchemaPattern, ConstructsThatNeedBacktrackingAreRefusedWhenDeclared) {
  EXPECT_THROW(Schema::string().pattern("^(a)\\1$"), std::invalid_argument);     // backreference
  EXPECT_THROW(Schema::string().pattern("^(?=a)"), std::invalid_argument);       // lookahead
  EXPECT_THROW(Schema::string().pattern("(unclosed"), std::invalid_argument);
  EXPECT_NO_THROW(Schema::string().pattern(R"(^[^@\s<>"]+@[^@\s<>"]+\.[^@\s<>"]+$)"));
  EXPECT_NO_THROW(Schema::string().pattern(R"(^[^\x00-\x1f\x7f]+$)"));
}

}  // namespace
}  // namespace stead::http
