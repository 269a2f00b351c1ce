#include "server/visibility/list_query.h"

#include <charconv>
#include <string_view>

#include "server/visibility/ascii.h"
#include "server/visibility/attribute_catalog.h"
#include "server/visibility/execution_status.h"
#include "server/visibility/query_ast.h"
#include "server/visibility/query_error.h"
#include "server/visibility/query_parser.h"
#include "server/visibility/time_values.h"

namespace stead::server::visibility {

namespace {

const char* type_name(ValueType t) {
  switch (t) {
    case ValueType::kKeyword: return "Keyword";
    case ValueType::kText: return "Text";
    case ValueType::kInt: return "Int";
    case ValueType::kDouble: return "Double";
    case ValueType::kBool: return "Bool";
    case ValueType::kDatetime: return "Datetime";
    case ValueType::kKeywordList: return "KeywordList";
    case ValueType::kStatus: return "ExecutionStatus";
    case ValueType::kTimeMillis: return "Datetime";
    case ValueType::kDurationMillis: return "Duration";
  }
  return "?";
}

bool orderable(ValueType t) {
  switch (t) {
    case ValueType::kKeyword:
    case ValueType::kInt:
    case ValueType::kDouble:
    case ValueType::kDatetime:
    case ValueType::kTimeMillis:
    case ValueType::kDurationMillis:
      return true;
    default:
      return false;
  }
}

const char* op_sql(CompareOp op) {
  switch (op) {
    case CompareOp::kEq: return "=";
    case CompareOp::kNe: return "!=";
    case CompareOp::kLt: return "<";
    case CompareOp::kLe: return "<=";
    case CompareOp::kGt: return ">";
    case CompareOp::kGe: return ">=";
  }
  return "=";
}

std::string operator_name(const Predicate& p) {
  const char* neg = p.negated ? "NOT " : "";
  switch (p.kind) {
    case Predicate::Kind::kCompare: return op_sql(p.op);
    case Predicate::Kind::kIn: return std::string(neg) + "IN";
    case Predicate::Kind::kBetween: return std::string(neg) + "BETWEEN";
    case Predicate::Kind::kStartsWith: return std::string(neg) + "STARTS_WITH";
    case Predicate::Kind::kIsNull: return p.negated ? "IS NOT NULL" : "IS NULL";
  }
  return "?";
}

bool operator_allowed(const Predicate& p, ValueType t) {
  switch (p.kind) {
    case Predicate::Kind::kIsNull:
      return true;
    case Predicate::Kind::kCompare:
      return p.op == CompareOp::kEq || p.op == CompareOp::kNe || orderable(t);
    case Predicate::Kind::kIn:
      return t != ValueType::kText;
    case Predicate::Kind::kBetween:
      return orderable(t);
    case Predicate::Kind::kStartsWith:
      return t == ValueType::kKeyword || t == ValueType::kKeywordList;
  }
  return false;
}

int64_t floor_millis_from_nanos(int64_t nanos) {
  int64_t ms = nanos / 1'000'000;
  if (nanos % 1'000'000 < 0) --ms;
  return ms;
}

std::string format_double(double d) {
  char buf[64];
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof(buf), d);
  return ec == std::errc() ? std::string(buf, ptr) : "0";
}

class Translator {
 public:
  Translator(std::string_view query, const SearchAttributeTypes& custom, ListQuery* out)
      : q_(query), custom_(custom), out_(out) {}

  Status run(const ParsedQuery& parsed) {
    if (parsed.filter.has_value()) STEAD_RETURN_IF_ERROR(expr(*parsed.filter, &out_->where_sql));
    for (const OrderTerm& term : parsed.order_by) {
      ResolvedAttribute a;
      STEAD_RETURN_IF_ERROR(resolve(term.attribute, term.offset, &a));
      if (a.order_sql.empty()) {
        return expression_error(q_, term.offset,
                           "cannot ORDER BY " + std::string(type_name(a.type)) + " attribute " +
                               quote_for_error(term.attribute));
      }
      if (!out_->order_by_sql.empty()) out_->order_by_sql += ", ";
      out_->order_by_sql += a.order_sql + (term.descending ? " DESC" : " ASC");
    }
    out_->group_by_status = parsed.group_by_status;
    return Status::Ok();
  }

 private:
  Status expr(const Expr& e, std::string* sql) {
    switch (e.kind) {
      case Expr::Kind::kAnd:
      case Expr::Kind::kOr: {
        const char* joiner = e.kind == Expr::Kind::kAnd ? " AND " : " OR ";
        for (size_t i = 0; i < e.children.size(); ++i) {
          std::string child;
          STEAD_RETURN_IF_ERROR(expr(e.children[i], &child));
          if (i > 0) *sql += joiner;
          *sql += "(" + child + ")";
        }
        return Status::Ok();
      }
      case Expr::Kind::kNot: {
        std::string child;
        STEAD_RETURN_IF_ERROR(expr(e.children.at(0), &child));
        // Two-valued NOT: a comparison with an absent value is NULL in SQL, which NOT would
        // keep NULL (excluded); as a filter it means false, so NOT of it must be true.
        *sql = "NOT COALESCE((" + child + "), 0)";
        return Status::Ok();
      }
      case Expr::Kind::kPredicate:
        return predicate(e.predicate, sql);
    }
    return Status::Internal("list query: unknown expression kind");
  }

  Status resolve(const std::string& name, size_t offset, ResolvedAttribute* a) {
    if (!resolve_attribute(name, custom_, a)) {
      return expression_error(q_, offset, "column name " + quote_for_error(name) + " is not a valid search attribute");
    }
    return Status::Ok();
  }

  Status predicate(const Predicate& p, std::string* sql) {
    ResolvedAttribute a;
    STEAD_RETURN_IF_ERROR(resolve(p.attribute, p.attribute_offset, &a));
    if (!operator_allowed(p, a.type)) {
      return expression_error(q_, p.op_offset,
                         "operator " + operator_name(p) + " is not supported for " +
                             type_name(a.type) + " attribute " + quote_for_error(p.attribute));
    }
    if (p.kind == Predicate::Kind::kIsNull) {
      *sql = p.negated ? "NOT (" + a.is_null_sql + ")" : a.is_null_sql;
      return Status::Ok();
    }
    std::vector<std::string> ph;
    for (const Literal& v : p.values) {
      std::string placeholder;
      STEAD_RETURN_IF_ERROR(bind(p.attribute, a.type, v, &placeholder));
      ph.push_back(std::move(placeholder));
    }
    const char* not_ = p.negated ? "NOT " : "";
    if (a.type == ValueType::kKeywordList) {
      // a.sql is the json_each() source; the list "contains" a matching element.
      std::string element;
      switch (p.kind) {
        case Predicate::Kind::kCompare: element = "value = " + ph[0]; break;
        case Predicate::Kind::kIn: element = "value IN (" + join(ph) + ")"; break;
        default: element = "instr(value, " + ph[0] + ") = 1"; break;  // STARTS_WITH
      }
      const bool negative =
          p.negated || (p.kind == Predicate::Kind::kCompare && p.op == CompareOp::kNe);
      *sql = std::string(negative ? "NOT " : "") + "EXISTS (SELECT 1 FROM " + a.sql + " WHERE " +
             element + ")";
      return Status::Ok();
    }
    switch (p.kind) {
      case Predicate::Kind::kCompare:
        if (a.type == ValueType::kText) {
          *sql = "instr(" + a.sql + ", " + ph[0] + (p.op == CompareOp::kEq ? ") > 0" : ") = 0");
        } else {
          *sql = a.sql + " " + op_sql(p.op) + " " + ph[0];
        }
        return Status::Ok();
      case Predicate::Kind::kIn:
        *sql = a.sql + " " + not_ + "IN (" + join(ph) + ")";
        return Status::Ok();
      case Predicate::Kind::kBetween:
        *sql = a.sql + " " + not_ + "BETWEEN " + ph[0] + " AND " + ph[1];
        return Status::Ok();
      case Predicate::Kind::kStartsWith:
        *sql = "instr(" + a.sql + ", " + ph[0] + (p.negated ? ") != 1" : ") = 1");
        return Status::Ok();
      case Predicate::Kind::kIsNull:
        break;
    }
    return Status::Internal("list query: unknown predicate kind");
  }

  static std::string join(const std::vector<std::string>& parts) {
    std::string s;
    for (size_t i = 0; i < parts.size(); ++i) {
      if (i > 0) s += ", ";
      s += parts[i];
    }
    return s;
  }

  Status bad_value(const std::string& attribute, ValueType t, const Literal& v,
                   const char* expected) {
    const std::string shown = v.kind == Literal::Kind::kString ? quote_for_error(v.text) : v.text;
    return expression_error(q_, v.offset,
                       "invalid value " + shown + " for " + type_name(t) + " attribute " +
                           quote_for_error(attribute),
                       std::string("expected ") + expected);
  }

  // Appends the parameter for `v` and sets *placeholder to the SQL that stands for it.
  Status bind(const std::string& attribute, ValueType t, const Literal& v,
              std::string* placeholder) {
    using K = Literal::Kind;
    *placeholder = "CAST(? AS INTEGER)";
    switch (t) {
      case ValueType::kKeyword:
      case ValueType::kText:
      case ValueType::kKeywordList:
        if (v.kind != K::kString) return bad_value(attribute, t, v, "a string");
        *placeholder = "?";
        return push(v.text);
      case ValueType::kInt:
        if (v.kind != K::kInteger) return bad_value(attribute, t, v, "an integer");
        return push(std::to_string(v.integer));
      case ValueType::kDouble:
        if (v.kind != K::kInteger && v.kind != K::kFloat) {
          return bad_value(attribute, t, v, "a number");
        }
        *placeholder = "CAST(? AS REAL)";
        return push(v.kind == K::kInteger ? std::to_string(v.integer) : format_double(v.real));
      case ValueType::kBool: {
        bool b = v.boolean;
        const bool named = ascii_iequals(v.text, "true") || ascii_iequals(v.text, "false");
        if (v.kind == K::kString && named) {
          b = ascii_iequals(v.text, "true");
        } else if (v.kind != K::kBool) {
          return bad_value(attribute, t, v, "true or false");
        }
        return push(b ? "1" : "0");
      }
      case ValueType::kStatus: {
        int32_t status = 0;
        if (v.kind == K::kString && parse_execution_status(v.text, &status)) {
          return push(std::to_string(status));
        }
        if (v.kind == K::kInteger && v.integer >= 0 && v.integer <= 8) {
          return push(std::to_string(v.integer));
        }
        return bad_value(attribute, t, v,
                         "Running, Completed, Failed, Canceled, Terminated, ContinuedAsNew, "
                         "TimedOut or Paused");
      }
      case ValueType::kTimeMillis:
      case ValueType::kDatetime: {
        UnixTime time;
        if (v.kind == K::kInteger) {
          time = from_unix_nanos(v.integer);
        } else if (v.kind != K::kString || !parse_rfc3339(v.text, &time)) {
          return bad_value(attribute, t, v,
                           "an RFC 3339 timestamp such as '2026-01-02T03:04:05Z', or unix "
                           "nanoseconds");
        }
        if (t == ValueType::kTimeMillis) return push(std::to_string(unix_millis(time)));
        std::string fixed;
        if (!format_fixed_utc(time, &fixed)) {
          return bad_value(attribute, t, v, "a time between the years 0000 and 9999 UTC");
        }
        *placeholder = "?";
        return push(std::move(fixed));
      }
      case ValueType::kDurationMillis: {
        int64_t nanos = 0;
        if (v.kind == K::kInteger) {
          nanos = v.integer;
        } else if (v.kind != K::kString || !parse_go_duration(v.text, &nanos)) {
          return bad_value(attribute, t, v,
                           "a duration such as '1h30m' or '250ms', or nanoseconds");
        }
        return push(std::to_string(floor_millis_from_nanos(nanos)));
      }
    }
    return Status::Internal("list query: unknown value type");
  }

  Status push(std::string param) {
    out_->params.push_back(std::move(param));
    return Status::Ok();
  }

  std::string_view q_;
  const SearchAttributeTypes& custom_;
  ListQuery* out_;
};

}  // namespace

Status translate_list_query(const std::string& query, const SearchAttributeTypes& custom,
                            ListQuery* out) {
  *out = ListQuery{};
  ParsedQuery parsed;
  STEAD_RETURN_IF_ERROR(parse_list_query(query, &parsed));
  return Translator(query, custom, out).run(parsed);
}

ListQuery restrict_to_status(const ListQuery& q, int32_t status) {
  ListQuery r;
  r.where_sql = q.where_sql.empty() ? "status = CAST(? AS INTEGER)"
                                    : "(" + q.where_sql + ") AND status = CAST(? AS INTEGER)";
  r.params = q.params;
  r.params.push_back(std::to_string(status));
  r.order_by_sql = q.order_by_sql;
  return r;
}

}  // namespace stead::server::visibility
