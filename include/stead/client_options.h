// stead::ClientOptions: where and how a Client connects.
//
//   stead::Client::connect({.address = "my-ns.a1b2c.tmprl.cloud:7233",
//                           .namespace_ = "my-ns.a1b2c",
//                           .tls = stead::TlsOptions{},
//                           .api_key = api_key});
//
//   // The settings the `temporal` CLI and the official SDKs use (TEMPORAL_ADDRESS, ...,
//   // ~/.config/temporalio/temporal.toml); see stead/client_config.h:
//   stead::Client::connect(stead::ClientOptions::from_env());
//
//   // mTLS, certificates from files:
//   .tls = stead::TlsOptions{.client_cert_path = "client.pem", .client_private_key_path = "client.key"}
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "stead/converter.h"

namespace grpc {
class Channel;
}

namespace stead {

struct ClientConfigLoadOptions;  // stead/client_config.h

// Each certificate or key is given either as PEM text or as the path of a PEM file (not
// both). Files are read once, at connect.
struct TlsOptions {
  // CA certificates to verify the server with; empty: the system's roots.
  std::string server_root_ca_cert{};
  std::string server_root_ca_cert_path{};
  // Client certificate chain and private key for mTLS; both or neither.
  std::string client_cert{};
  std::string client_cert_path{};
  std::string client_private_key{};
  std::string client_private_key_path{};
  // The name to verify in the server's certificate (and to send as SNI) instead of the
  // address's host.
  std::string server_name{};
};

struct ClientOptions {
  // "host:port".
  std::string address = "localhost:7233";
  std::string namespace_ = "default";
  // Recorded by the server as who made each call; empty: "<pid>@<hostname>".
  std::string identity{};
  // Set (even to TlsOptions{}) to connect with TLS; unset: plaintext HTTP/2.
  std::optional<TlsOptions> tls{};
  // Sent as "authorization: Bearer <api_key>" on every call when non-empty. Temporal Cloud
  // also needs `tls` set.
  std::string api_key{};
  // Extra gRPC metadata sent on every call (keys are lower-cased, as gRPC requires).
  std::map<std::string, std::string> metadata{};
  DataConverter data_converter{};
  // Deadline of each ordinary call (long polls for results and updates use their own).
  std::chrono::nanoseconds rpc_timeout = std::chrono::seconds(30);
  // How long connect() waits for the server to answer.
  std::chrono::nanoseconds connect_timeout = std::chrono::seconds(10);
  // Set: use this gRPC channel instead of dialing `address` (`tls` is then ignored). The
  // in-process connection to an embedded server is {.channel = server->in_process_channel()}:
  // no socket, no port.
  std::shared_ptr<grpc::Channel> channel{};

  // Options from the TOML profile file and TEMPORAL_* variables the official CLI and SDKs
  // read (stead/client_config.h says which, and how they combine). Throws
  // std::invalid_argument naming the bad key and its file or variable.
  static ClientOptions from_env();
  static ClientOptions from_env(const ClientConfigLoadOptions& options);
};

}  // namespace stead
