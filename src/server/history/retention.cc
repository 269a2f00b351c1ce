// Housekeeping: namespace retention (closed runs older than the retention period are deleted
// from the store) and eviction of closed runs from memory (they reload from the store on demand).
#include "common/log.h"
#include "server/history/engine.h"
#include "server/history/mutation.h"

namespace stead::server::history {

namespace {
constexpr size_t kDeleteBatch = 500;
}  // namespace

// A closed run nothing refers to any more can leave memory. REQUIRES: entry locked.
static bool evictable(const Run& run) {
  return !run.open() && run.committed_close_event_id != 0 && run.pending_commits == 0 && run.waiters.empty() &&
         run.admitted_updates.empty() && run.buffered_query_ids.empty() && run.attached_query_ids.empty();
}

namespace {
// The key of a run in Engine::deleting_runs_.
std::string run_key_string(const persistence::RunKey& key) {
  std::string out = key.ns;
  out.push_back('\0');
  out += key.workflow_id;
  out.push_back('\0');
  out += key.run_id;
  return out;
}
}  // namespace

void Engine::sweep() {
  // 1. Retention: delete closed runs whose close is older than their namespace's retention.
  for (const auto& record : list_namespaces()) {
    Duration retention = from_proto(record.retention());
    if (retention <= Duration::zero()) continue;
    int64_t cutoff = to_unix_millis(add_saturating(clock_.now(), -retention));
    std::vector<persistence::VisibilityRow> rows;
    Status s = store_.list_visibility(record.name(), "close_time_ms > 0 AND close_time_ms < CAST(? AS INTEGER)",
                                      {std::to_string(cutoff)}, 0, kDeleteBatch, &rows, "close_time_ms ASC");
    if (!s.ok()) {
      STEAD_LOG(kWarn) << "retention sweep of namespace " << record.name() << " failed: " << s.ToString();
      continue;
    }
    size_t deleted = 0;
    for (const auto& row : rows) {
      auto entry = entry_for(row.key.ns, row.key.workflow_id);
      std::lock_guard lock(entry->mu);
      auto it = entry->runs.find(row.key.run_id);
      if (it != entry->runs.end()) {
        if (!evictable(*it->second)) continue;  // busy: next sweep
        entry->runs.erase(it);
      }
      if (entry->current_run_id == row.key.run_id) entry->current_run_id.clear();
      const std::string pending = run_key_string(row.key);
      {
        std::lock_guard deleting(deleting_mu_);
        deleting_runs_.insert(pending);
      }
      ++deleted;
      persistence::WriteBatch batch;
      batch.deleted_runs.push_back(row.key);
      // Queued under the entry lock, like every other change of this workflow id.
      store_.commit(std::move(batch), [this, key = row.key, pending](const Status& st) {
        if (!st.ok()) STEAD_LOG(kWarn) << "retention: deleting " << key.workflow_id << " failed: " << st.ToString();
        std::lock_guard deleting(deleting_mu_);
        deleting_runs_.erase(pending);
      });
    }
    if (deleted > 0) STEAD_LOG(kInfo) << "retention: deleting " << deleted << " closed runs of " << record.name();
  }

  // 2. Memory: closed runs reload from the store when asked for; open ones stay.
  std::vector<std::pair<std::string, std::shared_ptr<WorkflowEntry>>> entries;
  {
    std::lock_guard lock(entries_mu_);
    entries.assign(entries_.begin(), entries_.end());
  }
  for (auto& [key, entry] : entries) {
    std::lock_guard lock(entry->mu);
    for (auto it = entry->runs.begin(); it != entry->runs.end();) {
      it = evictable(*it->second) ? entry->runs.erase(it) : std::next(it);
    }
  }
  // An entry may go only when nobody else holds it: new holders need entries_mu_ to get one.
  std::lock_guard lock(entries_mu_);
  for (auto& [key, entry] : entries) {
    auto it = entries_.find(key);
    entry.reset();
    if (it == entries_.end() || it->second.use_count() != 1) continue;
    std::lock_guard entry_lock(it->second->mu);
    if (it->second->runs.empty()) entries_.erase(it);
  }
}

bool Engine::deletion_pending(const persistence::RunKey& key) {
  std::lock_guard deleting(deleting_mu_);
  return !deleting_runs_.empty() && deleting_runs_.count(run_key_string(key)) > 0;
}

void Engine::schedule_sweep() {
  real_timers_.schedule(std::chrono::system_clock::now() + config_.sweep_interval, [this] {
    executor_.post([this] {
      if (stopping_) return;
      sweep();
      schedule_sweep();
    });
  });
}

}  // namespace stead::server::history
