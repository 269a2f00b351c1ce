// The signup example's store, mail delivery, workflow, activity and routes (contract in signup.h).
#include "signup.h"

#include <netdb.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>

#include "stead/workflow.h"

namespace signup {

using json = nlohmann::json;
using namespace std::chrono_literals;
namespace http = stead::http;

namespace {

std::string now_rfc3339() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// "Tue, 25 Nov 2025 11:55:06 +0000" (RFC 5322 §3.3), in the C locale's English names.
std::string rfc5322_date() {
  static const char* days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday], tm.tm_mday,
                months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

std::string base64(std::string_view in) {
  static const char* a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    out += {a[v >> 18], a[(v >> 12) & 63], a[(v >> 6) & 63], a[v & 63]};
  }
  if (i + 1 == in.size()) {
    uint32_t v = uint8_t(in[i]) << 16;
    out += {a[v >> 18], a[(v >> 12) & 63], '=', '='};
  } else if (i + 2 == in.size()) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += {a[v >> 18], a[(v >> 12) & 63], a[(v >> 6) & 63], '='};
  }
  return out;
}

// A display name as a header phrase: quoted ASCII, or an RFC 2047 encoded word.
std::string display_name(const std::string& name) {
  bool ascii = true;
  for (unsigned char c : name) ascii = ascii && c >= 0x20 && c < 0x7f;
  if (!ascii) return "=?UTF-8?B?" + base64(name) + "?=";
  std::string quoted = "\"";
  for (char c : name) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return quoted + "\"";
}

std::string message_id_of(const User& user) { return "<signup-" + std::to_string(user.id) + "@signup.example>"; }

// ---- SMTP (RFC 5321), the minimum: EHLO, MAIL, RCPT, DATA, QUIT.
class SmtpSession {
 public:
  SmtpSession(const std::string& host, int port) {
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    if (int rc = getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res); rc != 0)
      throw std::runtime_error("SMTP: cannot resolve " + host + ": " + gai_strerror(rc));
    for (addrinfo* ai = res; ai && fd_ < 0; ai = ai->ai_next) {
      int fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
      if (fd < 0) continue;
      timeval tv{.tv_sec = 30, .tv_usec = 0};
      setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
      if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) fd_ = fd;
      else close(fd);
    }
    freeaddrinfo(res);
    if (fd_ < 0) throw std::runtime_error("SMTP: cannot connect to " + host + ":" + std::to_string(port));
  }
  ~SmtpSession() {
    if (fd_ >= 0) close(fd_);
  }
  // Sends `line` (CRLF added; none when empty) and checks the reply's code class.
  void command(const std::string& line, int expect_class) {
    if (!line.empty()) send_all(line + "\r\n");
    std::string reply = read_reply();
    if (reply.size() < 3 || reply[0] - '0' != expect_class)
      throw std::runtime_error("SMTP: " + (line.empty() ? "greeting" : line.substr(0, line.find(' '))) + " answered \"" +
                               reply.substr(0, reply.find('\r')) + "\"");
  }
  void send_all(const std::string& data) {
    for (std::size_t off = 0; off < data.size();) {
      ssize_t n = ::send(fd_, data.data() + off, data.size() - off, MSG_NOSIGNAL);
      if (n <= 0) throw std::runtime_error("SMTP: connection lost while sending");
      off += static_cast<std::size_t>(n);
    }
  }

 private:
  // One reply, multi-line ones ("250-...") included.
  std::string read_reply() {
    std::string reply;
    for (;;) {
      std::size_t eol;
      while ((eol = buffer_.find("\r\n")) == std::string::npos) {
        char chunk[512];
        ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
        if (n <= 0) throw std::runtime_error("SMTP: connection closed or timed out");
        buffer_.append(chunk, static_cast<std::size_t>(n));
      }
      std::string line = buffer_.substr(0, eol + 2);
      buffer_.erase(0, eol + 2);
      reply += line;
      if (line.size() < 4 || line[3] != '-') return reply;
    }
  }
  int fd_ = -1;
  std::string buffer_;
};

std::string address_of(const std::string& from) {
  auto lt = from.find('<'), gt = from.find('>');
  return lt != std::string::npos && gt > lt ? from.substr(lt + 1, gt - lt - 1) : from;
}

}  // namespace

// ---- the store

UserStore::UserStore(const std::string& path) {
  if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) {
    std::string error = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    throw std::runtime_error("cannot open user database " + path + ": " + error);
  }
  sqlite3_busy_timeout(db_, 5000);  // `signup serve` and `signup worker` may share the file
  char* error = nullptr;
  const char* schema =
      "PRAGMA journal_mode=WAL;"
      "CREATE TABLE IF NOT EXISTS users (id INTEGER PRIMARY KEY AUTOINCREMENT, email TEXT NOT NULL UNIQUE,"
      " name TEXT NOT NULL, created_at TEXT NOT NULL);";
  if (sqlite3_exec(db_, schema, nullptr, nullptr, &error) != SQLITE_OK) {
    std::string message = error ? error : "unknown error";
    sqlite3_free(error);
    sqlite3_close(db_);
    throw std::runtime_error("cannot create the users table in " + path + ": " + message);
  }
}

UserStore::~UserStore() { sqlite3_close(db_); }

User UserStore::create(const std::string& email, const std::string& name) {
  std::lock_guard lock(mu_);
  User user{.email = email, .name = name, .created_at = now_rfc3339()};
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db_, "INSERT INTO users (email, name, created_at) VALUES (?, ?, ?)", -1, &st, nullptr);
  sqlite3_bind_text(st, 1, email.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 2, name.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 3, user.created_at.c_str(), -1, SQLITE_TRANSIENT);
  int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc == SQLITE_CONSTRAINT) throw EmailTakenError("email " + email + " is already registered");
  if (rc != SQLITE_DONE) throw std::runtime_error(std::string("inserting a user failed: ") + sqlite3_errmsg(db_));
  user.id = sqlite3_last_insert_rowid(db_);
  return user;
}

std::optional<User> UserStore::find(int64_t id) {
  std::lock_guard lock(mu_);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db_, "SELECT id, email, name, created_at FROM users WHERE id = ?", -1, &st, nullptr);
  sqlite3_bind_int64(st, 1, id);
  std::optional<User> user;
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    user = User{.id = sqlite3_column_int64(st, 0),
                .email = reinterpret_cast<const char*>(sqlite3_column_text(st, 1)),
                .name = reinterpret_cast<const char*>(sqlite3_column_text(st, 2)),
                .created_at = reinterpret_cast<const char*>(sqlite3_column_text(st, 3))};
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    throw std::runtime_error(std::string("reading user failed: ") + sqlite3_errmsg(db_));
  return user;
}

// ---- mail

std::string welcome_message(const User& user, const MailOptions& options) {
  std::string m;
  auto header = [&m](const std::string& name, const std::string& value) { m += name + ": " + value + "\r\n"; };
  header("From", options.from);
  header("To", display_name(user.name) + " <" + user.email + ">");
  header("Subject", user.name.find_first_not_of(
                        " abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-'") == std::string::npos
                        ? "Welcome, " + user.name + "!"
                        : "=?UTF-8?B?" + base64("Welcome, " + user.name + "!") + "?=");
  header("Date", rfc5322_date());
  header("Message-ID", message_id_of(user));
  header("MIME-Version", "1.0");
  header("Content-Type", "text/plain; charset=utf-8");
  header("Content-Transfer-Encoding", "8bit");
  m += "\r\n";
  m += "Hello " + user.name + ",\r\n\r\nthank you for signing up (user #" + std::to_string(user.id) +
       ", " + user.created_at + ").\r\n\r\n-- \r\nThe Stead signup example\r\n";
  return m;
}

void deliver(const std::string& message, const std::string& message_id, const std::string& to,
             const MailOptions& options) {
  if (options.smtp_host.empty()) {
    namespace fs = std::filesystem;
    if (options.outbox_dir.empty()) throw std::invalid_argument("mail: neither an outbox directory nor an SMTP host");
    fs::create_directories(options.outbox_dir);
    std::string file = message_id.substr(1, message_id.size() - 2);  // without <>
    fs::path final_path = fs::path(options.outbox_dir) / (file + ".eml");
    fs::path tmp = final_path;
    tmp += ".tmp";
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      out << message;
      out.flush();
      if (!out) throw std::runtime_error("mail: cannot write " + tmp.string());
    }
    fs::rename(tmp, final_path);  // readers never see half a message
    return;
  }
  SmtpSession smtp(options.smtp_host, options.smtp_port);
  smtp.command("", 2);
  smtp.command("EHLO signup.example", 2);
  smtp.command("MAIL FROM:<" + address_of(options.from) + ">", 2);
  smtp.command("RCPT TO:<" + to + ">", 2);
  smtp.command("DATA", 3);
  // Dot-stuffing (RFC 5321 §4.5.2): a line starting with "." gets another.
  std::string data;
  std::size_t start = 0;
  while (start < message.size()) {
    std::size_t eol = message.find("\r\n", start);
    std::string line = message.substr(start, eol == std::string::npos ? std::string::npos : eol - start);
    data += (line.starts_with(".") ? "." : "") + line + "\r\n";
    start = eol == std::string::npos ? message.size() : eol + 2;
  }
  smtp.send_all(data + ".\r\n");
  smtp.command("", 2);
  smtp.command("QUIT", 2);
}

// ---- workflow and activity

stead::Task<std::string> UserSignupWorkflow::run(int64_t user_id) {
  stead::ActivityOptions options{.start_to_close_timeout = 1min,
                                 .retry_policy = stead::RetryPolicy{.maximum_attempts = 5}};
  auto sending = stead::workflow::execute_activity<std::string>("send_welcome_email", options, user_id);
  std::string message_id = co_await sending;
  co_return message_id;
}

void register_signup(stead::Worker& worker, std::shared_ptr<UserStore> users, MailOptions mail) {
  if (mail.smtp_host.empty() && mail.outbox_dir.empty())
    throw std::invalid_argument("signup: set an outbox directory or an SMTP host");
  worker.register_workflow<UserSignupWorkflow>();
  worker.register_activity("send_welcome_email", [users, mail](int64_t user_id) {
    std::optional<User> user = users->find(user_id);
    if (!user)
      throw stead::ApplicationError("no user " + std::to_string(user_id), {.type = "UserNotFound", .non_retryable = true});
    std::string id = message_id_of(*user);
    deliver(welcome_message(*user, mail), id, user->email, mail);
    return id;
  });
}

// ---- web API

namespace {

const http::Schema& signup_schema() {
  static const http::Schema s =
      http::Schema::object("Signup")
          .required("email", http::Schema::string().max_length(254).pattern(R"(^[^@\s<>"]+@[^@\s<>"]+\.[^@\s<>"]+$)")
                                 .example("ada@example.com"))
          // No control characters: the name goes into mail headers.
          .required("name", http::Schema::string().min_length(1).max_length(100).pattern(R"(^[^\x00-\x1f\x7f]+$)")
                                .example("Ada Lovelace"))
          .additional_properties(false);
  return s;
}

json user_json(const User& u) {
  return {{"user_id", u.id}, {"email", u.email}, {"name", u.name}, {"created_at", u.created_at}};
}

}  // namespace

void mount_signup_api(http::Api& api, const stead::Client& client, std::shared_ptr<UserStore> users) {
  static const http::Schema created = http::Schema::object("SignupStarted")
                                          .required("user_id", http::Schema::integer())
                                          .required("workflow_id", http::Schema::string())
                                          .required("run_id", http::Schema::string());
  api.post("/signup",
           {.summary = "Sign a user up",
            .description = "Stores the user, then starts UserSignupWorkflow(user_id), which sends the welcome email.",
            .tags = {"signup"},
            .operation_id = "signup",
            .request_body = signup_schema(),
            .responses = {{201, created}}},
           [client, users](const http::Request& req) {
             json body = req.json();
             User user;
             try {
               user = users->create(body["email"], body["name"]);
             } catch (const EmailTakenError& e) {
               throw http::HttpError(http::make_problem(409, e.what(), "urn:stead:example:email-taken"));
             }
             stead::WorkflowOptions options{.id = "signup-" + std::to_string(user.id), .task_queue = kTaskQueue};
             options.header = http::workflow_header(req);
             auto handle = client.start_workflow<UserSignupWorkflow>(user.id, options);
             auto res = http::Response::json(
                 201, {{"user_id", user.id}, {"workflow_id", handle.id()}, {"run_id", handle.run_id()}});
             res.set_header("Location", "/users/" + std::to_string(user.id));
             return res;
           });

  api.get("/users/{user_id}",
          {.summary = "A user and the state of their welcome email", .tags = {"signup"}, .operation_id = "get_user"},
          [client, users](const http::Request& req) {
            const std::string& raw = req.param("user_id");
            std::optional<User> user;
            if (!raw.empty() && raw.size() < 19 && raw.find_first_not_of("0123456789") == std::string::npos)
              user = users->find(std::stoll(raw));
            if (!user) throw http::HttpError(404, "no user " + raw);
            json doc = user_json(*user);
            try {
              doc["welcome_email"] = http::describe_workflow_json(client, "signup-" + raw);
            } catch (const stead::WorkflowNotFoundError&) {
              doc["welcome_email"] = nullptr;  // e.g. the server's database was reset
            }
            return http::Response::json(200, doc);
          });
}

}  // namespace signup
