#include "server/visibility/query_error.h"

#include <algorithm>

namespace stead::server::visibility {

namespace {

bool is_continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

// Length of the valid UTF-8 sequence starting at text[i], or 0 if it is not valid (overlongs
// and surrogates are not worth rejecting for an error message; truncated sequences are).
size_t utf8_length(std::string_view text, size_t i) {
  const auto c = static_cast<unsigned char>(text[i]);
  size_t n = 0;
  if (c < 0x80) return 1;
  if ((c & 0xE0) == 0xC0) n = 2;
  else if ((c & 0xF0) == 0xE0) n = 3;
  else if ((c & 0xF8) == 0xF0) n = 4;
  else return 0;
  if (text.size() - i < n) return 0;
  for (size_t k = 1; k < n; ++k) {
    if (!is_continuation(static_cast<unsigned char>(text[i + k]))) return 0;
  }
  return n;
}

}  // namespace

static size_t character_position(std::string_view query, size_t offset) {
  offset = std::min(offset, query.size());
  size_t position = 1;
  for (size_t i = 0; i < offset; ++i) {
    if (!is_continuation(static_cast<unsigned char>(query[i]))) ++position;
  }
  return position;
}

Status query_error(std::string_view query, size_t offset, const std::string& what,
                   const std::string& hint) {
  std::string message =
      "invalid query: syntax error at position " + std::to_string(character_position(query, offset)) + ": " + what;
  if (!hint.empty()) message += "; " + hint;
  return Status::InvalidArgument(std::move(message));
}

Status expression_error(std::string_view query, size_t offset, const std::string& what,
                        const std::string& hint) {
  std::string message =
      "invalid query: invalid expression: " + what + " at position " + std::to_string(character_position(query, offset));
  if (!hint.empty()) message += "; " + hint;
  return Status::InvalidArgument(std::move(message));
}

std::string quote_for_error(std::string_view text) {
  constexpr size_t kMaxBytes = 40;
  std::string out = "'";
  size_t i = 0;
  while (i < text.size()) {
    const size_t n = utf8_length(text, i);
    if (out.size() - 1 + std::max<size_t>(n, 1) > kMaxBytes) {
      out += "...";
      break;
    }
    const auto c = static_cast<unsigned char>(text[i]);
    if (n == 0 || (n == 1 && (c < 0x20 || c == 0x7F))) {
      out += '?';
      ++i;
    } else {
      out.append(text.substr(i, n));
      i += n;
    }
  }
  out += "'";
  return out;
}

}  // namespace stead::server::visibility
