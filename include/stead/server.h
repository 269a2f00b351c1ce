// stead::Server — the Temporal-compatible dev server, embeddable in any process.
//
//   auto server = stead::Server::start({.port = 0, .db_filename = "stead.db"});
//   // ... point clients and workers at server->address() ...
//   server->shutdown();
//
// It serves Temporal's WorkflowService over gRPC (plaintext HTTP/2, or TLS/mTLS when
// ServerOptions::tls is set), keeps its state in SQLite (in memory unless db_filename is
// set), and survives a crash of the process that hosts it without losing any acknowledged
// change when a database file is used.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace grpc {
class Channel;
}

namespace stead {

// TLS for the gRPC port (`--tls-cert-path`, `--tls-key-path`, `--tls-ca-path`). Files are
// PEM and are read once, by Server::start, which also checks the certificates' validity
// periods: a server certificate (any in the chain file) that has expired or is not valid yet
// stops the start, naming it and its dates; one that expires within 7 days, and a client CA
// that has expired or expires soon, is a warning (Server::warnings(), logged at start), as
// is a private key file readable by group or others.
struct ServerTlsOptions {
  // The server's certificate chain and its private key; both required.
  std::string cert_path{};
  std::string key_path{};
  // CA certificates that client certificates must chain to. Non-empty: mutual TLS, every
  // client must present a certificate signed by one of them (others fail the handshake).
  // Empty: clients are not asked for a certificate.
  std::string client_ca_path{};
};

struct ServerOptions {
  std::string ip = "127.0.0.1";
  int port = 7233;  // 0 picks a free port; see Server::port()
  // Namespaces to create at start; "default" always exists.
  std::vector<std::string> namespaces{};
  // SQLite database file; empty keeps everything in memory (lost at exit).
  std::string db_filename{};
  // Custom search attributes to register in every namespace: {name, type} with type one of
  // Keyword, Text, Int, Double, Bool, Datetime, KeywordList (`--search-attribute NAME=TYPE`).
  std::vector<std::pair<std::string, std::string>> search_attributes{};
  // Concurrent long polls per namespace and per method (task queue polls, history long
  // polls, update polls, queries, updates); the call beyond it fails with RESOURCE_EXHAUSTED.
  // Temporal's frontend.namespaceCount (default 1200), which `dynamic_config` overrides.
  int max_concurrent_long_polls = 1200;
  // Dynamic configuration (`--dynamic-config-value KEY=VALUE`, Temporal's key names). Keys
  // Stead does not honour are accepted, logged as warnings at start and listed in
  // Server::warnings(); README lists the honoured keys.
  std::vector<std::pair<std::string, std::string>> dynamic_config{};
  // Set: serve TLS only (plaintext clients fail the handshake). Unset: plaintext only, which
  // is a warning when `ip` is not a loopback address (the port has no authentication).
  std::optional<ServerTlsOptions> tls{};
  // Time skipping (`stead server start-test`): the server runs on a virtual clock that jumps
  // to the next deadline (timer, timeout, retry backoff, start delay) whenever time skipping
  // is unlocked and no workflow or activity task is outstanding, and serves Temporal's
  // TestService (LockTimeSkipping, UnlockTimeSkipping, UnlockTimeSkippingWithSleep, Sleep,
  // SleepUntil, GetCurrentTime) on the same port. Starts locked (counter 1), as the SDKs'
  // test environments expect. Off: TestService answers UNIMPLEMENTED.
  bool time_skipping = false;
  // False: no listening port at all; reach the server through in_process_channel() (no
  // socket; `ip`, `port` and `tls` are not used, port() is 0).
  bool listen = true;
};

class Server {
 public:
  // Starts serving. Throws std::runtime_error naming the cause (port in use, unreadable
  // database, unreadable or malformed TLS file, expired or not yet valid TLS certificate,
  // bad option) when it cannot. Warnings are logged (common/log) and kept in warnings().
  static std::unique_ptr<Server> start(const ServerOptions& options);

  ~Server();  // shuts down
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  int port() const;
  std::string address() const;  // "ip:port"
  std::vector<std::string> namespaces() const;
  bool in_memory() const;
  bool tls() const;                  // options.tls was set
  bool requires_client_cert() const;  // mutual TLS
  const std::vector<std::string>& warnings() const;
  // A channel to this server inside this process (no socket): pass it as
  // ClientOptions::channel. Valid until shutdown(); calls after that fail with UNAVAILABLE.
  std::shared_ptr<grpc::Channel> in_process_channel() const;
  // The server's metrics in Prometheus' text format 0.0.4 (what `stead server start-dev
  // --metrics-port` serves at /metrics; serve it from your own endpoint when embedding):
  //   stead_rpc_requests_total{method,code}   counter, gRPC calls answered
  //   stead_rpc_duration_seconds{method}      histogram, arrival to answer (long polls included)
  //   stead_long_polls_waiting{namespace,method}  gauge, long polls held now
  // A method appears once it has been called. Thread-safe.
  std::string metrics_text() const;

  // The server's time: the wall clock, or the virtual clock under time skipping.
  std::chrono::system_clock::time_point current_time() const;
  // ---- Time skipping (ServerOptions::time_skipping), in process: TestService's
  // LockTimeSkipping and UnlockTimeSkipping. Both throw std::logic_error on a server without
  // time skipping; unlock_time_skipping also when the lock counter is already zero.
  bool time_skipping() const;
  void lock_time_skipping() const;
  void unlock_time_skipping() const;
  // The lock counter (0: time skipping unlocked); 0 on a server without time skipping.
  int time_skipping_locks() const;

  // Completes pending long polls, stops accepting calls, drains work and closes the
  // database. Idempotent; thread-safe.
  void shutdown();
  // Blocks until shutdown() completes.
  void wait();

 private:
  struct Impl;
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Version of this Stead build, e.g. "0.1.0": STEAD_VERSION_STRING of the library that was
// linked (include/stead/version.h has the compile-time macros).
const char* version();

}  // namespace stead
