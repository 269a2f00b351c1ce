// WorkflowCache: the runs a worker keeps in memory between workflow tasks (the sticky cache).
// A cached run's next task carries only the new events; a run that is not cached is replayed
// from its full history. Least recently used runs are evicted beyond `capacity` (runs in use
// by a task are skipped and evicted later).
//
// Thread safety: all methods are thread-safe. A CachedRun's `mu` serializes the tasks of one
// run (a workflow task and a legacy query may arrive together).
#pragma once

#include <cstddef>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "worker/workflow/workflow_runtime.h"

namespace stead::worker {

struct CachedRun {
  std::mutex mu;
  std::unique_ptr<WorkflowRuntime> runtime;  // guarded by mu; null until the first task
};

class WorkflowCache {
 public:
  explicit WorkflowCache(std::size_t capacity) : capacity_(capacity) {}

  // The entry of `run_id`, created if absent, marked most recently used.
  std::shared_ptr<CachedRun> acquire(const std::string& run_id);
  // The entry of `run_id` if cached (nullptr otherwise).
  std::shared_ptr<CachedRun> find(const std::string& run_id);
  // Forgets the run (its runtime is destroyed with the last reference).
  void evict(const std::string& run_id);
  void clear();
  std::size_t size() const;

 private:
  void trim();  // REQUIRES: mu_ held

  const std::size_t capacity_;
  mutable std::mutex mu_;
  std::list<std::string> lru_;  // front: most recently used
  struct Entry {
    std::shared_ptr<CachedRun> run;
    std::list<std::string>::iterator position;
  };
  std::map<std::string, Entry> runs_;
};

}  // namespace stead::worker
