// GroupCommitWriter: the single writer thread of a SQLite store.
//
// commit() appends (batch, done) to a FIFO queue. The thread takes everything queued, applies
// the batches in order inside ONE transaction (BEGIN IMMEDIATE ... COMMIT), then runs their
// callbacks in order, outside every lock. Concurrent requests thus share one fsync: the
// queue fills while the previous group syncs, so the group size grows with the load.
//
// Failure: if any statement or the COMMIT fails (disk full, failed fsync, I/O error), the
// transaction is rolled back and every callback of that group receives Unavailable
// ("database write failed: <cause> (<sqlite's text>)"). The workflow ids the group touched are
// fenced: callers have already applied those batches to their in-memory state, and batches
// they queue for the same ids are built on it, so those fail the same way without touching the
// database until resume_writes() for the id is dequeued. Other ids keep writing; the first
// group that commits again ends the outage. The writer logs the first failure, then at most
// one line per kFailureLogInterval while failures continue, and one when writes succeed again.
//
// Thread safety: commit() and close() may be called from any thread, but not from a
// callback (close() would wait for itself).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

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

  // Queued like a commit: lifts the fence on (ns, workflow_id) for the batches behind it.
  void resume_writes(const std::string& ns, const std::string& workflow_id);

  // Commits everything queued, runs its callbacks, and joins the thread. Idempotent; a
  // second concurrent caller also returns only after the thread has stopped.
  void close();

  // Transactions committed successfully so far (for tests: proves batches were grouped).
  uint64_t groups_committed() const;

 private:
  struct Pending {
    WriteBatch batch;
    CommitCallback done;
    std::string resume_key;  // non-empty: a resume_writes() marker, no batch
  };

  void run();
  // Fences, writes and answers one dequeued group. Writer thread only.
  void process_group(std::deque<Pending>& group);
  // Applies the batches group[i] for i in `indexes` in one transaction on conn_; on failure
  // sets *rc to SQLite's extended result code of the failing call. Writer thread only.
  Status write_group(const std::deque<Pending>& group, const std::vector<size_t>& indexes, int* rc);
  // Rate-limited logging of the outage: `batches` more requests failed; `failure` is the
  // write error (OK for batches that only hit a fence). REQUIRES: failure is not OK unless
  // failing_. Writer thread only.
  void note_failure(const Status& failure, size_t batches);
  void note_success();

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
  std::map<std::string, Status> fences_;  // ns '\0' workflow_id -> the failure that fenced it
  bool failing_ = false;                  // the last write attempt failed
  uint64_t failed_batches_ = 0;           // answered with an error since failing_ began
  uint64_t failed_since_log_ = 0;
  Status last_failure_;
  std::chrono::steady_clock::time_point last_failure_log_;

  std::thread thread_;  // last: starts after every member above is initialised
};

}  // namespace stead::server::persistence::sqlite
