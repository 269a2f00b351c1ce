// GroupCommitWriter: the single writer thread of a SQLite store.
//
// commit() appends (batch, done) to a FIFO queue. The thread takes everything queued, applies
// the batches in order inside ONE transaction (BEGIN IMMEDIATE ... COMMIT), then runs their
// callbacks in order, outside every lock. Concurrent requests thus share one fsync: the
// queue fills while the previous group syncs, so the group size grows with the load.
//
// Failure: if any statement or the COMMIT fails, the transaction is rolled back, every
// callback of that group receives the error, and the writer is broken: every later batch
// fails with the same status without touching the database (callers have already applied
// their batches to in-memory state, so continuing would let memory and disk diverge).
//
// Thread safety: commit() and close() may be called from any thread, but not from a
// callback (close() would wait for itself).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <thread>

#include "common/status.h"
#include "server/persistence/sqlite/connection.h"
#include "server/persistence/store.h"

namespace stead::server::persistence::sqlite {

class GroupCommitWriter {
 public:
  // `conn` must outlive the writer and is used only by its thread. When `conn_mu` is not null
  // it is held for the whole of each transaction: the in-memory store shares one connection
  // between the writer and the readers.
  GroupCommitWriter(Connection* conn, std::mutex* conn_mu);
  // Calls close().
  ~GroupCommitWriter();
  GroupCommitWriter(const GroupCommitWriter&) = delete;
  GroupCommitWriter& operator=(const GroupCommitWriter&) = delete;

  // Queues the batch; `done` runs once on the writer thread after its group committed or
  // failed. After close() has begun, `done` runs at once, on the calling thread, with
  // Unavailable (there is no writer thread left to run it).
  void commit(WriteBatch batch, CommitCallback done);

  // Commits everything queued, runs its callbacks, and joins the thread. Idempotent; a
  // second concurrent caller also returns only after the thread has stopped.
  void close();

  // Transactions committed successfully so far (for tests: proves batches were grouped).
  uint64_t groups_committed() const;

 private:
  struct Pending {
    WriteBatch batch;
    CommitCallback done;
  };

  void run();
  // Applies `group` in one transaction on conn_. Writer thread only.
  Status write_group(const std::deque<Pending>& group);

  // Constant after construction.
  Connection* const conn_;
  std::mutex* const conn_mu_;

  // Serialises close() callers around the join.
  std::mutex close_mu_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending> queue_;   // guarded by mu_
  bool stopping_ = false;       // guarded by mu_
  uint64_t groups_committed_ = 0;  // guarded by mu_

  // Writer thread only.
  Status broken_;

  std::thread thread_;  // last: starts after every member above is initialised
};

}  // namespace stead::server::persistence::sqlite
