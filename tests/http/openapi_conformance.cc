#include "openapi_conformance.h"

namespace stead::http::test {

namespace {

using json = nlohmann::json;

std::vector<std::string> split(const std::string& path) {
  std::vector<std::string> out;
  std::size_t pos = 1;
  while (pos <= path.size()) {
    auto end = path.find('/', pos);
    if (end == std::string::npos) end = path.size();
    out.push_back(path.substr(pos, end - pos));
    pos = end + 1;
  }
  if (!out.empty() && out.back().empty()) out.pop_back();
  return out;
}

bool type_matches(const std::string& t, const json& v) {
  if (t == "null") return v.is_null();
  if (t == "string") return v.is_string();
  if (t == "integer") return v.is_number_integer() || (v.is_number_float() && v.get<double>() == static_cast<long long>(v.get<double>()));
  if (t == "number") return v.is_number();
  if (t == "boolean") return v.is_boolean();
  if (t == "array") return v.is_array();
  if (t == "object") return v.is_object();
  return false;
}

void validate(const json& doc, const json& schema, const json& v, const std::string& at, std::vector<std::string>& out) {
  if (schema.contains("$ref")) {
    std::string ref = schema["$ref"];
    const std::string prefix = "#/components/schemas/";
    if (ref.rfind(prefix, 0) != 0 || !doc["components"]["schemas"].contains(ref.substr(prefix.size())))
      return out.push_back(at + ": unresolvable $ref " + ref);
    return validate(doc, doc["components"]["schemas"][ref.substr(prefix.size())], v, at, out);
  }
  if (schema.contains("anyOf")) {
    for (const auto& s : schema["anyOf"]) {
      std::vector<std::string> sub;
      validate(doc, s, v, at, sub);
      if (sub.empty()) return;
    }
    return out.push_back(at + ": matches no anyOf branch");
  }
  if (schema.contains("type")) {
    bool ok = false;
    if (schema["type"].is_array())
      for (const auto& t : schema["type"]) ok = ok || type_matches(t, v);
    else
      ok = type_matches(schema["type"], v);
    if (!ok) return out.push_back(at + ": type is not " + schema["type"].dump() + " (" + v.dump() + ")");
  }
  if (schema.contains("enum")) {
    bool found = false;
    for (const auto& e : schema["enum"]) found = found || e == v;
    if (!found) out.push_back(at + ": not in enum");
  }
  if (v.is_number()) {
    if (schema.contains("minimum") && v.get<double>() < schema["minimum"].get<double>()) out.push_back(at + ": < minimum");
    if (schema.contains("maximum") && v.get<double>() > schema["maximum"].get<double>()) out.push_back(at + ": > maximum");
  }
  if (v.is_string()) {
    auto n = v.get<std::string>().size();
    if (schema.contains("minLength") && n < schema["minLength"].get<std::size_t>()) out.push_back(at + ": too short");
    if (schema.contains("maxLength") && n > schema["maxLength"].get<std::size_t>()) out.push_back(at + ": too long");
  }
  if (v.is_array()) {
    if (schema.contains("minItems") && v.size() < schema["minItems"].get<std::size_t>()) out.push_back(at + ": too few items");
    if (schema.contains("maxItems") && v.size() > schema["maxItems"].get<std::size_t>()) out.push_back(at + ": too many items");
    std::size_t first = 0;
    if (schema.contains("prefixItems"))
      for (; first < schema["prefixItems"].size() && first < v.size(); ++first)
        validate(doc, schema["prefixItems"][first], v[first], at + "[" + std::to_string(first) + "]", out);
    if (schema.contains("items"))
      for (std::size_t i = first; i < v.size(); ++i) validate(doc, schema["items"], v[i], at + "[" + std::to_string(i) + "]", out);
  }
  if (v.is_object()) {
    if (schema.contains("required"))
      for (const auto& r : schema["required"])
        if (!v.contains(r.get<std::string>())) out.push_back(at + ": missing required " + r.get<std::string>());
    const json props = schema.value("properties", json::object());
    for (const auto& [k, val] : v.items()) {
      if (props.contains(k)) validate(doc, props[k], val, at + "." + k, out);
      else if (schema.contains("additionalProperties") && schema["additionalProperties"] == false)
        out.push_back(at + ": unexpected member " + k);
    }
  }
}

}  // namespace

std::vector<std::string> check_response(const json& doc, const std::string& method_in, const std::string& path,
                                        int status, const std::string& content_type, const std::string& body) {
  std::vector<std::string> out;
  std::string method;
  for (char c : method_in) method += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto segs = split(path);
  const json* op = nullptr;
  int best = -1;
  for (const auto& [templ, item] : doc["paths"].items()) {
    auto t = split(templ);
    if (t.size() != segs.size() || !item.contains(method)) continue;
    int literals = 0;
    bool ok = true;
    for (std::size_t i = 0; i < t.size() && ok; ++i) {
      if (t[i].size() > 2 && t[i].front() == '{') continue;
      ok = t[i] == segs[i];
      ++literals;
    }
    if (ok && literals > best) {
      best = literals;
      op = &item[method];
    }
  }
  if (!op) return {method_in + " " + path + ": no operation in the document"};
  const json& responses = (*op)["responses"];
  std::string key = std::to_string(status);
  const json* resp = responses.contains(key) ? &responses[key] : responses.contains("default") ? &responses["default"] : nullptr;
  if (!resp) return {method_in + " " + path + ": status " + key + " is not declared"};
  if (!resp->contains("content")) {
    if (!body.empty()) out.push_back(key + ": a body where none is declared");
    return out;
  }
  std::string ct = content_type.substr(0, content_type.find(';'));
  const json* media = nullptr;
  for (const auto& [name, m] : (*resp)["content"].items()) {
    std::string range = name.substr(0, name.find(';'));
    bool wildcard = range == "*/*" || (range.size() > 2 && range.substr(range.size() - 2) == "/*" &&
                                       ct.rfind(range.substr(0, range.size() - 1), 0) == 0);
    if (range == ct || wildcard) media = &m;
  }
  if (!media) return {method_in + " " + path + " " + key + ": content type " + content_type + " is not declared"};
  if (media->contains("schema") && (ct == "application/json" || ct == "application/problem+json")) {
    json v;
    try {
      v = json::parse(body);
    } catch (const json::exception&) {
      return {key + ": the body is not JSON"};
    }
    validate(doc, (*media)["schema"], v, method_in + " " + path + " " + key + " body", out);
  }
  return out;
}

}  // namespace stead::http::test
