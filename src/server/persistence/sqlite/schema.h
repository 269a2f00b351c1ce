// The SQLite schema of a Stead store, versioned with PRAGMA user_version.
//
// Version history (persisted: a released version's DDL never changes; add a migration):
//   1  namespaces, executions, current_runs, history_events, visibility.
//   2  visibility.search_attributes_json (TEXT, a JSON object; '{}' for older rows).
//
// Tables (every BLOB is a serialized proto, opaque to SQL):
//   namespaces(name PK, record)
//   executions(ns, workflow_id, run_id PK, mutable_state, open)       index on open
//   current_runs(ns, workflow_id PK, run_id)
//   history_events(ns, workflow_id, run_id, event_id PK, data)        WITHOUT ROWID
//   visibility(ns, workflow_id, run_id PK, the columns of VisibilityRow)
//     search_attributes_json is always valid JSON (the writer stores '{}' otherwise), so
//     JSON1 functions over it never fail
//     indexes on (ns, start_time_ms DESC, run_id), (ns, close_time_ms DESC),
//     (ns, workflow_type), (ns, status)
// The visibility column names are those of VisibilityRow, because list filters are SQL
// over them (see Store::list_visibility).
#pragma once

#include <cstdint>

#include "common/status.h"
#include "server/persistence/sqlite/connection.h"

namespace stead::server::persistence::sqlite {

inline constexpr int64_t kSchemaVersion = 2;

// Brings the database behind `conn` to kSchemaVersion in one transaction. A database written
// by a newer server (user_version > kSchemaVersion) is refused with FailedPrecondition
// rather than misread.
Status apply_schema(Connection& conn);

}  // namespace stead::server::persistence::sqlite
