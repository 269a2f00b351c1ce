// SqliteStore: the Store over one SQLite database (a file, or private and in memory).
//
// Pieces, one per file in this folder:
//   connection.h          a configured sqlite3 handle with cached prepared statements
//   schema.h              tables, indexes, user_version migrations
//   group_commit_writer.h the single writer thread that groups batches into transactions
//   batch_applier.h       the SQL that writes one WriteBatch
//   reader_pool.h         connections for reading threads
//
// File mode: the writer thread owns one connection (WAL, synchronous=FULL); every reading
// thread borrows a connection of its own from the pool, so reads never wait for a write
// transaction. In-memory mode: a single `:memory:` connection is shared by the writer and the
// readers under one mutex (reader_pool.h says why); the database lives as long as the store.
//
// Reads stay available after close() (only writing stops); they end with the store.
//
// list_visibility / count_visibility: `where_sql` is appended to `WHERE ns = ?` as
// `AND (where_sql)`; it may use only plain `?` placeholders, one per element of `params`,
// in order. Params are bound as TEXT. Comparing a column to a placeholder applies the
// column's affinity to the value, so `status = ?` or `start_time_ms >= ?` with "1700000000000"
// compares numerically against the INTEGER columns; an expression that is not a bare column
// (e.g. `start_time_ms + 0 > ?`, json_extract(...)) must CAST(? AS INTEGER) itself. Rows come
// newest start first (ORDER BY start_time_ms DESC, run_id) unless order_by_sql is given
// (ORDER BY order_by_sql, run_id), then OFFSET and LIMIT apply; limit = 0 returns no rows. A
// where_sql holding more than one statement is refused (InvalidArgument); so is an
// order_by_sql holding placeholders.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "server/persistence/sqlite/connection.h"
#include "server/persistence/sqlite/group_commit_writer.h"
#include "server/persistence/sqlite/reader_pool.h"
#include "server/persistence/store.h"

namespace stead::server::persistence::sqlite {

class SqliteStore final : public Store {
 public:
  // See open_sqlite_store (store.h).
  static Status open(const std::string& path, std::unique_ptr<SqliteStore>* out);

  ~SqliteStore() override;

  void commit(WriteBatch batch, CommitCallback done) override;
  void resume_writes(const std::string& ns, const std::string& workflow_id) override;
  Status load_namespaces(std::vector<NamespaceRow>* out) override;
  Status load_open_executions(std::vector<ExecutionRow>* out) override;
  Status load_execution(const RunKey& key, ExecutionRow* out, bool* found) override;
  Status current_run(const std::string& ns, const std::string& workflow_id, std::string* run_id,
                     bool* found) override;
  Status read_history(const RunKey& key, int64_t first_event_id, int64_t last_event_id,
                      size_t max_events, std::vector<std::string>* events) override;
  Status list_visibility(const std::string& ns, const std::string& where_sql,
                         const std::vector<std::string>& params, size_t offset, size_t limit,
                         std::vector<VisibilityRow>* out, const std::string& order_by_sql) override;
  Status count_visibility(const std::string& ns, const std::string& where_sql,
                          const std::vector<std::string>& params, int64_t* count) override;
  void close() override;

  // Transactions committed so far; fewer than the batches committed when grouping happened.
  uint64_t groups_committed() const { return writer_->groups_committed(); }
  bool in_memory() const { return in_memory_; }

 private:
  SqliteStore() = default;

  // Declared in construction order; destroyed in reverse, so the writer stops first and the
  // writer connection (in memory mode: the database itself) goes last.
  bool in_memory_ = false;
  std::unique_ptr<Connection> writer_conn_;
  std::mutex memory_mu_;  // memory mode: guards writer_conn_, which the readers share
  std::unique_ptr<ReaderPool> readers_;
  std::unique_ptr<GroupCommitWriter> writer_;
};

}  // namespace stead::server::persistence::sqlite
