#include "stead/search_attributes.h"

#include <cctype>
#include <cstdio>
#include <ctime>

#include <nlohmann/json.hpp>

#include "stead/errors.h"
#include "stead/payload_converter.h"

namespace stead {

namespace {

using Clock = std::chrono::system_clock;

std::string format_rfc3339(Clock::time_point t) {
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  int64_t secs = ns / 1'000'000'000;
  int64_t frac = ns % 1'000'000'000;
  if (frac < 0) {
    frac += 1'000'000'000;
    --secs;
  }
  std::time_t tt = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out = buf;
  if (frac != 0) {
    char digits[16];
    std::snprintf(digits, sizeof digits, ".%09lld", static_cast<long long>(frac));
    std::string f = digits;
    while (f.back() == '0') f.pop_back();
    out += f;
  }
  return out + "Z";
}

// RFC 3339: YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM).
Clock::time_point parse_rfc3339(const std::string& s) {
  int y, mo, d, h, mi, sec;
  int consumed = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2d%*1[Tt ]%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &consumed) != 6)
    throw PayloadConversionError("search attribute: not an RFC 3339 datetime: " + s);
  size_t pos = static_cast<size_t>(consumed);
  int64_t nanos = 0;
  if (pos < s.size() && s[pos] == '.') {
    int64_t scale = 100'000'000;
    for (++pos; pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos])); ++pos, scale /= 10)
      nanos += (s[pos] - '0') * scale;
  }
  int64_t offset = 0;
  if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh = 0, om = 0;
    if (std::sscanf(s.c_str() + pos + 1, "%2d:%2d", &oh, &om) != 2)
      throw PayloadConversionError("search attribute: bad UTC offset in " + s);
    offset = (s[pos] == '+' ? 1 : -1) * (oh * 3600 + om * 60);
  }
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  int64_t epoch = static_cast<int64_t>(timegm(&tm)) - offset;
  return Clock::time_point(std::chrono::duration_cast<Clock::duration>(std::chrono::seconds(epoch) +
                                                                         std::chrono::nanoseconds(nanos)));
}

Payload typed(nlohmann::json value, const char* type) {
  Payload p = detail::json_payload(value);
  (*p.mutable_metadata())["type"] = type;
  return p;
}

}  // namespace

Payload search_attribute_payload(const SearchAttributeValue& value) {
  struct Visitor {
    Payload operator()(const Keyword& v) const { return typed(v.value, "Keyword"); }
    Payload operator()(const Text& v) const { return typed(v.value, "Text"); }
    Payload operator()(int64_t v) const { return typed(v, "Int"); }
    Payload operator()(double v) const { return typed(v, "Double"); }
    Payload operator()(bool v) const { return typed(v, "Bool"); }
    Payload operator()(Clock::time_point v) const { return typed(format_rfc3339(v), "Datetime"); }
    Payload operator()(const KeywordList& v) const { return typed(v, "KeywordList"); }
  };
  return std::visit(Visitor{}, value);
}

SearchAttributeValue search_attribute_value(const Payload& payload) {
  auto json = from_payload<nlohmann::json>(payload);
  auto it = payload.metadata().find("type");
  std::string type = it == payload.metadata().end() ? "" : it->second;
  try {
    if (type == "Keyword") return Keyword{json.get<std::string>()};
    if (type == "Text") return Text{json.get<std::string>()};
    if (type == "Int") {
      // get<int64_t> of a float out of range is undefined behaviour: only integers convert.
      if (!json.is_number_integer()) throw PayloadConversionError("search attribute of type Int holds " + json.dump());
      return json.get<int64_t>();
    }
    if (type == "Double") return json.get<double>();
    if (type == "Bool") return json.get<bool>();
    if (type == "Datetime") return parse_rfc3339(json.get<std::string>());
    if (type == "KeywordList") {
      // A single keyword is accepted where a list is expected, as the server does.
      if (json.is_string()) return KeywordList{json.get<std::string>()};
      return json.get<KeywordList>();
    }
    if (!type.empty()) throw PayloadConversionError("search attribute: unknown type metadata \"" + type + "\"");
    if (json.is_string()) return Keyword{json.get<std::string>()};
    if (json.is_number_integer()) return json.get<int64_t>();
    if (json.is_number()) return json.get<double>();
    if (json.is_boolean()) return json.get<bool>();
    if (json.is_array()) return json.get<KeywordList>();
  } catch (const nlohmann::json::exception& e) {
    throw PayloadConversionError("search attribute of type " + type + " holds " + json.dump() + ": " + e.what());
  }
  throw PayloadConversionError("search attribute value " + json.dump() + " has no search attribute type");
}

std::map<std::string, Payload> search_attribute_payloads(const SearchAttributes& attributes) {
  std::map<std::string, Payload> out;
  for (const auto& [name, value] : attributes) out.emplace(name, search_attribute_payload(value));
  return out;
}

SearchAttributes to_search_attributes(const std::map<std::string, Payload>& payloads) {
  SearchAttributes out;
  for (const auto& [name, payload] : payloads) out.emplace(name, search_attribute_value(payload));
  return out;
}

}  // namespace stead
