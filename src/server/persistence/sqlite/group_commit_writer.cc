#include "server/persistence/sqlite/group_commit_writer.h"

#include <sqlite3.h>

#include <utility>

#include "server/persistence/sqlite/batch_applier.h"

#if defined(__linux__)
#include <pthread.h>
#endif

namespace stead::server::persistence::sqlite {

GroupCommitWriter::GroupCommitWriter(Connection* conn, std::mutex* conn_mu)
    : conn_(conn), conn_mu_(conn_mu), thread_([this] { run(); }) {}

GroupCommitWriter::~GroupCommitWriter() { close(); }

void GroupCommitWriter::commit(WriteBatch batch, CommitCallback done) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stopping_) {
      queue_.push_back(Pending{std::move(batch), std::move(done)});
      cv_.notify_one();
      return;
    }
  }
  if (done) done(Status::Unavailable("sqlite store is closed"));
}

void GroupCommitWriter::close() {
  std::lock_guard<std::mutex> close_lock(close_mu_);
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    cv_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
}

uint64_t GroupCommitWriter::groups_committed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return groups_committed_;
}

void GroupCommitWriter::run() {
#if defined(__linux__)
  pthread_setname_np(pthread_self(), "stead-sqlite-wr");
#endif
  for (;;) {
    std::deque<Pending> group;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything queued before close() is done
      group.swap(queue_);
    }
    Status s = broken_.ok() ? write_group(group) : broken_;
    if (s.ok()) {
      std::lock_guard<std::mutex> lock(mu_);
      ++groups_committed_;
    } else {
      broken_ = s;
    }
    for (Pending& p : group) {
      if (p.done) p.done(s);
    }
  }
}

Status GroupCommitWriter::write_group(const std::deque<Pending>& group) {
  std::unique_lock<std::mutex> conn_lock;
  if (conn_mu_ != nullptr) conn_lock = std::unique_lock<std::mutex>(*conn_mu_);

  // IMMEDIATE takes the write lock up front, so a conflict with another process surfaces
  // here (after busy_timeout) and never half-way through the batches.
  ScopedStatement begin;
  Status s = conn_->cached("BEGIN IMMEDIATE", "begin transaction", &begin);
  if (s.ok()) s = begin->run();
  if (!s.ok()) return s;

  for (const Pending& p : group) {
    s = apply_batch(*conn_, p.batch);
    if (!s.ok()) break;
  }
  if (s.ok()) {
    ScopedStatement commit;
    s = conn_->cached("COMMIT", "commit transaction", &commit);
    if (s.ok()) s = commit->run();
  }
  // A failed COMMIT may already have rolled back (e.g. SQLITE_FULL); only an open
  // transaction needs, and accepts, ROLLBACK.
  if (!s.ok() && sqlite3_get_autocommit(conn_->handle()) == 0) {
    conn_->exec("ROLLBACK", "roll back transaction");  // the first error is the one to report
  }
  return s;
}

}  // namespace stead::server::persistence::sqlite
