// The lexer of Temporal's list-filter language (the WHERE / ORDER BY text of
// ListWorkflowExecutions and CountWorkflowExecutions).
//
// Tokens:
//   identifier          [A-Za-z_][A-Za-z0-9_]*; keywords (AND, OR, IN, ...) are identifiers
//                       too and are recognised, case-insensitively, by the parser
//   quoted identifier   `...`; a doubled backtick stands for one; never a keyword
//   string              '...' or "..."; the quote doubled, or backslash escapes
//                       (\n \t \r \0 \b \Z, and \<c> = c for any other c) stand for characters
//   integer, float      123, 1.5, 2e10, .5; a number running into a letter (12ab) is an error.
//                       A leading '-' is a separate token (the parser folds it in).
//   punctuation         ( ) , -
//   operator            = != <> < <= > >=
// Whitespace (space, tab, CR, LF) separates tokens. Any other character is an error.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace stead::server::visibility {

enum class TokenKind {
  kEnd,  // always the last token; offset = query length
  kIdentifier,
  kQuotedIdentifier,
  kString,
  kInteger,
  kFloat,
  kLParen,
  kRParen,
  kComma,
  kMinus,
  kOperator,
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  // Identifier name (backticks removed), decoded string value, number as written, or
  // operator spelling ("<>" is reported as "!=").
  std::string value;
  size_t offset = 0;  // byte offset of the token's first character in the query
  size_t length = 0;  // bytes of query text the token spans (for error messages)
};

// Splits `query` into tokens, ending with one kEnd token. On error returns InvalidArgument
// (see query_error.h) naming the problem and its position; *out is then unspecified.
Status tokenize(std::string_view query, std::vector<Token>* out);

}  // namespace stead::server::visibility
