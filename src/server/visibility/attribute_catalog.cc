#include "server/visibility/attribute_catalog.h"

namespace stead::server::visibility {

namespace enums = temporal::api::enums::v1;

namespace {

struct SystemAttribute {
  std::string_view name;
  ValueType type;
  const char* sql;
  const char* order_sql;
  const char* is_null_sql;
};

// Columns that are never absent get is_null_sql "0": IS NULL matches nothing.
constexpr SystemAttribute kSystemAttributes[] = {
    {"WorkflowId", ValueType::kKeyword, "workflow_id", "workflow_id", "0"},
    {"RunId", ValueType::kKeyword, "run_id", "run_id", "0"},
    {"WorkflowType", ValueType::kKeyword, "workflow_type", "workflow_type", "0"},
    {"TaskQueue", ValueType::kKeyword, "task_queue", "task_queue", "0"},
    {"ExecutionStatus", ValueType::kStatus, "status", "status", "0"},
    {"StartTime", ValueType::kTimeMillis, "start_time_ms", "start_time_ms", "0"},
    {"ExecutionTime", ValueType::kTimeMillis, "execution_time_ms", "execution_time_ms", "0"},
    {"CloseTime", ValueType::kTimeMillis, "NULLIF(close_time_ms, 0)", "close_time_ms",
     "close_time_ms = 0"},
    {"ExecutionDuration", ValueType::kDurationMillis,
     "(NULLIF(close_time_ms, 0) - execution_time_ms)",
     "(NULLIF(close_time_ms, 0) - execution_time_ms)", "close_time_ms = 0"},
    {"HistoryLength", ValueType::kInt, "history_length", "history_length", "0"},
    {"HistorySizeBytes", ValueType::kInt, "history_size_bytes", "history_size_bytes", "0"},
    {"ParentWorkflowId", ValueType::kKeyword, "NULLIF(parent_workflow_id, '')",
     "parent_workflow_id", "parent_workflow_id = ''"},
    {"ParentRunId", ValueType::kKeyword, "NULLIF(parent_run_id, '')", "parent_run_id",
     "parent_run_id = ''"},
};

bool value_type_of(IndexedValueType t, ValueType* out) {
  switch (t) {
    case enums::INDEXED_VALUE_TYPE_KEYWORD: *out = ValueType::kKeyword; return true;
    case enums::INDEXED_VALUE_TYPE_TEXT: *out = ValueType::kText; return true;
    case enums::INDEXED_VALUE_TYPE_INT: *out = ValueType::kInt; return true;
    case enums::INDEXED_VALUE_TYPE_DOUBLE: *out = ValueType::kDouble; return true;
    case enums::INDEXED_VALUE_TYPE_BOOL: *out = ValueType::kBool; return true;
    case enums::INDEXED_VALUE_TYPE_DATETIME: *out = ValueType::kDatetime; return true;
    case enums::INDEXED_VALUE_TYPE_KEYWORD_LIST: *out = ValueType::kKeywordList; return true;
    default: return false;
  }
}

}  // namespace

bool resolve_attribute(std::string_view name, const SearchAttributeTypes& custom,
                       ResolvedAttribute* out) {
  for (const SystemAttribute& a : kSystemAttributes) {
    if (a.name == name) {
      *out = ResolvedAttribute{a.type, a.sql, a.order_sql, a.is_null_sql};
      return true;
    }
  }
  IndexedValueType indexed{};
  ValueType type{};
  if (!is_safe_attribute_name(name) || !lookup_search_attribute_type(custom, name, &indexed) ||
      !value_type_of(indexed, &type)) {
    return false;
  }
  // Safe: `name` is [A-Za-z_][A-Za-z0-9_]*, so it cannot end the quoted JSON key or the SQL
  // string literal around it.
  const std::string path = "'$.\"" + std::string(name) + "\"'";
  const std::string extract = "json_extract(search_attributes_json, " + path + ")";
  out->type = type;
  out->sql = type == ValueType::kKeywordList ? "json_each(search_attributes_json, " + path + ")"
                                             : extract;
  out->order_sql = type == ValueType::kText || type == ValueType::kKeywordList ? "" : extract;
  out->is_null_sql = extract + " IS NULL";
  return true;
}

}  // namespace stead::server::visibility
