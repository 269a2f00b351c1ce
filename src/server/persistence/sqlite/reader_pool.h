// ReaderPool: lends a connection to each reading thread.
//
// File databases: every lease gets a connection of its own (an idle one, or a new one), so
// reads run in parallel with each other and, thanks to WAL, with the writer's transaction.
// Each read starts a fresh WAL snapshot, so it sees every transaction committed before it
// began, in particular every batch whose callback has run. Up to kMaxIdle connections are
// kept for reuse (each with its cache of prepared statements); more are opened under load
// and closed when returned.
//
// In-memory databases: there is one connection, shared with the writer, and a lease holds
// its mutex. Reads are therefore serialised with each other and with write transactions;
// since an in-memory commit never waits for a disk, a transaction holds the mutex for
// microseconds to a few milliseconds. (A shared-cache database with several connections
// would allow parallel reads, but its table locks make readers fail with SQLITE_LOCKED
// during a write transaction unless they read uncommitted data, which would expose half-
// applied and rolled-back groups.)
//
// Thread safety: acquire() may be called from any thread. A Lease is used by one thread and
// must be destroyed before the pool.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/status.h"
#include "server/persistence/sqlite/connection.h"

namespace stead::server::persistence::sqlite {

class ReaderPool {
 public:
  // File mode: opens reader connections to `path` on demand.
  explicit ReaderPool(std::string path);
  // Memory mode: every lease is `*shared`, held under `*shared_mu`. Both outlive the pool.
  ReaderPool(Connection* shared, std::mutex* shared_mu);
  ReaderPool(const ReaderPool&) = delete;
  ReaderPool& operator=(const ReaderPool&) = delete;

  class Lease {
   public:
    Lease() = default;
    ~Lease();
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;

    Connection* operator->() const { return conn_; }
    Connection& operator*() const { return *conn_; }

   private:
    friend class ReaderPool;
    ReaderPool* pool_ = nullptr;
    std::unique_ptr<Connection> owned_;        // file mode
    std::unique_lock<std::mutex> shared_lock_;  // memory mode
    Connection* conn_ = nullptr;
  };

  // REQUIRES: *out is empty (default-constructed).
  Status acquire(Lease* out);

 private:
  static constexpr size_t kMaxIdle = 8;

  void release(std::unique_ptr<Connection> conn);

  // Constant after construction.
  const std::string path_;
  Connection* const shared_ = nullptr;
  std::mutex* const shared_mu_ = nullptr;

  std::mutex mu_;
  std::vector<std::unique_ptr<Connection>> idle_;  // guarded by mu_
};

}  // namespace stead::server::persistence::sqlite
