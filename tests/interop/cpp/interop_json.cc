#include "interop_json.h"

#include <stdexcept>

#include "stead/payload_converter.h"

namespace interop {

std::string to_hex(const stead::Bytes& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  for (std::byte b : bytes) {
    hex += kDigits[static_cast<unsigned>(b) >> 4];
    hex += kDigits[static_cast<unsigned>(b) & 0xf];
  }
  return hex;
}

stead::Bytes from_hex(const std::string& hex) {
  if (hex.size() % 2) throw std::invalid_argument("odd number of hex digits: " + hex);
  stead::Bytes bytes;
  for (std::size_t i = 0; i < hex.size(); i += 2)
    bytes.push_back(static_cast<std::byte>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return bytes;
}

stead::Payload payload_from_json(const nlohmann::json& value) {
  if (value.is_object() && value.size() == 1 && value.contains("$bytes"))
    return stead::to_payload(from_hex(value["$bytes"].get<std::string>()));
  return stead::to_payload(value);  // null -> binary/null
}

std::vector<stead::Payload> payloads_from_json(const nlohmann::json& values) {
  if (!values.is_array()) throw std::invalid_argument("arguments must be a JSON array, got " + values.dump());
  std::vector<stead::Payload> payloads;
  for (const auto& v : values) payloads.push_back(payload_from_json(v));
  return payloads;
}

nlohmann::json json_from_payload(const stead::Payload* payload) {
  if (!payload) return {{"encoding", nullptr}, {"value", nullptr}};
  const std::string encoding(stead::encoding_of(*payload));
  nlohmann::json value;
  if (encoding == stead::encoding::kBinary) {
    value = {{"$bytes", to_hex(stead::from_payload<stead::Bytes>(*payload))}};
  } else {
    value = stead::from_payload<nlohmann::json>(*payload);  // binary/null -> null
  }
  return {{"encoding", encoding}, {"value", value}};
}

nlohmann::json json_from_failure(const stead::FailureError* failure) {
  if (!failure) return nullptr;
  nlohmann::json j = {{"kind", "FailureError"}, {"message", failure->message()}};
  if (auto* app = dynamic_cast<const stead::ApplicationError*>(failure)) {
    j["kind"] = "ApplicationError";
    j["type"] = app->type();
    j["nonRetryable"] = app->non_retryable();
    j["details"] = nlohmann::json::array();
    for (const auto& d : app->details()) j["details"].push_back(json_from_payload(&d)["value"]);
  } else if (auto* activity = dynamic_cast<const stead::ActivityError*>(failure)) {
    j["kind"] = "ActivityError";
    j["activityType"] = activity->activity_type();
  } else if (auto* child = dynamic_cast<const stead::ChildWorkflowError*>(failure)) {
    j["kind"] = "ChildWorkflowError";
    j["workflowType"] = child->workflow_type();
  } else if (dynamic_cast<const stead::TimeoutError*>(failure)) {
    j["kind"] = "TimeoutError";
  } else if (dynamic_cast<const stead::CanceledError*>(failure)) {
    j["kind"] = "CanceledError";
  } else if (dynamic_cast<const stead::TerminatedError*>(failure)) {
    j["kind"] = "TerminatedError";
  } else if (dynamic_cast<const stead::ServerError*>(failure)) {
    j["kind"] = "ServerError";
  }
  j["cause"] = json_from_failure(failure->cause().get());
  return j;
}

nlohmann::json json_from_current_exception() {
  try {
    throw;
  } catch (const stead::WorkflowFailureError& e) {
    return {{"kind", "WorkflowFailureError"}, {"message", e.what()}, {"cause", json_from_failure(e.cause().get())}};
  } catch (const stead::WorkflowUpdateFailedError& e) {
    return {{"kind", "WorkflowUpdateFailedError"}, {"message", e.what()}, {"cause", json_from_failure(e.cause().get())}};
  } catch (const stead::QueryFailedError& e) {
    return {{"kind", "QueryFailedError"}, {"message", e.message()}, {"cause", json_from_failure(e.cause().get())}};
  } catch (const stead::RPCError& e) {
    return {{"kind", "RPCError"}, {"code", stead::rpc_code_name(e.code())}, {"message", e.message()}};
  } catch (const stead::FailureError& e) {
    return json_from_failure(&e);
  } catch (const std::exception& e) {
    return {{"kind", "Exception"}, {"message", e.what()}};
  }
}

}  // namespace interop
