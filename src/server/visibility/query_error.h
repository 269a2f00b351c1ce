// Error values of the list-filter language.
//
// Every error is Status::InvalidArgument whose message names the problem and where it is:
//   invalid query: unexpected token ')' at position 17; expected a value
// Positions are 1-based and count characters (UTF-8 code points), not bytes, so they match
// what a user sees in the query they typed. The end of the query is position length + 1.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/status.h"

namespace stead::server::visibility {

// A malformed query (lexer, parser): InvalidArgument
// "invalid query: syntax error at position <n>: <what>[; <hint>]", where n is the character
// position of byte offset `offset` in `query` (offset may equal query.size(): the end).
// The "syntax error" wording is the Temporal server's, which clients and tests match on.
Status query_error(std::string_view query, size_t offset, const std::string& what,
                   const std::string& hint = "");

// A well-formed query that cannot be run (unknown attribute, wrong value type): InvalidArgument
// "invalid query: invalid expression: <what> at position <n>[; <hint>]".
Status expression_error(std::string_view query, size_t offset, const std::string& what,
                        const std::string& hint = "");

// `text` in single quotes, fit to be embedded in an error message: cut to at most 40 bytes at
// a character boundary (with "..." appended), control characters and bytes that are not
// valid UTF-8 replaced by '?'. Never echoes an unbounded amount of user input.
std::string quote_for_error(std::string_view text);

}  // namespace stead::server::visibility
