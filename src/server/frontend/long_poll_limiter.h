// LongPollLimiter: a cap on concurrent long-running calls per namespace and method.
//
// Temporal's frontend counts long polls (PollWorkflowTaskQueue, PollActivityTaskQueue,
// PollWorkflowExecutionUpdate, GetWorkflowExecutionHistory with wait_new_event) and calls that
// wait for a worker (QueryWorkflow, UpdateWorkflowExecution) per namespace and per method,
// and fails the call that would exceed the cap with RESOURCE_EXHAUSTED "namespace concurrent
// poller limit exceeded" (dynamic config frontend.namespaceCount, default 1200). Without a
// cap, one client could pile up polls until the server runs out of memory.
//
// Thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/status.h"

namespace stead::server::frontend {

class LongPollLimiter {
 public:
  // `limit` <= 0 refuses every long poll (as Temporal does for 0).
  explicit LongPollLimiter(int limit) : limit_(limit), counts_(std::make_shared<Counts>()) {}

  // A slot for one call of `method` in namespace `ns`, released when the last copy of the
  // returned handle is destroyed (which may happen after the limiter is gone).
  // RESOURCE_EXHAUSTED (with a ResourceExhaustedFailure detail: cause CONCURRENT_LIMIT, scope
  // NAMESPACE) when `limit` calls already hold one.
  Status acquire(const std::string& ns, const std::string& method, std::shared_ptr<void>* slot);

  // Slots held now for (ns, method); for tests.
  int in_use(const std::string& ns, const std::string& method) const;

  struct Usage {
    std::string ns, method;
    int in_use = 0;
  };
  // Every (ns, method) holding slots now, with their number (the metrics gauge).
  std::vector<Usage> usage() const;

 private:
  struct Counts {
    std::mutex mu;
    std::unordered_map<std::string, int> in_use;  // "ns/method" -> slots; guarded by mu
  };

  const int limit_;
  const std::shared_ptr<Counts> counts_;  // shared with the slots handed out
};

}  // namespace stead::server::frontend
