// The signup example as its users run it: `signup serve` (alone, or with `signup worker` as a
// second process) on real sockets with an embedded server, mail into an outbox directory;
// and SMTP delivery against a scripted SMTP server.
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "app_process.h"
#include "signup.h"

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace std::chrono_literals;

struct Reply {
  int status = 0;
  json body{};
};

Reply call(int port, const std::string& method, const std::string& path, const std::string& body = "") {
  httplib::Client http("127.0.0.1", port);
  http.set_read_timeout(30s);
  auto res = method == "GET" ? http.Get(path) : http.Post(path, body, "application/json");
  if (!res) throw std::runtime_error(method + " " + path + ": " + httplib::to_string(res.error()));
  return {res->status, json::parse(res->body, nullptr, false)};
}

// Polls GET /users/{id} until the welcome email's workflow has closed.
json wait_welcome(int port, int64_t user_id) {
  auto deadline = std::chrono::steady_clock::now() + 30s;
  for (;;) {
    json doc = call(port, "GET", "/users/" + std::to_string(user_id)).body;
    if ((doc["welcome_email"].is_object() && doc["welcome_email"]["status"] != "RUNNING") ||
        std::chrono::steady_clock::now() > deadline)
      return doc;
    std::this_thread::sleep_for(50ms);
  }
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

class SignupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("signup-test-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string db() const { return (dir_ / "users.db").string(); }
  std::string outbox() const { return (dir_ / "outbox").string(); }
  fs::path dir_;
};

TEST_F(SignupTest, SignupStoresTheUserAndTheWorkflowWritesTheWelcomeEmail) {
  examples::AppProcess app(SIGNUP_BIN, {"serve", "--port", "0", "--db", db(), "--outbox", outbox()});
  Reply r = call(app.port(), "POST", "/signup", R"({"email": "ada@example.com", "name": "Ada Lovelace"})");
  ASSERT_EQ(r.status, 201) << r.body.dump();
  EXPECT_EQ(r.body["user_id"], 1);
  EXPECT_EQ(r.body["workflow_id"], "signup-1");

  json doc = wait_welcome(app.port(), 1);
  EXPECT_EQ(doc["email"], "ada@example.com");
  EXPECT_EQ(doc["name"], "Ada Lovelace");
  EXPECT_EQ(doc["welcome_email"]["status"], "COMPLETED") << doc.dump();
  EXPECT_EQ(doc["welcome_email"]["result"], "<signup-1@signup.example>");

  std::string mail = read_file(fs::path(outbox()) / "signup-1@signup.example.eml");
  auto blank = mail.find("\r\n\r\n");
  ASSERT_NE(blank, std::string::npos) << mail;
  std::string headers = mail.substr(0, blank + 2), body = mail.substr(blank + 4);
  EXPECT_NE(headers.find("From: Stead Signup <welcome@signup.example>\r\n"), std::string::npos) << headers;
  EXPECT_NE(headers.find("To: \"Ada Lovelace\" <ada@example.com>\r\n"), std::string::npos) << headers;
  EXPECT_NE(headers.find("Subject: Welcome, Ada Lovelace!\r\n"), std::string::npos) << headers;
  EXPECT_NE(headers.find("Message-ID: <signup-1@signup.example>\r\n"), std::string::npos) << headers;
  EXPECT_NE(headers.find("\r\nDate: "), std::string::npos) << headers;
  EXPECT_NE(body.find("Hello Ada Lovelace,"), std::string::npos) << body;
  for (std::size_t i = 0; i < mail.size(); ++i)
    if (mail[i] == '\n') {
      ASSERT_TRUE(i > 0 && mail[i - 1] == '\r') << "bare LF at " << i;
    }

  // A non-ASCII name is an RFC 2047 encoded word in the headers.
  Reply zoe = call(app.port(), "POST", "/signup", R"({"email": "zoe@example.com", "name": "Zoë"})");
  ASSERT_EQ(zoe.status, 201);
  EXPECT_EQ(wait_welcome(app.port(), 2)["welcome_email"]["status"], "COMPLETED");
  std::string zoe_mail = read_file(fs::path(outbox()) / "signup-2@signup.example.eml");
  EXPECT_NE(zoe_mail.find("To: =?UTF-8?B?Wm/Dqw==?= <zoe@example.com>\r\n"), std::string::npos) << zoe_mail;

  EXPECT_EQ(call(app.port(), "POST", "/signup", R"({"email": "ada@example.com", "name": "Ada"})").status, 409);
  EXPECT_EQ(call(app.port(), "POST", "/signup", R"({"email": "not-an-email", "name": "X"})").status, 422);
  EXPECT_EQ(call(app.port(), "POST", "/signup", R"({"email": "x@example.com", "name": "X\r\nBcc: y@example.com"})").status,
            422);
  EXPECT_EQ(call(app.port(), "GET", "/users/99").status, 404);
  EXPECT_EQ(call(app.port(), "GET", "/users/abc").status, 404);
  EXPECT_EQ(app.stop(), 0);
}

TEST_F(SignupTest, WorkerCommandRunsTheWorkflowsForAServerWithoutOne) {
  int grpc_port = free_port();
  examples::AppProcess app(SIGNUP_BIN, {"serve", "--port", "0", "--db", db(), "--outbox", outbox(), "--no-worker",
                                        "--embedded-port", std::to_string(grpc_port)});
  Reply r = call(app.port(), "POST", "/signup", R"({"email": "grace@example.com", "name": "Grace Hopper"})");
  ASSERT_EQ(r.status, 201) << r.body.dump();
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(call(app.port(), "GET", "/users/1").body["welcome_email"]["status"], "RUNNING");  // nobody polls yet

  examples::AppProcess worker(SIGNUP_BIN, {"worker", "--db", db(), "--outbox", outbox()},
                              {{"TEMPORAL_ADDRESS", "127.0.0.1:" + std::to_string(grpc_port)}},
                              "signup worker: polling");
  json doc = wait_welcome(app.port(), 1);
  EXPECT_EQ(doc["welcome_email"]["status"], "COMPLETED") << doc.dump();
  EXPECT_TRUE(fs::exists(fs::path(outbox()) / "signup-1@signup.example.eml"));
  EXPECT_EQ(worker.stop(), 0);
  EXPECT_EQ(app.stop(), 0);
}

// A scripted SMTP server for one session: records the envelope and the DATA section.
class FakeSmtp {
 public:
  FakeSmtp() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    listen(fd_, 1);
    socklen_t len = sizeof a;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~FakeSmtp() {
    thread_.join();
    close(fd_);
  }
  int port() const { return port_; }
  std::string commands, data;

 private:
  void serve() {
    int c = accept(fd_, nullptr, nullptr);
    std::string buf;
    auto say = [c](const std::string& s) { ::send(c, s.data(), s.size(), MSG_NOSIGNAL); };
    auto line = [&]() -> std::string {
      std::size_t eol;
      while ((eol = buf.find("\r\n")) == std::string::npos) {
        char chunk[512];
        ssize_t n = recv(c, chunk, sizeof chunk, 0);
        if (n <= 0) return "";
        buf.append(chunk, static_cast<std::size_t>(n));
      }
      std::string l = buf.substr(0, eol);
      buf.erase(0, eol + 2);
      return l;
    };
    say("220 fake.smtp ESMTP\r\n");
    for (std::string l = line(); !l.empty(); l = line()) {
      commands += l + "\n";
      if (l.starts_with("EHLO")) say("250-fake.smtp\r\n250 8BITMIME\r\n");
      else if (l == "DATA") {
        say("354 go ahead\r\n");
        for (std::string d = line(); d != "."; d = line()) data += d + "\r\n";
        say("250 queued\r\n");
      } else if (l == "QUIT") {
        say("221 bye\r\n");
        break;
      } else say("250 OK\r\n");
    }
    close(c);
  }
  int fd_ = -1, port_ = 0;
  std::thread thread_;
};

TEST(SignupMail, SmtpDeliveryWithEnvelopeAndDotStuffing) {
  FakeSmtp smtp;
  signup::MailOptions mail{.smtp_host = "127.0.0.1", .smtp_port = smtp.port()};
  signup::User user{.id = 7, .email = "ada@example.com", .name = "Ada", .created_at = "2025-01-01T00:00:00Z"};
  std::string message = signup::welcome_message(user, mail) + ".hidden line\r\n";
  signup::deliver(message, "<signup-7@signup.example>", user.email, mail);
  EXPECT_NE(smtp.commands.find("MAIL FROM:<welcome@signup.example>\n"), std::string::npos) << smtp.commands;
  EXPECT_NE(smtp.commands.find("RCPT TO:<ada@example.com>\n"), std::string::npos) << smtp.commands;
  EXPECT_NE(smtp.commands.find("QUIT"), std::string::npos);
  EXPECT_NE(smtp.data.find("Subject: Welcome, Ada!\r\n"), std::string::npos) << smtp.data;
  EXPECT_NE(smtp.data.find("\r\n..hidden line\r\n"), std::string::npos) << smtp.data;  // stuffed on the wire
}

}  // namespace
