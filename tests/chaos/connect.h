// A client for a server that keeps dying: gRPC's reconnect backoff (up to 120 s by default)
// is capped at 500 ms so that a restarted server is reached again at once.
#pragma once

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include <string>

#include "stead/client.h"

namespace chaos {

inline stead::Client connect(const std::string& address) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 500);
  auto channel = grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
  return stead::Client::connect({.address = address, .channel = channel});
}

}  // namespace chaos
