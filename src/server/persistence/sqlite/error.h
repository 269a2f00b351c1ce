// Turns SQLite result codes into Status values: the message names the operation and carries
// SQLite's own text, so a log line says what failed and why without a debugger.
//
// Codes map to what a caller can do about them:
//   SQLITE_BUSY, SQLITE_LOCKED, SQLITE_IOERR, SQLITE_CANTOPEN -> Unavailable (retry later)
//   SQLITE_FULL                                               -> ResourceExhausted
//   SQLITE_CONSTRAINT                                         -> AlreadyExists (only keys
//                                                                are constrained)
//   SQLITE_CORRUPT, SQLITE_NOTADB                             -> DataLoss
//   anything else                                             -> Internal
#pragma once

#include <string>

#include "common/status.h"

struct sqlite3;

namespace stead::server::persistence::sqlite {

// `db` may be null (e.g. sqlite3_open_v2 could not allocate a handle); then only the code's
// generic text is used. REQUIRES: rc is not SQLITE_OK, SQLITE_ROW or SQLITE_DONE.
Status sqlite_error(int rc, sqlite3* db, const char* op);

// What an operator should read first when a write failed with (extended) code `rc`:
// "disk full", "fsync failed", "I/O error", ...
std::string write_failure_cause(int rc);

}  // namespace stead::server::persistence::sqlite
