// The signup example: the Django example of the Temporal docs, in C++.
//
//   POST /signup {"email", "name"}   inserts the user into SQLite, starts
//                                    UserSignupWorkflow(user_id) with id "signup-<user_id>"
//                                    on task queue "signup"; 201 {user_id, workflow_id, run_id}
//                                    (409 when the email is taken)
//   GET  /users/{user_id}            200 {user_id, email, name, created_at, welcome_email:
//                                    <the workflow's status document>}
//
// UserSignupWorkflow runs the activity send_welcome_email(user_id), which reads the user from
// the database (so the workflow carries only the id, as Django's sample does) and delivers an
// RFC 5322 message: into an outbox directory (one <Message-ID>.eml file, written atomically,
// so a retried attempt replaces rather than duplicates it) or over SMTP to a configured host.
//
// `signup serve` is the web app (with the worker in process unless --no-worker);
// `signup worker` is the management-command analogue: the worker alone (main.cc).
//
// Thread safety: UserStore and Mailer are safe to use from several threads at once.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "stead/client.h"
#include "stead/http.h"
#include "stead/task.h"
#include "stead/worker.h"

struct sqlite3;

namespace signup {

inline constexpr const char* kTaskQueue = "signup";

struct User {
  int64_t id = 0;
  std::string email{};
  std::string name{};
  std::string created_at{};  // RFC 3339, UTC
};

// Thrown by UserStore::create when the email is already registered.
class EmailTakenError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The users table in a SQLite file (created when missing: the "migration").
class UserStore {
 public:
  // Opens (creates) the database. Throws std::runtime_error naming the file on failure.
  explicit UserStore(const std::string& path);
  ~UserStore();
  UserStore(const UserStore&) = delete;
  UserStore& operator=(const UserStore&) = delete;

  // Inserts a user; throws EmailTakenError when the email exists.
  User create(const std::string& email, const std::string& name);
  std::optional<User> find(int64_t id);

 private:
  std::mutex mu_;
  sqlite3* db_ = nullptr;
};

// Where welcome emails go: an outbox directory, or an SMTP server (no TLS, no auth: a local
// relay or a development catcher such as MailHog).
struct MailOptions {
  std::string outbox_dir{};  // used when smtp_host is empty
  std::string smtp_host{};
  int smtp_port = 25;
  std::string from = "Stead Signup <welcome@signup.example>";
};

// The welcome message for `user` (RFC 5322: CRLF line ends, Date, Message-ID
// "<signup-<id>@signup.example>", MIME UTF-8 text; a non-ASCII display name is RFC 2047
// encoded).
std::string welcome_message(const User& user, const MailOptions& options);
// Delivers `message` to `to` (an address) as `options` say. Throws std::runtime_error with
// the SMTP reply or the file system error.
void deliver(const std::string& message, const std::string& message_id, const std::string& to,
             const MailOptions& options);

struct UserSignupWorkflow {
  static constexpr std::string_view name = "UserSignupWorkflow";
  // The result: the welcome message's Message-ID.
  stead::Task<std::string> run(int64_t user_id);
};

// Registers UserSignupWorkflow and send_welcome_email on `worker`. Throws
// std::invalid_argument when `mail` names neither an outbox nor an SMTP host.
void register_signup(stead::Worker& worker, std::shared_ptr<UserStore> users, MailOptions mail);

// The routes above on `api`.
void mount_signup_api(stead::http::Api& api, const stead::Client& client, std::shared_ptr<UserStore> users);

}  // namespace signup
