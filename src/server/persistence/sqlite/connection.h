// Connection: RAII owner of one sqlite3 handle, configured for its role, with a cache of
// prepared statements.
//
// Thread safety: none. Handles are opened with SQLITE_OPEN_NOMUTEX, so exactly one thread may
// use a connection (and its statements) at a time; the owner provides that exclusion (the
// writer thread owns its connection, readers borrow theirs from a ReaderPool).
#pragma once

#include <memory>
#include <string>
#include <unordered_map>

#include "common/status.h"
#include "server/persistence/sqlite/statement.h"

struct sqlite3;

namespace stead::server::persistence::sqlite {

// A statement borrowed from a connection's cache. Resets it on scope exit: a statement left
// mid-step keeps a read transaction open, which in WAL mode pins an old snapshot (later reads
// on this connection would miss new commits) and stops checkpoints.
class ScopedStatement {
 public:
  ScopedStatement() = default;
  ~ScopedStatement() {
    if (stmt_ != nullptr) stmt_->reset();
  }
  ScopedStatement(const ScopedStatement&) = delete;
  ScopedStatement& operator=(const ScopedStatement&) = delete;

  Statement* operator->() const { return stmt_; }
  Statement& operator*() const { return *stmt_; }

 private:
  friend class Connection;
  Statement* stmt_ = nullptr;
};

class Connection {
 public:
  enum class Role {
    kWriter,  // file database: WAL, synchronous=FULL; creates the file
    kReader,  // file database: read-only queries (query_only)
    kMemory,  // private in-memory database; the only connection to it
  };

  // Opens `path` (ignored for kMemory) and applies the role's pragmas.
  static Status open(const std::string& path, Role role, std::unique_ptr<Connection>* out);

  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  sqlite3* handle() const { return db_; }

  // Runs one or more statements that return no rows (pragmas, DDL, BEGIN/COMMIT).
  Status exec(const char* sql, const char* op);

  // Reads one integer from a pragma or a single-value query.
  Status query_int64(const char* sql, const char* op, int64_t* value);

  // Lends the cached statement for `sql`, preparing it on first use. `sql` and `op` must be
  // string literals (or otherwise outlive the connection): the cache keeps `op` by pointer.
  // Statements with caller-built text belong in Statement::prepare, not in this cache.
  // REQUIRES: no other ScopedStatement currently holds the same `sql`.
  Status cached(const char* sql, const char* op, ScopedStatement* out);

 private:
  explicit Connection(sqlite3* db) : db_(db) {}

  sqlite3* const db_;
  std::unordered_map<std::string, std::unique_ptr<Statement>> cache_;
};

}  // namespace stead::server::persistence::sqlite
