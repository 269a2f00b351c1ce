#include "server/persistence/sqlite/schema.h"

#include <string>

namespace stead::server::persistence::sqlite {

namespace {

// kMigrations[v] takes a database from user_version v to v + 1.
const char* const kMigrations[] = {
    // 0 -> 1
    R"sql(
CREATE TABLE namespaces (
  name   TEXT PRIMARY KEY NOT NULL,
  record BLOB NOT NULL
);

CREATE TABLE executions (
  ns            TEXT NOT NULL,
  workflow_id   TEXT NOT NULL,
  run_id        TEXT NOT NULL,
  mutable_state BLOB NOT NULL,
  open          INTEGER NOT NULL,
  PRIMARY KEY (ns, workflow_id, run_id)
);
-- Start-up loads only open runs; closed ones accumulate.
CREATE INDEX executions_open ON executions (open);

CREATE TABLE current_runs (
  ns          TEXT NOT NULL,
  workflow_id TEXT NOT NULL,
  run_id      TEXT NOT NULL,
  PRIMARY KEY (ns, workflow_id)
);

-- WITHOUT ROWID: events are stored in key order, so a history page is one range scan.
CREATE TABLE history_events (
  ns          TEXT NOT NULL,
  workflow_id TEXT NOT NULL,
  run_id      TEXT NOT NULL,
  event_id    INTEGER NOT NULL,
  data        BLOB NOT NULL,
  PRIMARY KEY (ns, workflow_id, run_id, event_id)
) WITHOUT ROWID;

CREATE TABLE visibility (
  ns                 TEXT NOT NULL,
  workflow_id        TEXT NOT NULL,
  run_id             TEXT NOT NULL,
  workflow_type      TEXT NOT NULL,
  task_queue         TEXT NOT NULL,
  status             INTEGER NOT NULL,
  start_time_ms      INTEGER NOT NULL,
  execution_time_ms  INTEGER NOT NULL,
  close_time_ms      INTEGER NOT NULL,
  history_length     INTEGER NOT NULL,
  history_size_bytes INTEGER NOT NULL,
  memo               BLOB NOT NULL,
  search_attributes  BLOB NOT NULL,
  parent_workflow_id TEXT NOT NULL,
  parent_run_id      TEXT NOT NULL,
  PRIMARY KEY (ns, workflow_id, run_id)
);
-- Matches list_visibility's ORDER BY, so an unfiltered page needs no sort.
CREATE INDEX visibility_start ON visibility (ns, start_time_ms DESC, run_id);
CREATE INDEX visibility_close ON visibility (ns, close_time_ms DESC);
CREATE INDEX visibility_type ON visibility (ns, workflow_type);
CREATE INDEX visibility_status ON visibility (ns, status);
)sql",
    // 1 -> 2
    R"sql(
-- Custom search attributes as a JSON object, for SQLite's JSON1 (json_extract, json_each).
-- Rows written before v2 have no JSON copy, so custom-attribute filters skip them until
-- their next visibility update.
ALTER TABLE visibility ADD COLUMN search_attributes_json TEXT NOT NULL DEFAULT '{}';
)sql",
};

static_assert(sizeof(kMigrations) / sizeof(kMigrations[0]) == kSchemaVersion,
              "one migration per schema version");

}  // namespace

Status apply_schema(Connection& conn) {
  // IMMEDIATE: two processes opening a new file at once must not both run the migration.
  STEAD_RETURN_IF_ERROR(conn.exec("BEGIN IMMEDIATE", "begin schema transaction"));
  int64_t version = 0;
  Status s = conn.query_int64("PRAGMA user_version", "read user_version", &version);
  if (s.ok() && version > kSchemaVersion) {
    s = Status::FailedPrecondition("sqlite schema: database has schema version " +
                                   std::to_string(version) + ", newer than this server's " +
                                   std::to_string(kSchemaVersion));
  }
  for (int64_t v = version; s.ok() && v < kSchemaVersion; ++v) {
    s = conn.exec(kMigrations[v], "migrate schema");
    if (s.ok()) {
      // PRAGMA takes no bound parameters; the value is our own integer.
      std::string set_version = "PRAGMA user_version=" + std::to_string(v + 1);
      s = conn.exec(set_version.c_str(), "write user_version");
    }
  }
  if (s.ok()) return conn.exec("COMMIT", "commit schema transaction");
  conn.exec("ROLLBACK", "roll back schema transaction");  // s is the error worth reporting
  return s;
}

}  // namespace stead::server::persistence::sqlite
