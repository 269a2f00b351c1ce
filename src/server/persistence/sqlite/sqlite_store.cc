#include "server/persistence/sqlite/sqlite_store.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "server/persistence/sqlite/schema.h"

namespace stead::server::persistence {

Status open_sqlite_store(const std::string& path, std::unique_ptr<Store>* out) {
  std::unique_ptr<sqlite::SqliteStore> store;
  STEAD_RETURN_IF_ERROR(sqlite::SqliteStore::open(path, &store));
  *out = std::move(store);
  return Status::Ok();
}

namespace sqlite {

namespace {

// SQLite integers are signed 64-bit; size_t::max ("no limit") must not wrap to -1.
int64_t clamp_to_int64(size_t n) {
  return static_cast<int64_t>(
      std::min<size_t>(n, static_cast<size_t>(std::numeric_limits<int64_t>::max())));
}

constexpr const char* kVisibilityColumns =
    "ns, workflow_id, run_id, workflow_type, task_queue, status, start_time_ms, "
    "execution_time_ms, close_time_ms, history_length, history_size_bytes, memo, "
    "search_attributes, parent_workflow_id, parent_run_id, search_attributes_json";

VisibilityRow read_visibility_row(const Statement& stmt) {
  VisibilityRow row;
  row.key.ns = stmt.column_text(0);
  row.key.workflow_id = stmt.column_text(1);
  row.key.run_id = stmt.column_text(2);
  row.workflow_type = stmt.column_text(3);
  row.task_queue = stmt.column_text(4);
  row.status = static_cast<int32_t>(stmt.column_int64(5));
  row.start_time_ms = stmt.column_int64(6);
  row.execution_time_ms = stmt.column_int64(7);
  row.close_time_ms = stmt.column_int64(8);
  row.history_length = stmt.column_int64(9);
  row.history_size_bytes = stmt.column_int64(10);
  row.memo = stmt.column_blob(11);
  row.search_attributes = stmt.column_blob(12);
  row.parent_workflow_id = stmt.column_text(13);
  row.parent_run_id = stmt.column_text(14);
  row.search_attributes_json = stmt.column_text(15);
  return row;
}

// Prepares `head` + the caller's condition + `tail` and binds ns and params, leaving
// `extra` more placeholders (in `tail`) for the caller to bind.
Status prepare_visibility_query(Connection& conn, const char* op, const std::string& head,
                                const std::string& where_sql, const char* tail,
                                const std::string& ns, const std::vector<std::string>& params,
                                int extra, std::unique_ptr<Statement>* out) {
  std::string sql = head;
  if (!where_sql.empty()) sql += " AND (" + where_sql + ")";
  sql += tail;
  std::unique_ptr<Statement> stmt;
  STEAD_RETURN_IF_ERROR(Statement::prepare(conn.handle(), sql, op, &stmt));
  const int expected = 1 + static_cast<int>(params.size()) + extra;
  if (stmt->parameter_count() != expected) {
    return Status::InvalidArgument(std::string("sqlite ") + op + ": filter has " +
                                   std::to_string(stmt->parameter_count() - 1 - extra) +
                                   " placeholders but " + std::to_string(params.size()) +
                                   " params");
  }
  stmt->bind_text(1, ns);
  for (size_t i = 0; i < params.size(); ++i) stmt->bind_text(static_cast<int>(i) + 2, params[i]);
  *out = std::move(stmt);
  return Status::Ok();
}

}  // namespace

Status SqliteStore::open(const std::string& path, std::unique_ptr<SqliteStore>* out) {
  out->reset();
  std::unique_ptr<SqliteStore> store(new SqliteStore());
  store->in_memory_ = path.empty();
  STEAD_RETURN_IF_ERROR(Connection::open(
      path, store->in_memory_ ? Connection::Role::kMemory : Connection::Role::kWriter,
      &store->writer_conn_));
  STEAD_RETURN_IF_ERROR(apply_schema(*store->writer_conn_));
  if (store->in_memory_) {
    store->readers_ = std::make_unique<ReaderPool>(store->writer_conn_.get(), &store->memory_mu_);
  } else {
    store->readers_ = std::make_unique<ReaderPool>(path);
    // Open one reader now, so a database readers cannot open fails here and not at the
    // first RPC.
    ReaderPool::Lease probe;
    STEAD_RETURN_IF_ERROR(store->readers_->acquire(&probe));
  }
  store->writer_ = std::make_unique<GroupCommitWriter>(
      store->writer_conn_.get(), store->in_memory_ ? &store->memory_mu_ : nullptr);
  *out = std::move(store);
  return Status::Ok();
}

SqliteStore::~SqliteStore() { close(); }

void SqliteStore::commit(WriteBatch batch, CommitCallback done) {
  writer_->commit(std::move(batch), std::move(done));
}

void SqliteStore::resume_writes(const std::string& ns, const std::string& workflow_id) {
  writer_->resume_writes(ns, workflow_id);
}

void SqliteStore::close() {
  if (writer_ != nullptr) writer_->close();
}

Status SqliteStore::load_namespaces(std::vector<NamespaceRow>* out) {
  out->clear();
  ReaderPool::Lease conn;
  STEAD_RETURN_IF_ERROR(readers_->acquire(&conn));
  ScopedStatement stmt;
  STEAD_RETURN_IF_ERROR(
      conn->cached("SELECT name, record FROM namespaces ORDER BY name", "load namespaces", &stmt));
  for (;;) {
    bool row = false;
    STEAD_RETURN_IF_ERROR(stmt->step(&row));
    if (!row) return Status::Ok();
    out->push_back(NamespaceRow{stmt->column_text(0), stmt->column_blob(1)});
  }
}

Status SqliteStore::load_open_executions(std::vector<ExecutionRow>* out) {
  out->clear();
  ReaderPool::Lease conn;
  STEAD_RETURN_IF_ERROR(readers_->acquire(&conn));
  ScopedStatement stmt;
  STEAD_RETURN_IF_ERROR(conn->cached(
      "SELECT ns, workflow_id, run_id, mutable_state FROM executions WHERE open = 1 "
      "ORDER BY ns, workflow_id, run_id",
      "load open executions", &stmt));
  for (;;) {
    bool row = false;
    STEAD_RETURN_IF_ERROR(stmt->step(&row));
    if (!row) return Status::Ok();
    ExecutionRow e;
    e.key = RunKey{stmt->column_text(0), stmt->column_text(1), stmt->column_text(2)};
    e.mutable_state = stmt->column_blob(3);
    e.open = true;
    out->push_back(std::move(e));
  }
}

Status SqliteStore::load_execution(const RunKey& key, ExecutionRow* out, bool* found) {
  *found = false;
  ReaderPool::Lease conn;
  STEAD_RETURN_IF_ERROR(readers_->acquire(&conn));
  ScopedStatement stmt;
  STEAD_RETURN_IF_ERROR(conn->cached(
      "SELECT mutable_state, open FROM executions "
      "WHERE ns = ? AND workflow_id = ? AND run_id = ?",
      "load execution", &stmt));
  stmt->bind_text(1, key.ns);
  stmt->bind_text(2, key.workflow_id);
  stmt->bind_text(3, key.run_id);
  bool row = false;
  STEAD_RETURN_IF_ERROR(stmt->step(&row));
  if (!row) return Status::Ok();
  out->key = key;
  out->mutable_state = stmt->column_blob(0);
  out->open = stmt->column_int64(1) != 0;
  *found = true;
  return Status::Ok();
}

Status SqliteStore::current_run(const std::string& ns, const std::string& workflow_id,
                                std::string* run_id, bool* found) {
  *found = false;
  ReaderPool::Lease conn;
  STEAD_RETURN_IF_ERROR(readers_->acquire(&conn));
  ScopedStatement stmt;
  STEAD_RETURN_IF_ERROR(conn->cached(
      "SELECT run_id FROM current_runs WHERE ns = ? AND workflow_id = ?", "read current run",
      &stmt));
  stmt->bind_text(1, ns);
  stmt->bind_text(2, workflow_id);
  bool row = false;
  STEAD_RETURN_IF_ERROR(stmt->step(&row));
  if (!row) return Status::Ok();
  *run_id = stmt->column_text(0);
  *found = true;
  return Status::Ok();
}

Status SqliteStore::read_history(const RunKey& key, int64_t first_event_id,
                                 int64_t last_event_id, size_t max_events,
                                 std::vector<std::string>* events) {
  events->clear();
  ReaderPool::Lease conn;
  STEAD_RETURN_IF_ERROR(readers_->acquire(&conn));
  ScopedStatement stmt;
  STEAD_RETURN_IF_ERROR(conn->cached(
      "SELECT data FROM history_events "
      "WHERE ns = ? AND workflow_id = ? AND run_id = ? AND event_id BETWEEN ? AND ? "
      "ORDER BY event_id LIMIT ?",
      "read history", &stmt));
  stmt->bind_text(1, key.ns);
  stmt->bind_text(2, key.workflow_id);
  stmt->bind_text(3, key.run_id);
  stmt->bind_int64(4, first_event_id);
  stmt->bind_int64(5, last_event_id);
  stmt->bind_int64(6, clamp_to_int64(max_events));
  for (;;) {
    bool row = false;
    STEAD_RETURN_IF_ERROR(stmt->step(&row));
    if (!row) return Status::Ok();
    events->push_back(stmt->column_blob(0));
  }
}

Status SqliteStore::list_visibility(const std::string& ns, const std::string& where_sql,
                                    const std::vector<std::string>& params, size_t offset,
                                    size_t limit, std::vector<VisibilityRow>* out,
                                    const std::string& order_by_sql) {
  out->clear();
  ReaderPool::Lease conn;
  STEAD_RETURN_IF_ERROR(readers_->acquire(&conn));
  std::unique_ptr<Statement> stmt;
  const std::string head =
      std::string("SELECT ") + kVisibilityColumns + " FROM visibility WHERE ns = ?";
  // The placeholder count check in prepare_visibility_query also catches a `?` smuggled into
  // order_by_sql, since the tail's own two are accounted for.
  const std::string tail =
      " ORDER BY " + (order_by_sql.empty() ? std::string("start_time_ms DESC") : order_by_sql) +
      ", run_id LIMIT ? OFFSET ?";
  STEAD_RETURN_IF_ERROR(prepare_visibility_query(*conn, "list visibility", head, where_sql,
                                                 tail.c_str(), ns, params, 2, &stmt));
  const int next = 2 + static_cast<int>(params.size());
  stmt->bind_int64(next, clamp_to_int64(limit));
  stmt->bind_int64(next + 1, clamp_to_int64(offset));
  for (;;) {
    bool row = false;
    STEAD_RETURN_IF_ERROR(stmt->step(&row));
    if (!row) return Status::Ok();
    out->push_back(read_visibility_row(*stmt));
  }
}

Status SqliteStore::count_visibility(const std::string& ns, const std::string& where_sql,
                                     const std::vector<std::string>& params, int64_t* count) {
  *count = 0;
  ReaderPool::Lease conn;
  STEAD_RETURN_IF_ERROR(readers_->acquire(&conn));
  std::unique_ptr<Statement> stmt;
  STEAD_RETURN_IF_ERROR(prepare_visibility_query(*conn, "count visibility",
                                                 "SELECT COUNT(*) FROM visibility WHERE ns = ?",
                                                 where_sql, "", ns, params, 0, &stmt));
  bool row = false;
  STEAD_RETURN_IF_ERROR(stmt->step(&row));
  if (row) *count = stmt->column_int64(0);
  return Status::Ok();
}

}  // namespace sqlite
}  // namespace stead::server::persistence
