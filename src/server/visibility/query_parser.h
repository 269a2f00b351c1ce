// The recursive-descent parser of Temporal's list-filter language.
//
// Grammar (keywords case-insensitive; tokens as in query_lexer.h):
//   query      := [or_expr] [GROUP BY attribute] [ORDER BY order_term {, order_term}] END
//   or_expr    := and_expr {OR and_expr}
//   and_expr   := not_expr {AND not_expr}
//   not_expr   := NOT not_expr | '(' or_expr ')' | predicate
//   predicate  := attribute ( op value
//                           | [NOT] IN '(' value {, value} ')'
//                           | [NOT] BETWEEN value AND value
//                           | [NOT] STARTS_WITH value
//                           | IS [NOT] NULL )
//   order_term := attribute [ASC | DESC]
//   attribute  := identifier that is not a keyword | `quoted identifier`
//   value      := string | [-] integer | [-] float | TRUE | FALSE
//   op         := = | != | <> | < | <= | > | >=
// So NOT binds tighter than AND, and AND tighter than OR. GROUP BY accepts only
// ExecutionStatus (the one grouping Temporal's UI asks for) and cannot be combined with
// ORDER BY. An empty (or all-whitespace) query parses to "no filter, default order".
//
// Limits, so that hostile input cannot exhaust the stack or build SQL that SQLite refuses:
// at most kMaxNesting levels of parentheses and NOTs, kMaxPredicates predicates, kMaxValues
// values in total and kMaxOrderTerms ORDER BY terms. Exceeding one is InvalidArgument like any
// other error.
#pragma once

#include <cstddef>
#include <string_view>

#include "common/status.h"
#include "server/visibility/query_ast.h"

namespace stead::server::visibility {

inline constexpr size_t kMaxNesting = 32;
inline constexpr size_t kMaxPredicates = 200;
inline constexpr size_t kMaxValues = 1000;
inline constexpr size_t kMaxOrderTerms = 32;

// Parses `query` into *out. On error returns InvalidArgument naming the problem and its
// 1-based character position (query_error.h); *out is then unspecified.
Status parse_list_query(std::string_view query, ParsedQuery* out);

}  // namespace stead::server::visibility
