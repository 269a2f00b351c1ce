#include "server/persistence/sqlite/connection.h"

#include <sqlite3.h>

#include <string>

#include "server/persistence/sqlite/error.h"

namespace stead::server::persistence::sqlite {

namespace {

// How long a connection waits for another process's lock before reporting SQLITE_BUSY.
// Within one store readers never wait for the writer (WAL); this covers a second process
// (e.g. the sqlite3 shell) touching the file and the brief exclusive lock of WAL recovery.
constexpr int kBusyTimeoutMs = 5000;

}  // namespace

Status Connection::open(const std::string& path, Role role, std::unique_ptr<Connection>* out) {
  out->reset();
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
  if (role == Role::kWriter || role == Role::kMemory) flags |= SQLITE_OPEN_CREATE;
  const char* filename = role == Role::kMemory ? ":memory:" : path.c_str();

  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(filename, &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    Status s = sqlite_error(rc, db, "open");
    sqlite3_close_v2(db);  // a handle is returned even on most failures
    return Status(s.code(), s.message() + " (" + (path.empty() ? ":memory:" : path) + ")");
  }
  std::unique_ptr<Connection> conn(new Connection(db));
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, kBusyTimeoutMs);

  switch (role) {
    case Role::kWriter: {
      // journal_mode answers with the mode in effect; a file on a filesystem without shared
      // memory support stays in rollback mode, and readers would then block on the writer.
      std::unique_ptr<Statement> mode;
      STEAD_RETURN_IF_ERROR(
          Statement::prepare(db, "PRAGMA journal_mode=WAL", "set journal_mode", &mode));
      bool row = false;
      STEAD_RETURN_IF_ERROR(mode->step(&row));
      std::string got = row ? mode->column_text(0) : "";
      if (got != "wal") {
        return Status::FailedPrecondition("sqlite open: cannot enable WAL mode on " + path +
                                          " (journal_mode is '" + got + "')");
      }
      // FULL syncs the WAL on every commit: a batch whose callback ran survives power loss.
      STEAD_RETURN_IF_ERROR(conn->exec("PRAGMA synchronous=FULL", "set synchronous"));
      break;
    }
    case Role::kReader:
      STEAD_RETURN_IF_ERROR(conn->exec("PRAGMA query_only=1", "set query_only"));
      break;
    case Role::kMemory:
      break;
  }
  *out = std::move(conn);
  return Status::Ok();
}

Connection::~Connection() {
  cache_.clear();  // statements must be finalized before the handle closes
  sqlite3_close_v2(db_);
}

Status Connection::exec(const char* sql, const char* op) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
  if (rc == SQLITE_OK) return Status::Ok();
  Status s = sqlite_error(rc, db_, op);
  sqlite3_free(err);
  return s;
}

Status Connection::query_int64(const char* sql, const char* op, int64_t* value) {
  ScopedStatement stmt;
  STEAD_RETURN_IF_ERROR(cached(sql, op, &stmt));
  bool row = false;
  STEAD_RETURN_IF_ERROR(stmt->step(&row));
  if (!row) return Status::Internal(std::string("sqlite ") + op + ": no value returned");
  *value = stmt->column_int64(0);
  return Status::Ok();
}

Status Connection::cached(const char* sql, const char* op, ScopedStatement* out) {
  if (out->stmt_ != nullptr) {
    out->stmt_->reset();
    out->stmt_ = nullptr;
  }
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    std::unique_ptr<Statement> stmt;
    STEAD_RETURN_IF_ERROR(Statement::prepare(db_, sql, op, &stmt));
    it = cache_.emplace(sql, std::move(stmt)).first;
  }
  out->stmt_ = it->second.get();
  return Status::Ok();
}

}  // namespace stead::server::persistence::sqlite
