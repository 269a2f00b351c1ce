#include "server/persistence/sqlite/statement.h"

#include <sqlite3.h>

#include <string>

#include "server/persistence/sqlite/error.h"

namespace stead::server::persistence::sqlite {

Status Statement::prepare(sqlite3* db, std::string_view sql, const char* op,
                          std::unique_ptr<Statement>* out) {
  out->reset();
  sqlite3_stmt* stmt = nullptr;
  const char* tail = nullptr;
  int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()),
                              /*prepFlags=*/0, &stmt, &tail);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return sqlite_error(rc, db, op);
  }
  if (stmt == nullptr) {
    return Status::InvalidArgument(std::string("sqlite ") + op + ": empty statement");
  }
  // A second statement after the first would be silently ignored; refuse it instead, since
  // part of `sql` (e.g. a list filter) may come from outside this file.
  for (const char* p = tail; p != sql.data() + sql.size(); ++p) {
    if (*p != ' ' && *p != '\n' && *p != '\t' && *p != '\r' && *p != ';') {
      sqlite3_finalize(stmt);
      return Status::InvalidArgument(std::string("sqlite ") + op +
                                     ": trailing text after the statement");
    }
  }
  out->reset(new Statement(db, stmt, op));
  return Status::Ok();
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

void Statement::note_bind(int rc) {
  if (rc != SQLITE_OK && bind_error_.ok()) {
    bind_error_ = sqlite_error(rc, db_, op_);
  }
}

void Statement::bind_int64(int index, int64_t value) {
  note_bind(sqlite3_bind_int64(stmt_, index, value));
}

void Statement::bind_text(int index, std::string_view value) {
  note_bind(sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT,
                                SQLITE_UTF8));
}

void Statement::bind_blob(int index, std::string_view value) {
  // A null data pointer would bind NULL, not an empty blob; the columns are NOT NULL.
  static const char kEmpty = 0;
  const char* data = value.empty() ? &kEmpty : value.data();
  note_bind(sqlite3_bind_blob64(stmt_, index, data, value.size(), SQLITE_TRANSIENT));
}

int Statement::parameter_count() const { return sqlite3_bind_parameter_count(stmt_); }

Status Statement::step(bool* row) {
  *row = false;
  if (!bind_error_.ok()) return bind_error_;
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) {
    *row = true;
    return Status::Ok();
  }
  if (rc == SQLITE_DONE) return Status::Ok();
  return sqlite_error(rc, db_, op_);
}

Status Statement::run() {
  bool row = false;
  do {
    STEAD_RETURN_IF_ERROR(step(&row));
  } while (row);
  return Status::Ok();
}

int64_t Statement::column_int64(int index) const { return sqlite3_column_int64(stmt_, index); }

std::string Statement::column_text(int index) const {
  const unsigned char* text = sqlite3_column_text(stmt_, index);
  int size = sqlite3_column_bytes(stmt_, index);
  if (text == nullptr) return std::string();
  return std::string(reinterpret_cast<const char*>(text), static_cast<size_t>(size));
}

std::string Statement::column_blob(int index) const {
  const void* data = sqlite3_column_blob(stmt_, index);
  int size = sqlite3_column_bytes(stmt_, index);
  if (data == nullptr) return std::string();
  return std::string(static_cast<const char*>(data), static_cast<size_t>(size));
}

void Statement::reset() {
  // reset returns the last step's error again; step() already reported it.
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  bind_error_ = Status::Ok();
}

}  // namespace stead::server::persistence::sqlite
