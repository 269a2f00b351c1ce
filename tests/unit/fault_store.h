// FaultStore: a persistence::Store that passes batches to a real store until the test arms a
// fault, so a test can stop the server at an exact point between two commits.
//
// - crash_before(match): the first batch `match` accepts, and every batch after it, is never
//   written and never answered, as if the process had died just before that commit. What is
//   on disk is exactly the batches before it; the test then destroys the engine and reopens
//   the same file.
// - hold_reply(match): the first batch `match` accepts is written, but its `done` callback is
//   held (later batches pass) until release_held() runs it, or close() drops it (a crash right
//   after that commit, before its effects).
//
// Thread-safe; reads go straight to the inner store.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "server/persistence/store.h"
#include "temporal/api/history/v1/message.pb.h"

namespace stead::server::persistence {

class FaultStore : public Store {
 public:
  using Match = std::function<bool(const WriteBatch&)>;

  explicit FaultStore(std::unique_ptr<Store> inner) : inner_(std::move(inner)) {}

  void crash_before(Match match) {
    std::lock_guard lock(mu_);
    crash_match_ = std::move(match);
  }
  void hold_reply(Match match) {
    std::lock_guard lock(mu_);
    hold_match_ = std::move(match);
  }
  bool crashed() const {
    std::lock_guard lock(mu_);
    return crashed_;
  }
  bool holding() const {
    std::lock_guard lock(mu_);
    return held_.has_value();
  }
  // Runs the held callback with the real commit's status.
  void release_held() {
    std::optional<std::pair<CommitCallback, Status>> held;
    {
      std::lock_guard lock(mu_);
      held.swap(held_);
    }
    if (held) held->first(held->second);
  }

  void commit(WriteBatch batch, CommitCallback done) override {
    std::unique_lock lock(mu_);
    if (crashed_ || (crash_match_ && crash_match_(batch))) {
      crashed_ = true;
      return;  // never written, never answered
    }
    if (hold_match_ && hold_match_(batch)) {
      hold_match_ = nullptr;
      lock.unlock();
      inner_->commit(std::move(batch), [this, done = std::move(done)](const Status& status) {
        std::lock_guard lock(mu_);
        held_.emplace(done, status);
      });
      return;
    }
    lock.unlock();
    inner_->commit(std::move(batch), std::move(done));
  }

  void resume_writes(const std::string& ns, const std::string& workflow_id) override {
    {
      std::lock_guard lock(mu_);
      if (crashed_) return;  // the process is "dead": nothing after the crash point runs
    }
    inner_->resume_writes(ns, workflow_id);
  }

  Status load_namespaces(std::vector<NamespaceRow>* out) override { return inner_->load_namespaces(out); }
  Status load_open_executions(std::vector<ExecutionRow>* out) override { return inner_->load_open_executions(out); }
  Status load_execution(const RunKey& key, ExecutionRow* out, bool* found) override {
    return inner_->load_execution(key, out, found);
  }
  Status current_run(const std::string& ns, const std::string& workflow_id, std::string* run_id,
                     bool* found) override {
    return inner_->current_run(ns, workflow_id, run_id, found);
  }
  Status read_history(const RunKey& key, int64_t first, int64_t last, size_t max_events,
                      std::vector<std::string>* events) override {
    return inner_->read_history(key, first, last, max_events, events);
  }
  Status list_visibility(const std::string& ns, const std::string& where_sql, const std::vector<std::string>& params,
                         size_t offset, size_t limit, std::vector<VisibilityRow>* out,
                         const std::string& order_by_sql) override {
    return inner_->list_visibility(ns, where_sql, params, offset, limit, out, order_by_sql);
  }
  Status count_visibility(const std::string& ns, const std::string& where_sql, const std::vector<std::string>& params,
                          int64_t* count) override {
    return inner_->count_visibility(ns, where_sql, params, count);
  }
  void close() override {
    inner_->close();
    std::lock_guard lock(mu_);
    held_.reset();  // a crash: the held effects never happen
  }

 private:
  std::unique_ptr<Store> inner_;
  mutable std::mutex mu_;
  Match crash_match_;
  Match hold_match_;
  bool crashed_ = false;
  std::optional<std::pair<CommitCallback, Status>> held_;
};

// A Match for batches that write an event of `type` (for the run `workflow_id`, if given).
inline FaultStore::Match writes_event(temporal::api::enums::v1::EventType type, const std::string& workflow_id = "") {
  return [type, workflow_id](const WriteBatch& batch) {
    for (const auto& row : batch.events) {
      if (!workflow_id.empty() && row.key.workflow_id != workflow_id) continue;
      temporal::api::history::v1::HistoryEvent event;
      if (event.ParseFromString(row.event) && event.event_type() == type) return true;
    }
    return false;
  };
}

}  // namespace stead::server::persistence
