// Applies the rows of one WriteBatch to a connection with cached statements.
//
// Upserts (namespaces, executions, current_runs, visibility) replace the row with the same
// key; history events are plain inserts, so re-inserting an event id fails with
// AlreadyExists. REQUIRES: a transaction is open on `conn` (the caller decides what commits
// together) and the caller has exclusive use of `conn`.
#pragma once

#include "common/status.h"
#include "server/persistence/sqlite/connection.h"
#include "server/persistence/store.h"

namespace stead::server::persistence::sqlite {

Status apply_batch(Connection& conn, const WriteBatch& batch);

}  // namespace stead::server::persistence::sqlite
