// Store: the server's durable state, behind one interface so that SQLite (now) and
// PostgreSQL (later) are interchangeable.
//
// Contract:
// - All writes go through commit(). Batches are applied in the order commit() was called;
//   each batch is atomic, and concurrent batches are grouped into one transaction
//   (group commit) by a single writer thread.
// - `done` runs exactly once, on the writer thread, after the transaction holding the batch
//   has committed (or failed). It must not block and must not call commit_sync().
// - A failed commit (disk full, failed fsync, I/O error) fails with Unavailable whose message
//   starts "database write failed: " and names the cause. It also fences the workflow ids the
//   batch touched (its rows' (ns, workflow_id)): later batches touching a fenced id fail with
//   the same status without being written, because the caller built them on in-memory state
//   that included the failed batch. resume_writes(ns, workflow_id), queued like a commit,
//   lifts the fence for batches queued after it; the caller calls it once it has discarded
//   that in-memory state. Other workflow ids keep writing, so writes resume when the disk
//   does, without a restart.
// - Reads are synchronous, thread-safe, and see every batch whose `done` has run.
//
// Rows hold serialized protos (stead.server.v1.MutableState, temporal.api.history.v1.HistoryEvent,
// ...) as opaque bytes: what the server stores is what any SDK replays.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"

namespace stead::server::persistence {

// Identifies one run of a workflow.
struct RunKey {
  std::string ns;  // namespace name
  std::string workflow_id;
  std::string run_id;
};

struct NamespaceRow {
  std::string name;
  std::string record;  // serialized stead.server.v1.NamespaceRecord
};

// Upsert of one run's mutable state.
struct ExecutionRow {
  RunKey key;
  std::string mutable_state;  // serialized stead.server.v1.MutableState
  bool open = true;           // false once the run is closed; load_open_executions skips it
};

// Points (ns, workflow_id) at its newest run.
struct CurrentRunRow {
  std::string ns;
  std::string workflow_id;
  std::string run_id;
};

// One history event; (key, event_id) is unique. Re-inserting an existing event is an error.
struct HistoryRow {
  RunKey key;
  int64_t event_id = 0;
  std::string event;  // serialized temporal.api.history.v1.HistoryEvent
};

// Upsert of the visibility (list/count) record of one run.
struct VisibilityRow {
  RunKey key;
  std::string workflow_type;
  std::string task_queue;
  int32_t status = 0;               // temporal.api.enums.v1.WorkflowExecutionStatus
  int64_t start_time_ms = 0;        // unix millis
  int64_t execution_time_ms = 0;    // unix millis
  int64_t close_time_ms = 0;        // unix millis, 0 while open
  int64_t history_length = 0;
  int64_t history_size_bytes = 0;
  std::string memo;                 // serialized temporal.api.common.v1.Memo
  std::string search_attributes;    // serialized temporal.api.common.v1.SearchAttributes
  // The same attributes as a JSON object {"Name": value}, for filtering in SQL; produced by
  // visibility::search_attributes_to_json (server/visibility/search_attributes_json.h).
  // Empty = no attributes (stored as "{}"); text that is not valid JSON is also stored as "{}".
  std::string search_attributes_json;
  std::string parent_workflow_id;   // empty when none
  std::string parent_run_id;
};

struct WriteBatch {
  std::vector<NamespaceRow> namespaces;
  std::vector<ExecutionRow> executions;
  std::vector<CurrentRunRow> current_runs;
  std::vector<HistoryRow> events;
  std::vector<VisibilityRow> visibility;
  // Runs to delete entirely (retention): execution, events, visibility row, and the
  // current-run pointer if it still names the run. Applied after the writes above.
  std::vector<RunKey> deleted_runs;

  bool empty() const {
    return namespaces.empty() && executions.empty() && current_runs.empty() && events.empty() &&
           visibility.empty() && deleted_runs.empty();
  }
};

using CommitCallback = std::function<void(const Status&)>;

class Store {
 public:
  virtual ~Store() = default;
  Store() = default;
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Queues `batch` for the writer thread; see the contract above.
  virtual void commit(WriteBatch batch, CommitCallback done) = 0;

  // Lifts the fence a failed commit put on (ns, workflow_id) (see the contract above), in
  // queue order: batches queued before this call still fail. No-op when there is none.
  virtual void resume_writes(const std::string& ns, const std::string& workflow_id) = 0;

  // Commits and waits. REQUIRES: not called from the writer thread (i.e. not from a `done`).
  Status commit_sync(WriteBatch batch);

  virtual Status load_namespaces(std::vector<NamespaceRow>* out) = 0;
  // Every run whose last ExecutionRow had open = true.
  virtual Status load_open_executions(std::vector<ExecutionRow>* out) = 0;
  // Sets *found = false (and returns OK) when the run does not exist.
  virtual Status load_execution(const RunKey& key, ExecutionRow* out, bool* found) = 0;
  // Newest run of (ns, workflow_id); *found = false when the workflow id was never used.
  virtual Status current_run(const std::string& ns, const std::string& workflow_id,
                             std::string* run_id, bool* found) = 0;
  // Events with first_event_id <= event_id <= last_event_id, ascending, at most max_events.
  virtual Status read_history(const RunKey& key, int64_t first_event_id, int64_t last_event_id,
                              size_t max_events, std::vector<std::string>* events) = 0;
  // Visibility rows of a namespace matching a parameterised SQL condition over the columns
  // of VisibilityRow (empty = all); paging by offset. `order_by_sql` empty = newest start
  // first; otherwise rows are ordered by it (a list of `expr ASC|DESC`, no placeholders), then
  // by run_id, so pages are stable. `where_sql` and `order_by_sql` are produced by the
  // list-filter translator (server/visibility/list_query.h), never from user text directly.
  virtual Status list_visibility(const std::string& ns, const std::string& where_sql,
                                 const std::vector<std::string>& params, size_t offset,
                                 size_t limit, std::vector<VisibilityRow>* out,
                                 const std::string& order_by_sql) = 0;
  virtual Status count_visibility(const std::string& ns, const std::string& where_sql,
                                  const std::vector<std::string>& params, int64_t* count) = 0;
  // Blocks until every batch queued before this call has committed; then stops the writer.
  // Idempotent. Later commits fail with Unavailable.
  virtual void close() = 0;
};

// Opens (creating if needed) a SQLite store. `path` empty = private in-memory database.
// File databases use WAL mode with synchronous=FULL so a committed batch survives SIGKILL
// and power loss.
Status open_sqlite_store(const std::string& path, std::unique_ptr<Store>* out);

}  // namespace stead::server::persistence
