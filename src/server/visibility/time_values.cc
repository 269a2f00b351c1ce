#include "server/visibility/time_values.h"

#include <cstdio>
#include <limits>

namespace stead::server::visibility {

namespace {

constexpr int64_t kNanosPerSecond = 1'000'000'000;
constexpr int64_t kSecondsPerDay = 86'400;

// Howard Hinnant's days_from_civil / civil_from_days: proleptic Gregorian calendar, exact for
// every year an int64 day count can hold, with no table and no time zone database.
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void civil_from_days(int64_t z, int64_t* year, unsigned* month, unsigned* day) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *day = doy - (153 * mp + 2) / 5 + 1;
  *month = mp < 10 ? mp + 3 : mp - 9;
  *year = static_cast<int64_t>(yoe) + era * 400 + (*month <= 2 ? 1 : 0);
}

bool is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned days_in_month(int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Reads exactly `n` digits at text[*pos] into *value.
bool read_digits(std::string_view text, size_t* pos, size_t n, unsigned* value) {
  if (text.size() - *pos < n) return false;
  unsigned v = 0;
  for (size_t i = 0; i < n; ++i) {
    const char c = text[*pos + i];
    if (!is_digit(c)) return false;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  *pos += n;
  *value = v;
  return true;
}

bool expect(std::string_view text, size_t* pos, char a, char b = '\0') {
  if (*pos >= text.size()) return false;
  const char c = text[*pos];
  if (c != a && (b == '\0' || c != b)) return false;
  ++*pos;
  return true;
}

int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

}  // namespace

bool parse_rfc3339(std::string_view text, UnixTime* out) {
  size_t pos = 0;
  unsigned year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!read_digits(text, &pos, 4, &year) || !expect(text, &pos, '-') ||
      !read_digits(text, &pos, 2, &month) || !expect(text, &pos, '-') ||
      !read_digits(text, &pos, 2, &day) || !expect(text, &pos, 'T', 't') ||
      !read_digits(text, &pos, 2, &hour) || !expect(text, &pos, ':') ||
      !read_digits(text, &pos, 2, &minute) || !expect(text, &pos, ':') ||
      !read_digits(text, &pos, 2, &second)) {
    return false;
  }
  if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) || hour > 23 ||
      minute > 59 || second > 59) {
    return false;
  }
  int32_t nanos = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    size_t digits = 0;
    while (pos < text.size() && is_digit(text[pos])) {
      if (++digits > 9) return false;
      nanos = nanos * 10 + (text[pos] - '0');
      ++pos;
    }
    if (digits == 0) return false;
    for (size_t i = digits; i < 9; ++i) nanos *= 10;
  }
  int64_t offset_seconds = 0;
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    const bool negative = text[pos] == '-';
    ++pos;
    unsigned oh = 0, om = 0;
    if (!read_digits(text, &pos, 2, &oh) || !expect(text, &pos, ':') ||
        !read_digits(text, &pos, 2, &om) || oh > 23 || om > 59) {
      return false;
    }
    offset_seconds = (static_cast<int64_t>(oh) * 60 + om) * 60 * (negative ? -1 : 1);
  } else {
    return false;
  }
  if (pos != text.size()) return false;
  const int64_t days = days_from_civil(year, month, day);
  out->seconds = days * kSecondsPerDay + static_cast<int64_t>(hour) * 3600 +
                 static_cast<int64_t>(minute) * 60 + second - offset_seconds;
  out->nanos = nanos;
  return true;
}

UnixTime from_unix_nanos(int64_t nanos) {
  UnixTime t;
  t.seconds = floor_div(nanos, kNanosPerSecond);
  t.nanos = static_cast<int32_t>(nanos - t.seconds * kNanosPerSecond);
  return t;
}

int64_t unix_millis(const UnixTime& t) { return t.seconds * 1000 + t.nanos / 1'000'000; }

bool format_fixed_utc(const UnixTime& t, std::string* out) {
  const int64_t days = floor_div(t.seconds, kSecondsPerDay);
  const int64_t secs_of_day = t.seconds - days * kSecondsPerDay;
  int64_t year = 0;
  unsigned month = 0, day = 0;
  civil_from_days(days, &year, &month, &day);
  if (year < 0 || year > 9999) return false;
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%04d-%02u-%02uT%02d:%02d:%02d.%09dZ", static_cast<int>(year),
                month, day, static_cast<int>(secs_of_day / 3600),
                static_cast<int>(secs_of_day / 60 % 60), static_cast<int>(secs_of_day % 60),
                static_cast<int>(t.nanos));
  out->assign(buf);
  return true;
}

bool parse_go_duration(std::string_view text, int64_t* nanos) {
  size_t pos = 0;
  bool negative = false;
  if (pos < text.size() && (text[pos] == '-' || text[pos] == '+')) {
    negative = text[pos] == '-';
    ++pos;
  }
  if (text.substr(pos) == "0") {
    *nanos = 0;
    return true;
  }
  if (pos == text.size()) return false;
  // 2^63 ns is the magnitude limit; accumulate in unsigned __int128 so no step can wrap.
  using Wide = unsigned __int128;
  const Wide limit = static_cast<Wide>(std::numeric_limits<int64_t>::max()) + (negative ? 1 : 0);
  Wide total = 0;
  while (pos < text.size()) {
    Wide whole = 0;
    size_t whole_digits = 0;
    while (pos < text.size() && is_digit(text[pos])) {
      whole = whole * 10 + static_cast<unsigned>(text[pos] - '0');
      if (whole > limit) return false;
      ++whole_digits;
      ++pos;
    }
    Wide frac = 0, frac_scale = 1;
    size_t frac_digits = 0;
    if (pos < text.size() && text[pos] == '.') {
      ++pos;
      while (pos < text.size() && is_digit(text[pos])) {
        // Digits past 1e18 of scale cannot change the nanosecond result; skip them.
        if (frac_scale < static_cast<Wide>(1'000'000'000'000'000'000ULL)) {
          frac = frac * 10 + static_cast<unsigned>(text[pos] - '0');
          frac_scale *= 10;
        }
        ++frac_digits;
        ++pos;
      }
    }
    if (whole_digits == 0 && frac_digits == 0) return false;
    Wide unit = 0;
    auto unit_is = [&](std::string_view u) {
      if (text.substr(pos, u.size()) != u) return false;
      pos += u.size();
      return true;
    };
    if (unit_is("ns")) {
      unit = 1;
    } else if (unit_is("us") || unit_is("\xC2\xB5s") || unit_is("\xCE\xBCs")) {
      unit = 1'000;
    } else if (unit_is("ms")) {
      unit = 1'000'000;
    } else if (unit_is("s")) {
      unit = 1'000'000'000;
    } else if (unit_is("m")) {
      unit = 60ULL * 1'000'000'000;
    } else if (unit_is("h")) {
      unit = 3600ULL * 1'000'000'000;
    } else {
      return false;
    }
    if (whole > limit / unit) return false;
    total += whole * unit + frac * unit / frac_scale;
    if (total > limit) return false;
  }
  if (negative) {
    *nanos = total == limit ? std::numeric_limits<int64_t>::min() : -static_cast<int64_t>(total);
  } else {
    *nanos = static_cast<int64_t>(total);
  }
  return true;
}

}  // namespace stead::server::visibility
