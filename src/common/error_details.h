// Builders for the error details Temporal clients decode from grpc-status-details-bin
// (temporal.api.errordetails.v1), attached to a Status.
#pragma once

#include <string>

#include <google/protobuf/any.pb.h>

#include "common/status.h"

namespace stead {

template <class DetailMessage>
Status with_detail(Status status, const DetailMessage& detail) {
  google::protobuf::Any any;
  any.PackFrom(detail);
  return std::move(status).with_detail(any.SerializeAsString());
}

}  // namespace stead
