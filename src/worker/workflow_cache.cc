#include "worker/workflow_cache.h"

namespace stead::worker {

std::shared_ptr<CachedRun> WorkflowCache::acquire(const std::string& run_id) {
  std::lock_guard lock(mu_);
  auto it = runs_.find(run_id);
  if (it != runs_.end()) {
    lru_.splice(lru_.begin(), lru_, it->second.position);
    return it->second.run;
  }
  lru_.push_front(run_id);
  auto run = std::make_shared<CachedRun>();
  runs_.emplace(run_id, Entry{run, lru_.begin()});
  trim();
  return run;
}

std::shared_ptr<CachedRun> WorkflowCache::find(const std::string& run_id) {
  std::lock_guard lock(mu_);
  auto it = runs_.find(run_id);
  return it == runs_.end() ? nullptr : it->second.run;
}

void WorkflowCache::evict(const std::string& run_id) {
  std::shared_ptr<CachedRun> dropped;  // destroyed outside the lock
  std::lock_guard lock(mu_);
  auto it = runs_.find(run_id);
  if (it == runs_.end()) return;
  dropped = std::move(it->second.run);
  lru_.erase(it->second.position);
  runs_.erase(it);
}

void WorkflowCache::clear() {
  std::map<std::string, Entry> dropped;
  std::lock_guard lock(mu_);
  dropped.swap(runs_);
  lru_.clear();
}

std::size_t WorkflowCache::size() const {
  std::lock_guard lock(mu_);
  return runs_.size();
}

void WorkflowCache::trim() {
  // Oldest first; a run whose task holds its mutex stays (it is evicted on a later trim).
  for (auto it = lru_.end(); runs_.size() > capacity_ && it != lru_.begin();) {
    --it;
    auto entry = runs_.find(*it);
    std::unique_lock run_lock(entry->second.run->mu, std::try_to_lock);
    if (!run_lock.owns_lock() || entry->second.run.use_count() > 1) continue;
    run_lock.unlock();
    runs_.erase(entry);
    it = lru_.erase(it);
  }
}

}  // namespace stead::worker
