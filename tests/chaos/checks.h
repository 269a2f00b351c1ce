// What the chaos harness verifies once the kills are over (see docs/reliability.md).
//
// Each check returns one line per violation; empty means it holds.
#pragma once

#include <string>
#include <vector>

#include "stead/client.h"

namespace chaos {

// A start the server acknowledged: the driver got a run id back.
struct Acknowledged {
  int n = 0;
  std::string workflow_id;
  std::string run_id;
};

struct HistoryCheck {
  int runs = 0;  // runs listed in the namespace (workflows and their children)
  std::vector<std::string> failures;
};

// Every run in the namespace: closed exactly once (one close event, the last one), event ids
// 1..n without gaps, one run per workflow id, completed; activity attempts within their retry
// policy and each activity closed once; each acknowledged start present with the result
// workload.h expects.
HistoryCheck check_histories(const stead::Client& client, const std::vector<Acknowledged>& acknowledged);

// Every attempt the workers logged is within the retry policy's maximum attempts.
std::vector<std::string> check_attempt_log(const std::string& path);

// PRAGMA integrity_check on the database file (the server must be stopped).
std::vector<std::string> check_integrity(const std::string& db_path);

}  // namespace chaos
