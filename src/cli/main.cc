// The `stead` command line.
//
//   stead server start-dev [--port 7233] [--ip 127.0.0.1] [--namespace NS]... [--db-filename F]
//                          [--headless] [--ui-port N] [--metrics-port N] [--log-format pretty|json]
//                          [--log-level debug|info|warn|error] [--dynamic-config-value K=V]...
//                          [--tls-cert-path F --tls-key-path F [--tls-ca-path F]]
//
//   stead server start-test [the same flags but the Web UI ones]
//   stead-test-server PORT [start-test flags]     (a link to `stead`)
//
// The flags are those Temporal's SDK test harnesses pass to `temporal server start-dev`, so
// the harnesses can launch this binary in its place; start-test is the time-skipping server
// the SDKs' time-skipping environments launch as `EXECUTABLE PORT [EXTRA_ARGS]`.
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/metrics_endpoint.h"
#include "common/log.h"
#include "server/dynamic_config.h"
#include "stead/server.h"

namespace {

// `metrics_port` 0: no metrics endpoint.
int run_dev_server(const stead::ServerOptions& options, int metrics_port) {
  // Block the stop signals in every thread; this one waits for them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  std::unique_ptr<stead::Server> server;
  try {
    server = stead::Server::start(options);
  } catch (const std::exception& e) {
    std::cerr << "stead: " << e.what() << "\n";
    return 1;
  }
  // server->warnings() were logged by Server::start.
  std::unique_ptr<stead::cli::MetricsEndpoint> metrics;
  if (metrics_port != 0) {
    try {
      metrics = stead::cli::MetricsEndpoint::start(options.ip, metrics_port,
                                                   [s = server.get()] { return s->metrics_text(); });
    } catch (const std::exception& e) {
      std::cerr << "stead: " << e.what() << "\n";
      return 1;
    }
  }

  std::string names;
  for (const auto& ns : server->namespaces()) names += (names.empty() ? "" : ", ") + ns;
  std::printf("Stead Server %s (Temporal-compatible %s)\n", stead::version(),
              options.time_skipping ? "test server, time skipping; starts locked" : "dev server");
  std::printf("  gRPC:        %s%s\n", server->address().c_str(),
              !server->tls()                   ? ""
              : server->requires_client_cert() ? " (TLS, client certificates required)"
                                               : " (TLS)");
  std::printf("  Namespaces:  %s\n", names.c_str());
  if (metrics) std::printf("  Metrics:     http://%s:%d/metrics\n", options.ip.c_str(), metrics->port());
  if (server->in_memory()) {
    std::printf("  Persistence: in-memory SQLite (state is lost at exit; use --db-filename to keep it)\n");
  } else {
    std::printf("  Persistence: SQLite file %s (WAL, synchronous=FULL)\n", options.db_filename.c_str());
  }
  std::fflush(stdout);

  int sig = 0;
  sigwait(&signals, &sig);
  STEAD_LOG(kInfo) << "received " << (sig == SIGINT ? "SIGINT" : "SIGTERM") << ", shutting down";
  metrics.reset();
  server->shutdown();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Stead: durable workflows for C++ services, compatible with Temporal"};
  // As `temporal --version` answers: "<name> version <x.y.z>" (project(VERSION) in CMakeLists.txt).
  app.set_version_flag("--version", std::string("stead version ") + stead::version());
  app.require_subcommand(1);

  auto* server_cmd = app.add_subcommand("server", "Run a Stead server");
  server_cmd->require_subcommand(1);
  auto* start_dev = server_cmd->add_subcommand("start-dev", "Start a development server (SQLite, single binary)");
  auto* start_test = server_cmd->add_subcommand(
      "start-test", "Start a time-skipping test server (TestService; as Temporal's test server, also `stead-test-server PORT`)");

  stead::ServerOptions options;
  std::vector<std::string> dynamic_config;
  std::string log_format = "pretty", log_level = "info";
  int ui_port = 0, http_port = 0, metrics_port = 0;
  bool headless = false;
  std::string ui_ip, ui_asset_path, ui_codec_endpoint, ui_public_path, log_config;
  std::vector<std::string> sqlite_pragmas, search_attributes;
  stead::ServerTlsOptions tls;

  std::string honoured;
  for (auto key : stead::server::honoured_dynamic_config_keys())
    honoured += (honoured.empty() ? "" : ", ") + std::string(key);
  // The flags both servers take.
  for (auto* cmd : {start_dev, start_test}) {
    cmd->add_option("-p,--port", options.port, "Port for the frontend gRPC service")->capture_default_str();
    cmd->add_option("--ip", options.ip, "IP address to bind the frontend service to")->capture_default_str();
    cmd->add_option("-n,--namespace", options.namespaces, "Namespace to create at start (repeatable)");
    cmd->add_option("-f,--db-filename", options.db_filename, "SQLite database file (default: in-memory)");
    cmd->add_option("--log-format", log_format, "Log format: pretty or json")->capture_default_str();
    cmd->add_option("--log-level", log_level, "Log level: debug, info, warn, error")->capture_default_str();
    cmd->add_option("--search-attribute", search_attributes,
                    "Custom search attribute NAME=TYPE to register in every namespace (repeatable)");
    cmd->add_option("--dynamic-config-value", dynamic_config,
                    "Dynamic config KEY=VALUE (repeatable). Honoured: " + honoured + "; other keys are logged as ignored");
    // Files are checked by stead::Server::start, which names the file and the problem.
    cmd->add_option("--tls-cert-path", tls.cert_path, "Serve gRPC over TLS with this PEM certificate chain");
    cmd->add_option("--tls-key-path", tls.key_path, "PEM private key of --tls-cert-path");
    cmd->add_option("--tls-ca-path", tls.client_ca_path,
                    "PEM CA certificates; clients must present a certificate signed by one (mTLS)");
  }
  start_dev->add_flag("--headless", headless, "Disable the Web UI");
  start_dev->add_option("--ui-port", ui_port, "Port for the Web UI (not served yet)");
  start_dev->add_option("--ui-ip", ui_ip, "IP address of the Web UI (not served yet)");
  start_dev->add_option("--ui-asset-path", ui_asset_path, "Web UI assets (not served yet)");
  start_dev->add_option("--ui-codec-endpoint", ui_codec_endpoint, "Web UI codec endpoint (not served yet)");
  start_dev->add_option("--ui-public-path", ui_public_path, "Web UI public path (not served yet)");
  start_dev->add_option("--http-port", http_port, "Port for the HTTP API (not served yet; ignored with a warning)");
  start_dev->add_option("--metrics-port", metrics_port, "Serve Prometheus metrics at http://IP:PORT/metrics (default: off)")
      ->check(CLI::Range(1, 65535));
  start_dev->add_option("--log-config", log_config, "Accepted for compatibility");
  start_dev->add_option("--sqlite-pragma", sqlite_pragmas, "Accepted for compatibility (Stead sets its own pragmas)");

  // The SDKs' time-skipping test environments run their test server as `EXECUTABLE PORT
  // [EXTRA_ARGS...]`: invoked under that name (the stead-test-server link), read it that way.
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string invoked_as = argv[0];
  invoked_as = invoked_as.substr(invoked_as.find_last_of('/') + 1);
  if (invoked_as == "stead-test-server") {
    if (args.empty() || args[0].empty() || args[0][0] == '-') {
      if (args.empty() || (args[0] != "--help" && args[0] != "-h" && args[0] != "--version")) {
        std::cerr << "usage: stead-test-server PORT [stead server start-test flags...]\n";
        return 2;
      }
    } else {
      args.insert(args.begin(), "--port");
    }
    args.insert(args.begin(), {"server", "start-test"});
  }
  std::reverse(args.begin(), args.end());  // CLI11 takes them last-first
  try {
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }

  stead::log::Level level;
  stead::log::Format format;
  if (!stead::log::parse_level(log_level, &level)) {
    std::cerr << "stead: unknown --log-level " << log_level << "\n";
    return 2;
  }
  if (!stead::log::parse_format(log_format, &format)) {
    std::cerr << "stead: unknown --log-format " << log_format << "\n";
    return 2;
  }
  stead::log::configure(level, format);
  for (const auto& kv : dynamic_config) {
    auto eq = kv.find('=');
    if (eq == std::string::npos) {
      std::cerr << "stead: --dynamic-config-value needs KEY=VALUE, got " << kv << "\n";
      return 2;
    }
    options.dynamic_config.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
  }
  for (const auto& kv : search_attributes) {
    auto eq = kv.find('=');
    if (eq == std::string::npos) {
      std::cerr << "stead: --search-attribute needs NAME=TYPE, got " << kv << "\n";
      return 2;
    }
    options.search_attributes.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
  }
  if (!tls.cert_path.empty() || !tls.key_path.empty() || !tls.client_ca_path.empty()) {
    if (tls.cert_path.empty() || tls.key_path.empty()) {
      std::cerr << "stead: TLS needs both --tls-cert-path and --tls-key-path"
                << (tls.client_ca_path.empty() ? "" : " (--tls-ca-path only adds client verification)") << "\n";
      return 2;
    }
    options.tls = tls;
  }
  if (ui_port && !headless) STEAD_LOG(kWarn) << "the Web UI is not served yet; --ui-port ignored";
  if (http_port) STEAD_LOG(kWarn) << "the HTTP API is not served yet; --http-port ignored";

  if (*start_test) {
    options.time_skipping = true;
    return run_dev_server(options, 0);
  }
  if (*start_dev) return run_dev_server(options, metrics_port);
  return 0;
}
