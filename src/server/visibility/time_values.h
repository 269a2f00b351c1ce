// Time values of the list-filter language: RFC 3339 timestamps, integer unix nanos and Go
// duration strings, the forms Temporal accepts for StartTime, CloseTime, ExecutionTime,
// ExecutionDuration and Datetime search attributes.
//
// Everything here is pure and allocation-light; no function reads the clock or the time zone
// database, so results do not depend on the host (no timegm, no TZ).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace stead::server::visibility {

// A UTC instant with nanosecond precision. Invariant: 0 <= nanos < 1'000'000'000.
struct UnixTime {
  int64_t seconds = 0;
  int32_t nanos = 0;
};

// Parses an RFC 3339 timestamp `YYYY-MM-DDTHH:MM:SS[.F](Z|+HH:MM|-HH:MM)` where F is 1 to 9
// digits ('t' and 'z' are accepted in lower case too). Returns false, leaving *out
// unspecified, for any other text or an out-of-range field (month 13, Feb 30, hour 24,
// second 60, offset hour 24, ...).
bool parse_rfc3339(std::string_view text, UnixTime* out);

// The instant `nanos` nanoseconds after the unix epoch (negative = before it).
UnixTime from_unix_nanos(int64_t nanos);

// Milliseconds since the unix epoch, rounded toward negative infinity (the precision of the
// visibility table's *_time_ms columns).
int64_t unix_millis(const UnixTime& t);

// Formats `t` as the fixed-width UTC form `YYYY-MM-DDTHH:MM:SS.NNNNNNNNNZ` (30 characters,
// always nine fraction digits), in which string order is time order. Returns false when the
// year falls outside 0000-9999, which the fixed width cannot hold.
bool format_fixed_utc(const UnixTime& t, std::string* out);

// Parses a Go duration string: an optional sign, then one or more decimal numbers with a unit
// each, e.g. "1h30m", "1.5s", "250ms", "-2us", "10ns" (units ns, us, µs, ms, s, m, h), or
// "0". Returns false on other text or on overflow of int64 nanoseconds.
bool parse_go_duration(std::string_view text, int64_t* nanos);

}  // namespace stead::server::visibility
