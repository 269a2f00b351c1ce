#include "server/visibility/query_lexer.h"

#include "server/visibility/query_error.h"

namespace stead::server::visibility {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_ident_start(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
bool is_ident_char(char c) { return is_ident_start(c) || is_digit(c); }

char unescape(char c) {
  switch (c) {
    case 'n': return '\n';
    case 't': return '\t';
    case 'r': return '\r';
    case '0': return '\0';
    case 'b': return '\b';
    case 'Z': return '\x1A';
    default: return c;
  }
}

class Lexer {
 public:
  explicit Lexer(std::string_view query) : q_(query) {}

  Status run(std::vector<Token>* out) {
    out->clear();
    for (;;) {
      while (pos_ < q_.size() && (q_[pos_] == ' ' || q_[pos_] == '\t' || q_[pos_] == '\n' ||
                                  q_[pos_] == '\r')) {
        ++pos_;
      }
      Token t;
      t.offset = pos_;
      if (pos_ == q_.size()) {
        out->push_back(std::move(t));
        return Status::Ok();
      }
      STEAD_RETURN_IF_ERROR(next(&t));
      t.length = pos_ - t.offset;
      out->push_back(std::move(t));
    }
  }

 private:
  Status next(Token* t) {
    const char c = q_[pos_];
    if (is_ident_start(c)) {
      while (pos_ < q_.size() && is_ident_char(q_[pos_])) ++pos_;
      t->kind = TokenKind::kIdentifier;
      t->value = std::string(q_.substr(t->offset, pos_ - t->offset));
      return Status::Ok();
    }
    if (is_digit(c) || (c == '.' && pos_ + 1 < q_.size() && is_digit(q_[pos_ + 1]))) {
      return number(t);
    }
    if (c == '\'' || c == '"') return quoted(c, TokenKind::kString, "string", t);
    if (c == '`') return quoted(c, TokenKind::kQuotedIdentifier, "quoted identifier", t);
    for (std::string_view two : {"<=", ">=", "!=", "<>"}) {
      if (q_.substr(pos_, 2) == two) {
        pos_ += 2;
        t->kind = TokenKind::kOperator;
        t->value = two == "<>" ? "!=" : std::string(two);
        return Status::Ok();
      }
    }
    ++pos_;
    switch (c) {
      case '(': t->kind = TokenKind::kLParen; return Status::Ok();
      case ')': t->kind = TokenKind::kRParen; return Status::Ok();
      case ',': t->kind = TokenKind::kComma; return Status::Ok();
      case '-': t->kind = TokenKind::kMinus; return Status::Ok();
      case '=':
      case '<':
      case '>':
        t->kind = TokenKind::kOperator;
        t->value = std::string(1, c);
        return Status::Ok();
      default:
        break;
    }
    --pos_;
    // Report the whole character, not one byte of a multi-byte one.
    size_t end = pos_ + 1;
    while (end < q_.size() && (static_cast<unsigned char>(q_[end]) & 0xC0) == 0x80) ++end;
    const std::string_view bad = q_.substr(t->offset, end - t->offset);
    return query_error(q_, t->offset, "unexpected character " + quote_for_error(bad));
  }

  Status number(Token* t) {
    bool is_float = false;
    while (pos_ < q_.size() && is_digit(q_[pos_])) ++pos_;
    if (pos_ < q_.size() && q_[pos_] == '.') {
      is_float = true;
      ++pos_;
      while (pos_ < q_.size() && is_digit(q_[pos_])) ++pos_;
    }
    if (pos_ < q_.size() && (q_[pos_] == 'e' || q_[pos_] == 'E')) {
      size_t p = pos_ + 1;
      if (p < q_.size() && (q_[p] == '+' || q_[p] == '-')) ++p;
      if (p < q_.size() && is_digit(q_[p])) {
        is_float = true;
        pos_ = p;
        while (pos_ < q_.size() && is_digit(q_[pos_])) ++pos_;
      }
    }
    if (pos_ < q_.size() && (is_ident_char(q_[pos_]) || q_[pos_] == '.')) {
      size_t end = pos_;
      while (end < q_.size() && (is_ident_char(q_[end]) || q_[end] == '.')) ++end;
      const std::string_view bad = q_.substr(t->offset, end - t->offset);
      return query_error(q_, t->offset, "invalid number " + quote_for_error(bad));
    }
    t->kind = is_float ? TokenKind::kFloat : TokenKind::kInteger;
    t->value = std::string(q_.substr(t->offset, pos_ - t->offset));
    return Status::Ok();
  }

  // A run of characters between two `quote`s; the quote doubled stands for itself. Strings
  // also take backslash escapes; quoted identifiers do not.
  Status quoted(char quote, TokenKind kind, const char* what, Token* t) {
    const bool escapes = kind == TokenKind::kString;
    ++pos_;
    std::string value;
    for (;;) {
      if (pos_ >= q_.size()) {
        return query_error(q_, t->offset, std::string("unterminated ") + what);
      }
      const char c = q_[pos_++];
      if (c == quote) {
        if (pos_ < q_.size() && q_[pos_] == quote) {
          value += quote;
          ++pos_;
          continue;
        }
        break;
      }
      if (escapes && c == '\\') {
        if (pos_ >= q_.size()) {
          return query_error(q_, t->offset, std::string("unterminated ") + what);
        }
        value += unescape(q_[pos_++]);
        continue;
      }
      value += c;
    }
    t->kind = kind;
    t->value = std::move(value);
    return Status::Ok();
  }

  std::string_view q_;
  size_t pos_ = 0;
};

}  // namespace

Status tokenize(std::string_view query, std::vector<Token>* out) { return Lexer(query).run(out); }

}  // namespace stead::server::visibility
