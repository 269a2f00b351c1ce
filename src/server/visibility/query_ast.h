// The syntax tree of a parsed list filter (query_parser.h builds it; list_query.h
// translates it). Attribute names are kept as written: whether they exist, and what type
// they have, is the translator's business.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace stead::server::visibility {

// A value as written in the query. `offset` is its byte offset, for error messages.
struct Literal {
  enum class Kind { kString, kInteger, kFloat, kBool };
  Kind kind = Kind::kString;
  std::string text;     // kString: the decoded string; otherwise the source spelling
  int64_t integer = 0;  // kInteger
  double real = 0;      // kFloat (finite)
  bool boolean = false; // kBool
  size_t offset = 0;
};

enum class CompareOp { kEq, kNe, kLt, kLe, kGt, kGe };

// One condition on one attribute.
//   kCompare     attribute op values[0]
//   kIn          attribute [NOT] IN (values...)          (one or more values)
//   kBetween     attribute [NOT] BETWEEN values[0] AND values[1]
//   kStartsWith  attribute [NOT] STARTS_WITH values[0]
//   kIsNull      attribute IS [NOT] NULL                  (no values)
struct Predicate {
  enum class Kind { kCompare, kIn, kBetween, kStartsWith, kIsNull };
  Kind kind = Kind::kCompare;
  std::string attribute;
  size_t attribute_offset = 0;
  CompareOp op = CompareOp::kEq;  // kCompare only
  bool negated = false;           // NOT IN, NOT BETWEEN, NOT STARTS_WITH, IS NOT NULL
  size_t op_offset = 0;           // offset of the operator or keyword
  std::vector<Literal> values;
};

// A boolean expression. kAnd / kOr hold two or more children (a chain `a AND b AND c` is one
// node, so translation depth is the parenthesis depth, not the chain length); kNot holds one.
struct Expr {
  enum class Kind { kAnd, kOr, kNot, kPredicate };
  Kind kind = Kind::kPredicate;
  std::vector<Expr> children;
  Predicate predicate;  // kPredicate only
};

struct OrderTerm {
  std::string attribute;
  size_t offset = 0;
  bool descending = false;
};

struct ParsedQuery {
  std::optional<Expr> filter;         // absent: every row matches
  bool group_by_status = false;       // GROUP BY ExecutionStatus
  std::vector<OrderTerm> order_by;    // empty: the store's default order
};

}  // namespace stead::server::visibility
