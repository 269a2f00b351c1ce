// Encoding of the opaque task tokens handed to workers (stead.server.v1.TaskToken).
#pragma once

#include <string>

#include "common/status.h"
#include "stead/server/v1/task_token.pb.h"

namespace stead::server::history {

inline std::string encode_task_token(const stead::server::v1::TaskToken& token) { return token.SerializeAsString(); }

// INVALID_ARGUMENT when `bytes` is not a token of kind `kind` this server issued.
inline Status decode_task_token(const std::string& bytes, stead::server::v1::TaskToken::Kind kind,
                                stead::server::v1::TaskToken* out) {
  if (bytes.empty()) return Status::InvalidArgument("Task token not set on request.");
  if (!out->ParseFromString(bytes) || out->kind() != kind || out->workflow_id().empty() || out->run_id().empty())
    return Status::InvalidArgument("Error deserializing task token.");
  return Status::Ok();
}

}  // namespace stead::server::history
