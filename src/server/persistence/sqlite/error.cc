#include "server/persistence/sqlite/error.h"

#include <sqlite3.h>

#include <string>

namespace stead::server::persistence::sqlite {

Status sqlite_error(int rc, sqlite3* db, const char* op) {
  std::string message = "sqlite ";
  message += op;
  message += ": ";
  // sqlite3_errmsg describes the most recent call on `db`, which is the one that failed;
  // when it disagrees with rc (another call intervened) the generic text is the honest one.
  if (db != nullptr && (sqlite3_extended_errcode(db) & 0xff) == (rc & 0xff)) {
    message += sqlite3_errmsg(db);
  } else {
    message += sqlite3_errstr(rc);
  }
  message += " (code " + std::to_string(rc) + ")";

  StatusCode code;
  switch (rc & 0xff) {  // primary code; extended codes refine it
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
      code = StatusCode::kUnavailable;
      break;
    case SQLITE_FULL:
      code = StatusCode::kResourceExhausted;
      break;
    case SQLITE_CONSTRAINT:
      code = StatusCode::kAlreadyExists;
      break;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      code = StatusCode::kDataLoss;
      break;
    default:
      code = StatusCode::kInternal;
      break;
  }
  return Status(code, std::move(message));
}

std::string write_failure_cause(int rc) {
  switch (rc) {
    case SQLITE_IOERR_FSYNC:
    case SQLITE_IOERR_DIR_FSYNC:
      return "fsync failed";
    case SQLITE_IOERR_WRITE:
      return "write to the database file failed";
    default:
      break;
  }
  switch (rc & 0xff) {
    case SQLITE_FULL:
      return "disk full";
    case SQLITE_IOERR:
      return "I/O error";
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return "database locked by another connection";
    case SQLITE_READONLY:
      return "database is read-only";
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return "database file is corrupt";
    default:
      return sqlite3_errstr(rc);
  }
}

}  // namespace stead::server::persistence::sqlite
