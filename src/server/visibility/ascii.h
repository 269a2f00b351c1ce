// ASCII-only case-insensitive comparison: keywords, type names and status names of the
// list-filter language are ASCII, and user text must never be case-folded by locale.
#pragma once

#include <string_view>

namespace stead::server::visibility {

inline char ascii_upper(char c) {
  return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
}

inline bool ascii_iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (ascii_upper(a[i]) != ascii_upper(b[i])) return false;
  }
  return true;
}

}  // namespace stead::server::visibility
