// JSON for the interop peers: how Payloads and errors are described on their command lines
// and standard output, so the TypeScript tests can build arguments and assert on outcomes.
//
// A value is plain JSON, except that {"$bytes": "<hex>"} stands for raw bytes (binary/plain,
// a Uint8Array in TypeScript). Arguments: JSON null becomes a binary/null payload (TypeScript
// decodes it as undefined), other JSON values json/plain, $bytes binary/plain.
#pragma once

#include <exception>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "stead/errors.h"
#include "stead/payload.h"

namespace interop {

std::string to_hex(const stead::Bytes& bytes);
// REQUIRES: an even number of hex digits.
stead::Bytes from_hex(const std::string& hex);

stead::Payload payload_from_json(const nlohmann::json& value);
// A JSON array of values -> one payload per element.
std::vector<stead::Payload> payloads_from_json(const nlohmann::json& values);
// {"encoding": ..., "value": ...}; an absent payload has encoding null and value null.
nlohmann::json json_from_payload(const stead::Payload* payload);

// A FailureError and its cause chain:
//   {"kind": "ApplicationError", "message", "type", "nonRetryable", "details": [values],
//    "cause": {...} | null}; ActivityError adds "activityType", ChildWorkflowError
//    "workflowType"; other kinds carry only kind, message and cause.
nlohmann::json json_from_failure(const stead::FailureError* failure);
// The exception being handled (call inside a catch block) as {"kind", "message", ...}:
// WorkflowFailureError, WorkflowUpdateFailedError and QueryFailedError with "cause";
// RPCError with "code"; FailureError as above; anything else kind "Exception".
nlohmann::json json_from_current_exception();

}  // namespace interop
