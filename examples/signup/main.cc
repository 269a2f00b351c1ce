// signup: the Django example's two commands.
//
//   signup serve  [--host 127.0.0.1] [--port 8001] [--db signup.db] [--outbox DIR | --smtp HOST:PORT]
//                 [--temporal-db FILE] [--embedded-port N] [--no-worker]
//       the web app (POST /signup, GET /users/{id}, /docs) on an embedded Stead server, or on
//       TEMPORAL_ADDRESS when set; with the worker in process unless --no-worker.
//   signup worker [--db signup.db] [--outbox DIR | --smtp HOST:PORT]
//       the worker alone (`manage.py run_worker`), on TEMPORAL_ADDRESS (default 127.0.0.1:7233).
//
// Mail goes to --outbox (default ./outbox) unless --smtp is given. Prints
// "signup: listening on URL" (serve) or "signup worker: polling ..." (worker) once ready;
// SIGINT/SIGTERM stop either cleanly.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <cstdlib>

#include "signup.h"
#include "stead/http_httplib.h"

namespace {

std::string env_or(const char* name, std::string fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

signup::MailOptions mail_options(const std::string& outbox, const std::string& smtp) {
  signup::MailOptions mail;
  if (smtp.empty()) {
    mail.outbox_dir = outbox;
    return mail;
  }
  auto colon = smtp.rfind(':');
  mail.smtp_host = smtp.substr(0, colon);
  if (colon != std::string::npos) mail.smtp_port = std::stoi(smtp.substr(colon + 1));
  return mail;
}

}  // namespace

int main(int argc, char** argv) {
  stead::http::block_termination_signals();  // before any thread starts

  CLI::App cli{"The signup example: users in SQLite, a welcome email sent by a workflow"};
  cli.require_subcommand(1);
  std::string db = "signup.db", outbox = "outbox", smtp, temporal_db, host = "127.0.0.1";
  int port = 8001, embedded_port = 0;
  bool no_worker = false;
  for (CLI::App* sub : {cli.add_subcommand("serve", "Run the web app (and the worker)"),
                        cli.add_subcommand("worker", "Run the worker alone")}) {
    sub->add_option("--db", db, "User database (SQLite file)")->capture_default_str();
    sub->add_option("--outbox", outbox, "Directory for welcome emails (.eml files)")->capture_default_str();
    sub->add_option("--smtp", smtp, "Send welcome emails to this SMTP server (HOST:PORT) instead");
  }
  CLI::App* serve = cli.get_subcommand("serve");
  serve->add_option("--host", host)->capture_default_str();
  serve->add_option("--port", port, "Web port (0: any free port)")->capture_default_str();
  serve->add_option("--temporal-db", temporal_db, "Embedded server: database file (default: in memory)");
  serve->add_option("--embedded-port", embedded_port, "Embedded server: gRPC port (0: any free port)");
  serve->add_flag("--no-worker", no_worker, "Leave the workflows to `signup worker`");
  CLI11_PARSE(cli, argc, argv);

  try {
    auto users = std::make_shared<signup::UserStore>(db);
    signup::MailOptions mail = mail_options(outbox, smtp);
    std::string mail_target = smtp.empty() ? "outbox " + outbox : "SMTP " + smtp;

    if (cli.got_subcommand("worker")) {
      std::string address = env_or("TEMPORAL_ADDRESS", "127.0.0.1:7233");
      auto client = stead::Client::connect({.address = address, .namespace_ = env_or("TEMPORAL_NAMESPACE", "default")});
      stead::Worker worker(client, {.task_queue = signup::kTaskQueue});
      signup::register_signup(worker, users, mail);
      std::printf("signup worker: polling %s on %s; users in %s, mail to %s\n", signup::kTaskQueue, address.c_str(),
                  db.c_str(), mail_target.c_str());
      std::fflush(stdout);
      worker.start();
      stead::http::wait_for_termination_signal();  // (blocked above, so run_until_signal would not see it)
      worker.shutdown();
      return 0;
    }

    auto options = stead::http::RuntimeOptions::from_env();
    options.embedded_server.port = embedded_port;
    options.embedded_server.db_filename = temporal_db;
    if (!no_worker)
      options.start_worker = [users, mail](const stead::Client& client) -> std::function<void()> {
        auto worker = std::make_shared<stead::Worker>(client, stead::WorkerOptions{.task_queue = signup::kTaskQueue});
        signup::register_signup(*worker, users, mail);
        worker->start();
        return [worker] { worker->shutdown(); };
      };
    auto runtime = stead::http::Runtime::start(options);
    stead::http::Api api({.title = "Signup", .description = "Temporal's Django signup sample on Stead"});
    signup::mount_signup_api(api, runtime->client(), users);
    stead::http::HttplibServer web(api, {.host = host, .port = port});
    web.start();
    std::string temporal = runtime->embedded_server() ? runtime->embedded_server()->address() + " (embedded)"
                                                      : options.address;
    std::printf("signup: listening on http://%s:%d (docs at /docs)\n", host.c_str(), web.port());
    std::printf("signup: Temporal %s; users in %s; mail to %s; worker %s\n", temporal.c_str(), db.c_str(),
                mail_target.c_str(), no_worker ? "elsewhere (signup worker)" : "in process");
    std::fflush(stdout);
    stead::http::wait_for_termination_signal();
    web.stop();
    runtime->shutdown();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "signup: %s\n", e.what());
    return 1;
  }
  return 0;
}
