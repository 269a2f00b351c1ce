#include "server/persistence/sqlite/group_commit_writer.h"

#include <sqlite3.h>

#include <algorithm>
#include <utility>

#include "common/log.h"
#include "server/persistence/sqlite/batch_applier.h"
#include "server/persistence/sqlite/error.h"

#if defined(__linux__)
#include <pthread.h>
#endif

namespace stead::server::persistence::sqlite {

namespace {

// While writes keep failing, one log line per interval says how many requests were refused.
constexpr std::chrono::seconds kFailureLogInterval{10};

std::string fence_key(const std::string& ns, const std::string& workflow_id) {
  std::string key = ns;
  key.push_back('\0');
  key += workflow_id;
  return key;
}

// The workflow ids whose rows `batch` writes (namespace rows belong to none).
std::vector<std::string> workflow_keys(const WriteBatch& batch) {
  std::vector<std::string> keys;
  auto add = [&keys](const std::string& ns, const std::string& workflow_id) {
    std::string key = fence_key(ns, workflow_id);
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(std::move(key));
  };
  for (const auto& row : batch.executions) add(row.key.ns, row.key.workflow_id);
  for (const auto& row : batch.current_runs) add(row.ns, row.workflow_id);
  for (const auto& row : batch.events) add(row.key.ns, row.key.workflow_id);
  for (const auto& row : batch.visibility) add(row.key.ns, row.key.workflow_id);
  for (const auto& key : batch.deleted_runs) add(key.ns, key.workflow_id);
  return keys;
}

}  // namespace

GroupCommitWriter::GroupCommitWriter(Connection* conn, std::mutex* conn_mu)
    : conn_(conn), conn_mu_(conn_mu), thread_([this] { run(); }) {}

GroupCommitWriter::~GroupCommitWriter() { close(); }

void GroupCommitWriter::commit(WriteBatch batch, CommitCallback done) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stopping_) {
      queue_.push_back(Pending{std::move(batch), std::move(done), {}});
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

void GroupCommitWriter::resume_writes(const std::string& ns, const std::string& workflow_id) {
  std::lock_guard<std::mutex> lock(mu_);
  if (stopping_) return;  // nothing is written after close() anyway
  queue_.push_back(Pending{{}, nullptr, fence_key(ns, workflow_id)});
  cv_.notify_one();
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
    process_group(group);
  }
}

void GroupCommitWriter::process_group(std::deque<Pending>& group) {
  // Fences first, in queue order: a batch behind a failure of its workflow id was built on
  // in-memory state the caller is about to discard, so it must not reach the database.
  std::vector<Status> results(group.size());
  std::vector<size_t> to_write;
  size_t fenced = 0;
  for (size_t i = 0; i < group.size(); ++i) {
    Pending& p = group[i];
    if (!p.resume_key.empty()) {
      fences_.erase(p.resume_key);
      continue;
    }
    std::vector<std::string> keys = workflow_keys(p.batch);
    const Status* fence = nullptr;
    for (const auto& key : keys) {
      auto it = fences_.find(key);
      if (it != fences_.end()) {
        fence = &it->second;
        break;
      }
    }
    if (fence == nullptr) {
      to_write.push_back(i);
      continue;
    }
    results[i] = *fence;
    for (const auto& key : keys) fences_.emplace(key, results[i]);
    ++fenced;
  }

  int rc = SQLITE_OK;
  Status s = to_write.empty() ? Status::Ok() : write_group(group, to_write, &rc);
  if (!s.ok()) {
    Status failure = Status::Unavailable("database write failed: " + write_failure_cause(rc) + " (" +
                                         s.message() + ")");
    for (size_t i : to_write) {
      results[i] = failure;
      for (const auto& key : workflow_keys(group[i].batch)) fences_[key] = failure;
    }
    note_failure(failure, to_write.size());
  } else if (!to_write.empty()) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++groups_committed_;
    }
    note_success();
  }
  // Fenced batches count toward an ongoing outage; once it is over they are its leftovers.
  if (failing_ && fenced > 0) note_failure(Status::Ok(), fenced);
  for (size_t i = 0; i < group.size(); ++i) {
    if (group[i].done) group[i].done(results[i]);
  }
}

void GroupCommitWriter::note_failure(const Status& failure, size_t batches) {
  const auto now = std::chrono::steady_clock::now();
  failed_batches_ += batches;
  if (!failing_) {
    failing_ = true;
    last_failure_ = failure;
    failed_since_log_ = 0;
    last_failure_log_ = now;
    STEAD_LOG(kError) << failure.message()
                      << "; writes to the affected workflows answer UNAVAILABLE, reads keep working, "
                         "and writing resumes by itself once a write succeeds";
    return;
  }
  failed_since_log_ += batches;
  if (!failure.ok()) last_failure_ = failure;
  if (now - last_failure_log_ >= kFailureLogInterval) {
    STEAD_LOG(kError) << "database writes still failing: " << failed_since_log_ << " requests refused in the last "
                      << std::chrono::duration_cast<std::chrono::seconds>(now - last_failure_log_).count()
                      << " s; last error: " << last_failure_.message();
    failed_since_log_ = 0;
    last_failure_log_ = now;
  }
}

void GroupCommitWriter::note_success() {
  if (!failing_) return;
  STEAD_LOG(kWarn) << "database writes succeed again (" << failed_batches_
                   << " requests were refused while they failed)";
  failing_ = false;
  failed_batches_ = 0;
}

Status GroupCommitWriter::write_group(const std::deque<Pending>& group, const std::vector<size_t>& indexes,
                                      int* rc) {
  std::unique_lock<std::mutex> conn_lock;
  if (conn_mu_ != nullptr) conn_lock = std::unique_lock<std::mutex>(*conn_mu_);

  // IMMEDIATE takes the write lock up front, so a conflict with another process surfaces
  // here (after busy_timeout) and never half-way through the batches.
  ScopedStatement begin;
  Status s = conn_->cached("BEGIN IMMEDIATE", "begin transaction", &begin);
  if (s.ok()) s = begin->run();
  if (!s.ok()) {
    *rc = sqlite3_extended_errcode(conn_->handle());
    return s;
  }

  for (size_t i : indexes) {
    s = apply_batch(*conn_, group[i].batch);
    if (!s.ok()) break;
  }
  if (s.ok()) {
    ScopedStatement commit;
    s = conn_->cached("COMMIT", "commit transaction", &commit);
    if (s.ok()) s = commit->run();
  }
  if (!s.ok()) *rc = sqlite3_extended_errcode(conn_->handle());  // before ROLLBACK replaces it
  // A failed COMMIT may already have rolled back (e.g. SQLITE_FULL); only an open
  // transaction needs, and accepts, ROLLBACK.
  if (!s.ok() && sqlite3_get_autocommit(conn_->handle()) == 0) {
    conn_->exec("ROLLBACK", "roll back transaction");  // the first error is the one to report
  }
  return s;
}

}  // namespace stead::server::persistence::sqlite
