#include "server/visibility/query_parser.h"

#include <charconv>
#include <cmath>
#include <string>
#include <vector>

#include "server/visibility/ascii.h"
#include "server/visibility/query_error.h"
#include "server/visibility/query_lexer.h"

namespace stead::server::visibility {

namespace {

// Words that cannot name an attribute without backticks.
constexpr std::string_view kKeywords[] = {
    "AND", "OR", "NOT", "IN", "BETWEEN", "IS", "NULL", "ORDER", "GROUP", "BY",
    "ASC", "DESC", "TRUE", "FALSE", "STARTS_WITH", "LIKE",
};

bool is_keyword(const Token& t) {
  if (t.kind != TokenKind::kIdentifier) return false;
  for (std::string_view k : kKeywords) {
    if (ascii_iequals(t.value, k)) return true;
  }
  return false;
}

class Parser {
 public:
  Parser(std::string_view query, std::vector<Token> tokens)
      : q_(query), tokens_(std::move(tokens)) {}

  Status run(ParsedQuery* out) {
    *out = ParsedQuery{};
    if (!at_keyword("ORDER") && !at_keyword("GROUP") && peek().kind != TokenKind::kEnd) {
      Expr filter;
      STEAD_RETURN_IF_ERROR(or_expr(&filter));
      out->filter = std::move(filter);
    }
    if (at_keyword("GROUP")) {
      ++i_;
      STEAD_RETURN_IF_ERROR(expect_keyword("BY"));
      std::string name;
      size_t offset = 0;
      STEAD_RETURN_IF_ERROR(attribute(&name, &offset));
      if (name != "ExecutionStatus") {
        return query_error(q_, offset, "GROUP BY " + quote_for_error(name) + " is not supported",
                           "only GROUP BY ExecutionStatus is");
      }
      out->group_by_status = true;
    }
    if (at_keyword("ORDER")) {
      const size_t order_offset = peek().offset;
      if (out->group_by_status) {
        return query_error(q_, order_offset, "ORDER BY cannot be combined with GROUP BY");
      }
      ++i_;
      STEAD_RETURN_IF_ERROR(expect_keyword("BY"));
      for (;;) {
        if (out->order_by.size() == kMaxOrderTerms) {
          return query_error(q_, peek().offset, "too many ORDER BY terms",
                             "at most " + std::to_string(kMaxOrderTerms));
        }
        OrderTerm term;
        STEAD_RETURN_IF_ERROR(attribute(&term.attribute, &term.offset));
        if (at_keyword("DESC")) {
          term.descending = true;
          ++i_;
        } else if (at_keyword("ASC")) {
          ++i_;
        }
        out->order_by.push_back(std::move(term));
        if (peek().kind != TokenKind::kComma) break;
        ++i_;
      }
    }
    if (peek().kind != TokenKind::kEnd) {
      return unexpected(peek(), "expected AND, OR, ORDER BY or the end of the query");
    }
    return Status::Ok();
  }

 private:
  const Token& peek() const { return tokens_[i_]; }

  bool at_keyword(std::string_view k) const {
    return peek().kind == TokenKind::kIdentifier && ascii_iequals(peek().value, k);
  }

  Status unexpected(const Token& t, const std::string& hint) const {
    if (t.kind == TokenKind::kEnd) {
      return query_error(q_, t.offset, "unexpected end of query", hint);
    }
    const std::string_view text = q_.substr(t.offset, t.length);
    return query_error(q_, t.offset, "unexpected token " + quote_for_error(text), hint);
  }

  Status expect_keyword(std::string_view k) {
    if (!at_keyword(k)) return unexpected(peek(), "expected " + std::string(k));
    ++i_;
    return Status::Ok();
  }

  Status expect(TokenKind kind, const char* hint) {
    if (peek().kind != kind) return unexpected(peek(), hint);
    ++i_;
    return Status::Ok();
  }

  Status enter(const Token& t) {
    if (++depth_ > kMaxNesting) {
      return query_error(
          q_, t.offset, "query nests too deeply",
          "at most " + std::to_string(kMaxNesting) + " levels of parentheses and NOT");
    }
    return Status::Ok();
  }

  // Parses `child {KEYWORD child}` into one n-ary node (or the single child).
  template <typename Child>
  Status chain(const char* keyword, Expr::Kind kind, Child child, Expr* out) {
    Expr first;
    STEAD_RETURN_IF_ERROR((this->*child)(&first));
    if (!at_keyword(keyword)) {
      *out = std::move(first);
      return Status::Ok();
    }
    Expr node;
    node.kind = kind;
    node.children.push_back(std::move(first));
    while (at_keyword(keyword)) {
      ++i_;
      Expr next;
      STEAD_RETURN_IF_ERROR((this->*child)(&next));
      node.children.push_back(std::move(next));
    }
    *out = std::move(node);
    return Status::Ok();
  }

  Status or_expr(Expr* out) { return chain("OR", Expr::Kind::kOr, &Parser::and_expr, out); }
  Status and_expr(Expr* out) { return chain("AND", Expr::Kind::kAnd, &Parser::not_expr, out); }

  Status not_expr(Expr* out) {
    const Token& t = peek();
    if (at_keyword("NOT")) {
      STEAD_RETURN_IF_ERROR(enter(t));
      ++i_;
      Expr inner;
      STEAD_RETURN_IF_ERROR(not_expr(&inner));
      --depth_;
      *out = Expr{};
      out->kind = Expr::Kind::kNot;
      out->children.push_back(std::move(inner));
      return Status::Ok();
    }
    if (t.kind == TokenKind::kLParen) {
      STEAD_RETURN_IF_ERROR(enter(t));
      ++i_;
      STEAD_RETURN_IF_ERROR(or_expr(out));
      STEAD_RETURN_IF_ERROR(expect(TokenKind::kRParen, "expected ')'"));
      --depth_;
      return Status::Ok();
    }
    *out = Expr{};
    out->kind = Expr::Kind::kPredicate;
    return predicate(&out->predicate);
  }

  Status attribute(std::string* name, size_t* offset) {
    const Token& t = peek();
    if (t.kind == TokenKind::kQuotedIdentifier ||
        (t.kind == TokenKind::kIdentifier && !is_keyword(t))) {
      *name = t.value;
      *offset = t.offset;
      ++i_;
      return Status::Ok();
    }
    return unexpected(t, "expected a search attribute name");
  }

  Status predicate(Predicate* p) {
    if (++predicates_ > kMaxPredicates) {
      return query_error(q_, peek().offset, "too many conditions",
                         "at most " + std::to_string(kMaxPredicates));
    }
    STEAD_RETURN_IF_ERROR(attribute(&p->attribute, &p->attribute_offset));
    const Token& t = peek();
    p->op_offset = t.offset;
    if (t.kind == TokenKind::kOperator) {
      ++i_;
      p->kind = Predicate::Kind::kCompare;
      if (t.value == "=") p->op = CompareOp::kEq;
      else if (t.value == "!=") p->op = CompareOp::kNe;
      else if (t.value == "<") p->op = CompareOp::kLt;
      else if (t.value == "<=") p->op = CompareOp::kLe;
      else if (t.value == ">") p->op = CompareOp::kGt;
      else p->op = CompareOp::kGe;
      return value(&p->values);
    }
    if (at_keyword("IS")) {
      ++i_;
      p->kind = Predicate::Kind::kIsNull;
      if (at_keyword("NOT")) {
        p->negated = true;
        ++i_;
      }
      return expect_keyword("NULL");
    }
    if (at_keyword("NOT")) {
      p->negated = true;
      ++i_;
    }
    if (at_keyword("IN")) {
      ++i_;
      p->kind = Predicate::Kind::kIn;
      STEAD_RETURN_IF_ERROR(expect(TokenKind::kLParen, "expected '(' after IN"));
      for (;;) {
        STEAD_RETURN_IF_ERROR(value(&p->values));
        if (peek().kind != TokenKind::kComma) break;
        ++i_;
      }
      return expect(TokenKind::kRParen, "expected ',' or ')'");
    }
    if (at_keyword("BETWEEN")) {
      ++i_;
      p->kind = Predicate::Kind::kBetween;
      STEAD_RETURN_IF_ERROR(value(&p->values));
      STEAD_RETURN_IF_ERROR(expect_keyword("AND"));
      return value(&p->values);
    }
    if (at_keyword("STARTS_WITH")) {
      ++i_;
      p->kind = Predicate::Kind::kStartsWith;
      return value(&p->values);
    }
    if (at_keyword("LIKE")) {
      return query_error(q_, peek().offset, "operator LIKE is not supported",
                         "use STARTS_WITH for prefixes");
    }
    return unexpected(peek(), p->negated ? "expected IN, BETWEEN or STARTS_WITH after NOT"
                                         : "expected an operator");
  }

  Status value(std::vector<Literal>* values) {
    if (++values_ > kMaxValues) {
      return query_error(q_, peek().offset, "too many values",
                         "at most " + std::to_string(kMaxValues));
    }
    const Token& t = peek();
    Literal v;
    v.offset = t.offset;
    bool negative = false;
    const Token* number = &t;
    if (t.kind == TokenKind::kMinus) {
      negative = true;
      number = &tokens_[i_ + 1];  // safe: the last token is kEnd, never kMinus
      if (number->kind != TokenKind::kInteger && number->kind != TokenKind::kFloat) {
        return unexpected(*number, "expected a number after '-'");
      }
      ++i_;
    }
    if (number->kind == TokenKind::kString) {
      v.kind = Literal::Kind::kString;
      v.text = number->value;
    } else if (number->kind == TokenKind::kInteger) {
      v.kind = Literal::Kind::kInteger;
      v.text = (negative ? "-" : "") + number->value;
      const char* end = v.text.data() + v.text.size();
      auto [ptr, ec] = std::from_chars(v.text.data(), end, v.integer);
      if (ec != std::errc() || ptr != end) {
        return query_error(q_, v.offset, "integer " + quote_for_error(v.text) + " is out of range");
      }
    } else if (number->kind == TokenKind::kFloat) {
      v.kind = Literal::Kind::kFloat;
      v.text = (negative ? "-" : "") + number->value;
      // from_chars, not strtod: independent of the process locale's decimal point.
      const char* end = v.text.data() + v.text.size();
      auto [ptr, ec] = std::from_chars(v.text.data(), end, v.real);
      if (ec != std::errc() || ptr != end || !std::isfinite(v.real)) {
        return query_error(q_, v.offset, "number " + quote_for_error(v.text) + " is out of range");
      }
    } else if (number->kind == TokenKind::kIdentifier &&
               (ascii_iequals(number->value, "TRUE") || ascii_iequals(number->value, "FALSE"))) {
      v.kind = Literal::Kind::kBool;
      v.text = number->value;
      v.boolean = ascii_iequals(number->value, "TRUE");
    } else {
      return unexpected(t, "expected a value");
    }
    ++i_;
    values->push_back(std::move(v));
    return Status::Ok();
  }

  std::string_view q_;
  std::vector<Token> tokens_;
  size_t i_ = 0;
  size_t depth_ = 0;
  size_t predicates_ = 0;
  size_t values_ = 0;
};

}  // namespace

Status parse_list_query(std::string_view query, ParsedQuery* out) {
  std::vector<Token> tokens;
  STEAD_RETURN_IF_ERROR(tokenize(query, &tokens));
  return Parser(query, std::move(tokens)).run(out);
}

}  // namespace stead::server::visibility
