// list_query: Temporal's list filter (the `query` of ListWorkflowExecutions and
// CountWorkflowExecutions) -> parameterised SQL over the visibility table, for
// Store::list_visibility / Store::count_visibility.
//
//   ListQuery q;
//   Status s = translate_list_query("WorkflowType = 'Order' AND StartTime > "
//                                   "'2026-01-02T03:04:05Z' ORDER BY StartTime DESC",
//                                   registry, &q);
//   store->list_visibility(ns, q.where_sql, q.params, offset, limit, &rows, q.order_by_sql);
//
// Safety: no text of the query ever reaches the SQL string. Every value becomes a `?` with
// its text in `params` (bound as TEXT by the store, so numeric comparisons CAST the
// placeholder); attribute names become column names from a fixed table or, for custom
// attributes, a JSON path built only from a registered name matching [A-Za-z_][A-Za-z0-9_]*.
//
// Semantics (attribute_catalog.h says where each attribute lives):
// - Keyword: = != < <= > >= BETWEEN compare text; IN; STARTS_WITH is a prefix test.
// - Text: = is "contains the substring", != "does not contain"; no ordering.
// - Int / Double: numeric comparisons. Bool: = != IN with true / false.
// - KeywordList: = and IN mean "the list contains (any of) the value(s)"; != and NOT IN mean it
//   does not (so rows without the attribute match them); STARTS_WITH: some element has the
//   prefix. No ordering.
// - ExecutionStatus: 'Running', 'Completed', 'Failed', 'Canceled', 'Terminated',
//   'ContinuedAsNew', 'TimedOut', 'Paused' (or the enum number); = != IN.
// - StartTime / ExecutionTime / CloseTime: RFC 3339 ('2026-01-02T03:04:05.5+02:00') or integer
//   unix nanoseconds, compared at the table's millisecond precision (floored).
// - Datetime custom attributes: the same inputs, normalised to the fixed-width UTC text that
//   search_attributes_json.h stores (nanosecond precision), so text order is time order.
// - ExecutionDuration: a Go duration ('1h30m', '250ms') or integer nanoseconds; closed runs
//   only, at millisecond precision.
// - A comparison with an absent value (a custom attribute a row lacks, CloseTime of an open
//   run) is false, even with != or NOT IN (except the negative KeywordList forms above);
//   `NOT (...)` negates that false to true; `IS NULL` finds absent values.
// - Precedence: NOT over AND over OR; parentheses group.
// - ORDER BY takes any attribute but Text and KeywordList; the store breaks ties by run_id.
//
// Thread safety: the functions here are pure; call them from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "server/visibility/search_attribute_types.h"

namespace stead::server::visibility {

struct ListQuery {
  // Condition for `WHERE ns = ? AND (where_sql)`; empty = every row. Uses exactly
  // params.size() plain `?` placeholders, in order.
  std::string where_sql;
  std::vector<std::string> params;
  // `expr ASC|DESC, ...` for ORDER BY; empty = the store's default (newest start first).
  // Contains no placeholders.
  std::string order_by_sql;
  // The query ended in GROUP BY ExecutionStatus. Only CountWorkflowExecutions supports it
  // (count each status with restrict_to_status); ListWorkflowExecutions should answer
  // InvalidArgument.
  bool group_by_status = false;
};

// Translates `query` into *out. An empty query (or only whitespace) matches everything in the
// default order. On failure returns InvalidArgument "invalid query: <problem> at position <n>"
// (1-based character position; see query_error.h), for syntax errors as for unknown attributes
// (named in the message), values of the wrong type, or operators the attribute's type does
// not support; *out is then unspecified. `custom` maps the namespace's custom search
// attributes to their types; the predefined ones (search_attribute_types.h) are always known.
Status translate_list_query(const std::string& query, const SearchAttributeTypes& custom,
                            ListQuery* out);

// `q` narrowed to runs whose ExecutionStatus is `status`, with group_by_status cleared: count
// it once per status to answer GROUP BY ExecutionStatus.
ListQuery restrict_to_status(const ListQuery& q, int32_t status);

}  // namespace stead::server::visibility
