// The NOT_FOUND a client gets for an unknown namespace, with the NamespaceNotFoundFailure
// detail that Temporal's SDKs turn into NamespaceNotFoundError.
#pragma once

#include <string>

#include "common/error_details.h"
#include "temporal/api/errordetails/v1/message.pb.h"

namespace stead::server::frontend {

inline Status namespace_not_found(const std::string& name) {
  temporal::api::errordetails::v1::NamespaceNotFoundFailure detail;
  detail.set_namespace_(name);
  return with_detail(Status::NotFound("Namespace " + name + " is not found."), detail);
}

}  // namespace stead::server::frontend
