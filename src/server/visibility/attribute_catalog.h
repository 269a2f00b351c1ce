// Where each attribute of a list filter lives in the visibility table, and how it compares.
//
// System attributes are columns (store.h VisibilityRow):
//   WorkflowId -> workflow_id                RunId -> run_id
//   WorkflowType -> workflow_type            TaskQueue -> task_queue
//   ExecutionStatus -> status                ParentWorkflowId -> parent_workflow_id
//   ParentRunId -> parent_run_id             StartTime -> start_time_ms
//   ExecutionTime -> execution_time_ms       CloseTime -> close_time_ms
//   HistoryLength -> history_length          HistorySizeBytes -> history_size_bytes
//   ExecutionDuration -> close_time_ms - execution_time_ms (closed runs only)
// The table stores "absent" as 0 or '' (close_time_ms while open, parent_* without a parent);
// such columns compare through NULLIF so that, as in Temporal, `CloseTime < x` does not match
// open runs, and `CloseTime IS NULL` means "still open".
//
// Custom (and predefined, search_attribute_types.h) attributes live in the JSON object of
// column search_attributes_json (search_attributes_json.h) and are read with SQLite's JSON1:
// json_extract(search_attributes_json, '$."Name"'). Only names that are registered AND match
// [A-Za-z_][A-Za-z0-9_]* ever reach that SQL text.
#pragma once

#include <string>
#include <string_view>

#include "server/visibility/search_attribute_types.h"

namespace stead::server::visibility {

// How values of an attribute are written in a query and compared in SQL.
enum class ValueType {
  kKeyword,      // string; = != < <= > >= IN BETWEEN STARTS_WITH; compared as TEXT
  kText,         // string; = and != mean "contains" / "does not contain" (substring)
  kInt,          // integer; compared as INTEGER
  kDouble,       // integer or float; compared as REAL
  kBool,         // true / false; = != IN
  kDatetime,     // JSON datetime; RFC 3339 or unix nanos -> fixed-width UTC text
  kKeywordList,  // JSON array of strings; = and IN mean "contains"
  kStatus,       // ExecutionStatus name or number; = != IN
  kTimeMillis,   // system time column; RFC 3339 or unix nanos -> unix millis
  kDurationMillis,  // ExecutionDuration; Go duration ("1h30m") or nanos -> millis
};

struct ResolvedAttribute {
  ValueType type = ValueType::kKeyword;
  // SQL expression compared against values. For kKeywordList, the json_each() source instead:
  // "json_each(search_attributes_json, '$.\"Name\"')".
  std::string sql;
  std::string order_sql;    // expression for ORDER BY; empty when the type cannot be ordered
  std::string is_null_sql;  // condition that holds when the attribute is absent
};

// Resolves `name` (case-sensitive): system attributes first, then `custom`, then the
// predefined ones. Returns false when the name is unknown, is not a safe JSON-path name, or is
// registered with a type that cannot be queried (INDEXED_VALUE_TYPE_UNSPECIFIED).
bool resolve_attribute(std::string_view name, const SearchAttributeTypes& custom,
                       ResolvedAttribute* out);

}  // namespace stead::server::visibility
