#include "checks.h"

#include <sqlite3.h>

#include <chrono>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "stead/errors.h"
#include "workload.h"

namespace chaos {
namespace {

namespace enums = temporal::api::enums::v1;
using temporal::api::history::v1::HistoryEvent;

bool is_close(enums::EventType type) {
  switch (type) {
    case enums::EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED:
    case enums::EVENT_TYPE_WORKFLOW_EXECUTION_FAILED:
    case enums::EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED:
    case enums::EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED:
    case enums::EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT:
    case enums::EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
      return true;
    default:
      return false;
  }
}

// The scheduled event id an activity's close event refers to (0: not an activity close).
int64_t activity_closed(const HistoryEvent& e) {
  switch (e.event_type()) {
    case enums::EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
      return e.activity_task_completed_event_attributes().scheduled_event_id();
    case enums::EVENT_TYPE_ACTIVITY_TASK_FAILED:
      return e.activity_task_failed_event_attributes().scheduled_event_id();
    case enums::EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT:
      return e.activity_task_timed_out_event_attributes().scheduled_event_id();
    case enums::EVENT_TYPE_ACTIVITY_TASK_CANCELED:
      return e.activity_task_canceled_event_attributes().scheduled_event_id();
    default:
      return 0;
  }
}

// Reads with retries: the server may still be busy recovering.
template <class F>
auto with_retries(F&& f) {
  for (int attempt = 1;; ++attempt) {
    try {
      return f();
    } catch (const stead::RPCError& e) {
      if (attempt >= 50 || e.code() != stead::RpcCode::kUnavailable) throw;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
}

void check_run(const std::string& where, const stead::History& history, std::vector<std::string>& failures) {
  const auto& events = history.events();
  if (events.empty()) {
    failures.push_back(where + ": empty history");
    return;
  }
  if (events[0].event_type() != enums::EVENT_TYPE_WORKFLOW_EXECUTION_STARTED)
    failures.push_back(where + ": first event is not WorkflowExecutionStarted");
  int closes = 0;
  std::map<int64_t, int32_t> max_attempts;  // scheduled event id -> retry policy's maximum
  std::map<int64_t, int> activity_closes;
  for (int i = 0; i < events.size(); ++i) {
    const auto& e = events[i];
    if (e.event_id() != i + 1) {
      failures.push_back(where + ": event " + std::to_string(i + 1) + " has id " + std::to_string(e.event_id()));
      return;
    }
    if (is_close(e.event_type())) {
      ++closes;
      if (i + 1 != events.size()) failures.push_back(where + ": close event " + std::to_string(e.event_id()) + " is not last");
    }
    if (e.event_type() == enums::EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) {
      max_attempts[e.event_id()] = e.activity_task_scheduled_event_attributes().retry_policy().maximum_attempts();
      activity_closes[e.event_id()] = 0;
    }
    if (e.event_type() == enums::EVENT_TYPE_ACTIVITY_TASK_STARTED) {
      const auto& a = e.activity_task_started_event_attributes();
      int32_t max = max_attempts.count(a.scheduled_event_id()) ? max_attempts[a.scheduled_event_id()] : -1;
      if (max < 0) failures.push_back(where + ": ActivityTaskStarted for an unknown activity");
      if (a.attempt() < 1 || (max > 0 && a.attempt() > max))
        failures.push_back(where + ": activity attempt " + std::to_string(a.attempt()) + " of at most " + std::to_string(max));
    }
    if (int64_t scheduled = activity_closed(e)) ++activity_closes[scheduled];
  }
  if (closes != 1) failures.push_back(where + ": " + std::to_string(closes) + " close events");
  for (const auto& [scheduled, n] : activity_closes) {
    if (n != 1) failures.push_back(where + ": activity " + std::to_string(scheduled) + " closed " + std::to_string(n) + " times");
  }
}

}  // namespace

HistoryCheck check_histories(const stead::Client& client, const std::vector<Acknowledged>& acknowledged) {
  HistoryCheck out;
  auto runs = with_retries([&] { return client.list_workflows(""); });
  out.runs = static_cast<int>(runs.size());
  std::map<std::string, std::vector<std::string>> runs_of;  // workflow id -> run ids
  std::map<std::string, stead::History> histories;         // run id -> history
  for (const auto& run : runs) {
    runs_of[run.workflow_id].push_back(run.run_id);
    std::string where = run.workflow_id + "/" + run.run_id;
    if (run.status != stead::WorkflowExecutionStatus::kCompleted)
      out.failures.push_back(where + ": status " + std::to_string(static_cast<int>(run.status)) + ", not completed");
    auto history = with_retries([&] { return client.get_workflow_handle(run.workflow_id, run.run_id).fetch_history(); });
    check_run(where, history, out.failures);
    histories[run.run_id] = std::move(history);
  }
  for (const auto& [id, ids] : runs_of) {
    if (ids.size() != 1) out.failures.push_back(id + ": " + std::to_string(ids.size()) + " runs");
  }
  for (const auto& ack : acknowledged) {
    std::string where = ack.workflow_id + "/" + ack.run_id;
    auto it = histories.find(ack.run_id);
    if (it == histories.end()) {
      out.failures.push_back(where + ": acknowledged start missing");
      continue;
    }
    const auto& events = it->second.events();
    const auto& last = events[events.size() - 1];
    std::string want = "\"" + expected_result(ack.n) + "\"";
    if (last.event_type() != enums::EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED ||
        last.workflow_execution_completed_event_attributes().result().payloads_size() != 1 ||
        last.workflow_execution_completed_event_attributes().result().payloads(0).data() != want) {
      out.failures.push_back(where + ": result is not " + want + ": " + last.ShortDebugString().substr(0, 300));
    }
    if (has_child(ack.n) && !runs_of.count(ack.workflow_id + "-child"))
      out.failures.push_back(where + ": child run missing");
  }
  return out;
}

std::vector<std::string> check_attempt_log(const std::string& path) {
  std::vector<std::string> failures;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string workflow_id, activity_id;
    int attempt = 0;
    if (!(fields >> workflow_id >> activity_id >> attempt)) {
      failures.push_back("attempt log: malformed line: " + line);
    } else if (attempt < 1 || attempt > kMaxActivityAttempts) {
      failures.push_back("attempt log: " + line + ": attempt outside 1.." + std::to_string(kMaxActivityAttempts));
    }
  }
  return failures;
}

std::vector<std::string> check_integrity(const std::string& db_path) {
  std::vector<std::string> failures;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    failures.push_back("integrity: cannot open " + db_path + ": " + sqlite3_errmsg(db));
    sqlite3_close(db);
    return failures;
  }
  sqlite3_stmt* stmt = nullptr;
  std::vector<std::string> rows;
  if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &stmt, nullptr) == SQLITE_OK) {
    while (sqlite3_step(stmt) == SQLITE_ROW) rows.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)));
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  if (rows != std::vector<std::string>{"ok"}) {
    failures.push_back("integrity_check did not answer ok:");
    for (auto& r : rows) failures.push_back("  " + r);
  }
  return failures;
}

}  // namespace chaos
