// Statement: RAII owner of one prepared sqlite3_stmt.
//
// Binding never fails loudly: the first bind error is remembered and returned by the next
// step(), so call sites bind a row's columns in a straight line and check once.
// Columns and parameters are numbered as SQLite numbers them: parameters from 1, columns
// from 0. Not thread-safe: a statement belongs to its connection, which one thread uses at a
// time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace stead::server::persistence::sqlite {

class Statement {
 public:
  // Prepares `sql` on `db`. On error *out is left null; `op` names the operation in the
  // message.
  static Status prepare(sqlite3* db, std::string_view sql, const char* op,
                        std::unique_ptr<Statement>* out);

  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  void bind_int64(int index, int64_t value);
  // Text and blobs are copied by SQLite (SQLITE_TRANSIENT): the caller's buffer may go away.
  void bind_text(int index, std::string_view value);
  void bind_blob(int index, std::string_view value);
  int parameter_count() const;

  // Advances. OK with *row = true when a row is ready, *row = false when finished.
  Status step(bool* row);
  // Runs a statement that returns no rows to completion.
  Status run();

  int64_t column_int64(int index) const;
  std::string column_text(int index) const;
  std::string column_blob(int index) const;

  // Ends the current execution (releasing the connection's read snapshot) and clears
  // bindings and any remembered bind error, ready for reuse.
  void reset();

 private:
  Statement(sqlite3* db, sqlite3_stmt* stmt, const char* op) : db_(db), stmt_(stmt), op_(op) {}
  void note_bind(int rc);

  sqlite3* const db_;
  sqlite3_stmt* const stmt_;
  const char* const op_;  // static string naming the operation, for error messages
  Status bind_error_;
};

}  // namespace stead::server::persistence::sqlite
