// stead::Server — the Temporal-compatible dev server, embeddable in any process.
//
//   auto server = stead::Server::start({.port = 0, .db_filename = "stead.db"});
//   // ... point clients and workers at server->address() ...
//   server->shutdown();
//
// It serves Temporal's WorkflowService over gRPC (plaintext HTTP/2), keeps its state in
// SQLite (in memory unless db_filename is set), and survives a crash of the process that
// hosts it without losing any acknowledged change when a database file is used.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace stead {

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
  // Dynamic configuration (`--dynamic-config-value KEY=VALUE`). Unknown keys are accepted
  // and reported in Server::warnings().
  std::vector<std::pair<std::string, std::string>> dynamic_config{};
};

class Server {
 public:
  // Starts serving. Throws std::runtime_error naming the cause (port in use, unreadable
  // database, bad option) when it cannot.
  static std::unique_ptr<Server> start(const ServerOptions& options);

  ~Server();  // shuts down
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  int port() const;
  std::string address() const;  // "ip:port"
  std::vector<std::string> namespaces() const;
  bool in_memory() const;
  const std::vector<std::string>& warnings() const;

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

// Version of this Stead build, e.g. "0.1.0".
const char* version();

}  // namespace stead
