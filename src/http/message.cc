#include "stead/http_message.h"

#include <openssl/rand.h>

#include <cctype>
#include <chrono>

#include "http/internal.h"
#include "stead/http_problem.h"

namespace stead::http {
namespace {

std::string random_hex(std::size_t bytes) {
  std::string raw(bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes)) != 1) {
    // RAND_bytes fails only without entropy; ids must still differ, so fall back to the clock.
    auto t = static_cast<unsigned long long>(std::chrono::steady_clock::now().time_since_epoch().count());
    for (std::size_t i = 0; i < bytes; ++i) raw[i] = static_cast<char>((t >> ((i % 8) * 8)) ^ i);
  }
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : raw) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

bool is_lower_hex(std::string_view s, std::size_t n) {
  if (s.size() != n) return false;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c)) && !(c >= 'a' && c <= 'f')) return false;
  return s.find_first_not_of('0') != std::string_view::npos;  // all zeros is invalid
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

std::string TraceContext::traceparent() const { return "00-" + trace_id + "-" + span_id + "-" + flags; }

std::optional<TraceContext> TraceContext::parse(std::string_view h) {
  // version "-" trace-id "-" parent-id "-" flags; version ff is invalid. Later versions may
  // append fields, so only the first 55 characters are read for versions other than 00.
  if (h.size() < 55 || h[2] != '-' || h[35] != '-' || h[52] != '-') return std::nullopt;
  std::string_view version = h.substr(0, 2);
  if (version == "ff" || (version == "00" && h.size() != 55)) return std::nullopt;
  if (h.size() > 55 && h[55] != '-') return std::nullopt;
  for (char c : version)
    if (!std::isxdigit(static_cast<unsigned char>(c)) || std::isupper(static_cast<unsigned char>(c))) return std::nullopt;
  TraceContext t;
  t.trace_id = std::string(h.substr(3, 32));
  t.parent_id = std::string(h.substr(36, 16));
  std::string flags(h.substr(53, 2));
  if (!is_lower_hex(t.trace_id, 32) || !is_lower_hex(t.parent_id, 16)) return std::nullopt;
  if (!std::isxdigit(static_cast<unsigned char>(flags[0])) || !std::isxdigit(static_cast<unsigned char>(flags[1])))
    return std::nullopt;
  t.flags = flags;
  t.span_id = random_hex(8);
  return t;
}

TraceContext TraceContext::start() {
  TraceContext t;
  t.trace_id = random_hex(16);
  t.span_id = random_hex(8);
  return t;
}

namespace {

std::string percent_decode(std::string_view s, bool plus_is_space) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else if (plus_is_space && s[i] == '+') {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

void detail::set_request_target(std::string_view target, Request& req) {
  auto q = target.find('?');
  req.path = percent_decode(target.substr(0, q), false);
  req.query.clear();
  if (q == std::string_view::npos) return;
  std::string_view query = target.substr(q + 1);
  std::size_t pos = 0;
  while (pos <= query.size()) {
    auto end = query.find('&', pos);
    if (end == std::string_view::npos) end = query.size();
    std::string_view pair = query.substr(pos, end - pos);
    if (!pair.empty()) {
      auto eq = pair.find('=');
      req.query.emplace(percent_decode(pair.substr(0, eq), true),
                        eq == std::string_view::npos ? "" : percent_decode(pair.substr(eq + 1), true));
    }
    pos = end + 1;
  }
}

std::string_view Request::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (iequals(k, name)) return v;
  return {};
}

const std::string& Request::param(std::string_view name) const {
  static const std::string kEmpty;
  auto it = path_params.find(std::string(name));
  return it == path_params.end() ? kEmpty : it->second;
}

std::optional<std::string> Request::query_param(std::string_view name) const {
  auto it = query.find(std::string(name));
  if (it == query.end()) return std::nullopt;
  return it->second;
}

namespace detail {

bool json_too_deep(std::string_view text) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxJsonDepth) return true;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

}  // namespace detail

nlohmann::json Request::json() const {
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) return nullptr;
  if (detail::json_too_deep(body))
    throw HttpError(make_problem(400, "the body nests arrays or objects deeper than " +
                                          std::to_string(detail::kMaxJsonDepth) + " levels",
                                 "urn:stead:problem:malformed-json"));
  try {
    return nlohmann::json::parse(body);
  } catch (const nlohmann::json::parse_error& e) {
    // The parser's message names the byte offset, which helps the caller; it holds no body text.
    throw HttpError(make_problem(400, std::string("the body is not valid JSON: ") + e.what(),
                                 "urn:stead:problem:malformed-json"));
  }
}

std::string_view Response::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (iequals(k, name)) return v;
  return {};
}

void Response::set_header(std::string name, std::string value) {
  std::erase_if(headers, [&](const auto& h) { return iequals(h.first, name); });
  headers.emplace_back(std::move(name), std::move(value));
}

Response Response::json(int status, const nlohmann::json& body) {
  Response r;
  r.status = status;
  r.headers.emplace_back("Content-Type", "application/json");
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

Response Response::text(int status, std::string body, std::string content_type) {
  Response r;
  r.status = status;
  r.headers.emplace_back("Content-Type", std::move(content_type));
  r.body = std::move(body);
  return r;
}

Response Response::empty(int status) {
  Response r;
  r.status = status;
  return r;
}

}  // namespace stead::http
