#include "server/persistence/sqlite/batch_applier.h"

namespace stead::server::persistence::sqlite {

namespace {

Status put_namespace(Connection& conn, const NamespaceRow& row) {
  ScopedStatement stmt;
  STEAD_RETURN_IF_ERROR(conn.cached(
      "INSERT INTO namespaces (name, record) VALUES (?, ?) "
      "ON CONFLICT (name) DO UPDATE SET record = excluded.record",
      "write namespace", &stmt));
  stmt->bind_text(1, row.name);
  stmt->bind_blob(2, row.record);
  return stmt->run();
}

Status put_execution(Connection& conn, const ExecutionRow& row) {
  ScopedStatement stmt;
  STEAD_RETURN_IF_ERROR(conn.cached(
      "INSERT INTO executions (ns, workflow_id, run_id, mutable_state, open) "
      "VALUES (?, ?, ?, ?, ?) "
      "ON CONFLICT (ns, workflow_id, run_id) DO UPDATE SET "
      "mutable_state = excluded.mutable_state, open = excluded.open",
      "write execution", &stmt));
  stmt->bind_text(1, row.key.ns);
  stmt->bind_text(2, row.key.workflow_id);
  stmt->bind_text(3, row.key.run_id);
  stmt->bind_blob(4, row.mutable_state);
  stmt->bind_int64(5, row.open ? 1 : 0);
  return stmt->run();
}

Status put_current_run(Connection& conn, const CurrentRunRow& row) {
  ScopedStatement stmt;
  STEAD_RETURN_IF_ERROR(conn.cached(
      "INSERT INTO current_runs (ns, workflow_id, run_id) VALUES (?, ?, ?) "
      "ON CONFLICT (ns, workflow_id) DO UPDATE SET run_id = excluded.run_id",
      "write current run", &stmt));
  stmt->bind_text(1, row.ns);
  stmt->bind_text(2, row.workflow_id);
  stmt->bind_text(3, row.run_id);
  return stmt->run();
}

Status insert_event(Connection& conn, const HistoryRow& row) {
  ScopedStatement stmt;
  STEAD_RETURN_IF_ERROR(conn.cached(
      "INSERT INTO history_events (ns, workflow_id, run_id, event_id, data) "
      "VALUES (?, ?, ?, ?, ?)",
      "write history event", &stmt));
  stmt->bind_text(1, row.key.ns);
  stmt->bind_text(2, row.key.workflow_id);
  stmt->bind_text(3, row.key.run_id);
  stmt->bind_int64(4, row.event_id);
  stmt->bind_blob(5, row.event);
  return stmt->run();
}

Status put_visibility(Connection& conn, const VisibilityRow& row) {
  ScopedStatement stmt;
  // ?16 is stored only if it is valid JSON: one malformed row must not make every
  // json_extract / json_each over the table fail.
  STEAD_RETURN_IF_ERROR(conn.cached(
      "INSERT INTO visibility (ns, workflow_id, run_id, workflow_type, task_queue, status, "
      "start_time_ms, execution_time_ms, close_time_ms, history_length, history_size_bytes, "
      "memo, search_attributes, parent_workflow_id, parent_run_id, search_attributes_json) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, "
      "iif(json_valid(?16), ?16, '{}')) "
      "ON CONFLICT (ns, workflow_id, run_id) DO UPDATE SET "
      "workflow_type = excluded.workflow_type, task_queue = excluded.task_queue, "
      "status = excluded.status, start_time_ms = excluded.start_time_ms, "
      "execution_time_ms = excluded.execution_time_ms, "
      "close_time_ms = excluded.close_time_ms, history_length = excluded.history_length, "
      "history_size_bytes = excluded.history_size_bytes, memo = excluded.memo, "
      "search_attributes = excluded.search_attributes, "
      "parent_workflow_id = excluded.parent_workflow_id, "
      "parent_run_id = excluded.parent_run_id, "
      "search_attributes_json = excluded.search_attributes_json",
      "write visibility", &stmt));
  stmt->bind_text(1, row.key.ns);
  stmt->bind_text(2, row.key.workflow_id);
  stmt->bind_text(3, row.key.run_id);
  stmt->bind_text(4, row.workflow_type);
  stmt->bind_text(5, row.task_queue);
  stmt->bind_int64(6, row.status);
  stmt->bind_int64(7, row.start_time_ms);
  stmt->bind_int64(8, row.execution_time_ms);
  stmt->bind_int64(9, row.close_time_ms);
  stmt->bind_int64(10, row.history_length);
  stmt->bind_int64(11, row.history_size_bytes);
  stmt->bind_blob(12, row.memo);
  stmt->bind_blob(13, row.search_attributes);
  stmt->bind_text(14, row.parent_workflow_id);
  stmt->bind_text(15, row.parent_run_id);
  stmt->bind_text(16, row.search_attributes_json);
  return stmt->run();
}

Status delete_run(Connection& conn, const RunKey& key) {
  static constexpr std::pair<const char*, const char*> kDeletes[] = {
      {"DELETE FROM history_events WHERE ns = ? AND workflow_id = ? AND run_id = ?", "delete history"},
      {"DELETE FROM executions WHERE ns = ? AND workflow_id = ? AND run_id = ?", "delete execution"},
      {"DELETE FROM visibility WHERE ns = ? AND workflow_id = ? AND run_id = ?", "delete visibility"},
      {"DELETE FROM current_runs WHERE ns = ? AND workflow_id = ? AND run_id = ?", "delete current run"},
  };
  for (const auto& [sql, what] : kDeletes) {
    ScopedStatement stmt;
    STEAD_RETURN_IF_ERROR(conn.cached(sql, what, &stmt));
    stmt->bind_text(1, key.ns);
    stmt->bind_text(2, key.workflow_id);
    stmt->bind_text(3, key.run_id);
    STEAD_RETURN_IF_ERROR(stmt->run());
  }
  return Status::Ok();
}

}  // namespace

Status apply_batch(Connection& conn, const WriteBatch& batch) {
  for (const NamespaceRow& row : batch.namespaces) STEAD_RETURN_IF_ERROR(put_namespace(conn, row));
  for (const ExecutionRow& row : batch.executions) STEAD_RETURN_IF_ERROR(put_execution(conn, row));
  for (const CurrentRunRow& row : batch.current_runs) {
    STEAD_RETURN_IF_ERROR(put_current_run(conn, row));
  }
  for (const HistoryRow& row : batch.events) STEAD_RETURN_IF_ERROR(insert_event(conn, row));
  for (const VisibilityRow& row : batch.visibility) STEAD_RETURN_IF_ERROR(put_visibility(conn, row));
  for (const RunKey& key : batch.deleted_runs) STEAD_RETURN_IF_ERROR(delete_run(conn, key));
  return Status::Ok();
}

}  // namespace stead::server::persistence::sqlite
