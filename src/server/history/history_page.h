// Page tokens of GetWorkflowExecutionHistory: the id of the next event to return.
#pragma once

#include <charconv>
#include <string>

namespace stead::server::history {

inline std::string encode_page_token(int64_t next_event_id) { return "e" + std::to_string(next_event_id); }

// Returns 0 for a malformed token.
inline int64_t decode_page_token(const std::string& token) {
  if (token.size() < 2 || token[0] != 'e') return 0;
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(token.data() + 1, token.data() + token.size(), value);
  return ec == std::errc() && ptr == token.data() + token.size() ? value : 0;
}

}  // namespace stead::server::history
