// Client configuration as the official Temporal CLI and SDKs read it: a TOML profile file
// and TEMPORAL_* environment variables, so one set of settings serves `temporal`, the
// official SDKs and Stead.
//
//   auto client = stead::Client::connect(stead::ClientOptions::from_env());
//   // or, to pick a profile and file explicitly:
//   auto options = stead::ClientOptions::from_env({.profile = "prod", .config_file = "ops/temporal.toml"});
//
// The file is TEMPORAL_CONFIG_FILE, else $XDG_CONFIG_HOME/temporalio/temporal.toml (default
// ~/.config/temporalio/temporal.toml); a missing default file is no error, a missing file
// that was named is. The profile is `profile`, else TEMPORAL_PROFILE, else "default"; a
// named profile that the file lacks is an error, a missing "default" is an empty profile.
//
//   [profile.default]
//   address = "my-ns.a1b2c.tmprl.cloud:7233"
//   namespace = "my-ns.a1b2c"
//   api_key = "..."                       # an API key turns TLS on unless tls.disabled
//   [profile.default.tls]                 # the table's presence turns TLS on
//   disabled = false
//   server_name = "..."                   # name to verify in the server's certificate
//   server_ca_cert_path = "ca.pem"        # or server_ca_cert_data = "-----BEGIN ..."
//   client_cert_path = "client.pem"       # or client_cert_data
//   client_key_path = "client.key"        # or client_key_data
//   [profile.default.grpc_meta]
//   my-header = "value"                   # sent on every call; keys lower-cased, '_' -> '-'
//
// Environment variables override the file field by field: TEMPORAL_ADDRESS,
// TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS (true/false), TEMPORAL_TLS_CLIENT_CERT_PATH
// / _DATA, TEMPORAL_TLS_CLIENT_KEY_PATH / _DATA, TEMPORAL_TLS_SERVER_CA_CERT_PATH / _DATA,
// TEMPORAL_TLS_SERVER_NAME, TEMPORAL_TLS_DISABLE_HOST_VERIFICATION and
// TEMPORAL_GRPC_META_<NAME> (an empty value removes the header).
//
// Errors are std::invalid_argument naming the key and the file (or the variable): malformed
// TOML, a value of the wrong type, a path and data for the same certificate, an unreadable
// named file, an unknown profile, and settings Stead cannot honour
// (`tls.disable_host_verification = true`: gRPC C++ offers no chain-only verification; name
// the certificate's host with `server_name` instead). Unknown keys are an error under
// `strict` and a warning (logged once per load) otherwise, as in the official SDKs; so is
// the `codec` table, which configures the CLI's and Web UI's codec server, not an SDK.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "stead/client_options.h"

namespace stead {

// A certificate or key from a profile: a file path or inline PEM data, never both.
struct ClientConfigSource {
  std::string path{};
  std::string data{};
  bool empty() const { return path.empty() && data.empty(); }
};

struct ClientConfigTls {
  bool disabled = false;
  std::string server_name{};
  ClientConfigSource server_ca_cert{};
  ClientConfigSource client_cert{};
  ClientConfigSource client_key{};
};

// One profile after the file and the environment are merged. Unset fields stay unset so a
// caller can tell "not configured" from a value (stead::http::Runtime starts its embedded
// server when no address is configured).
struct ClientConfigProfile {
  std::optional<std::string> address{};
  std::optional<std::string> namespace_{};
  std::optional<std::string> api_key{};
  // Set when the profile has a [tls] table or a TEMPORAL_TLS* variable.
  std::optional<ClientConfigTls> tls{};
  std::map<std::string, std::string> grpc_meta{};
  // What was ignored (unknown keys, the codec table), one line each, naming key and file.
  std::vector<std::string> warnings{};

  // TLS is on when a [tls] table is present and not disabled, or when an API key is set and
  // TLS is not disabled. Unset address and namespace keep ClientOptions' defaults.
  bool tls_enabled() const;
  ClientOptions to_client_options() const;
};

struct ClientConfigLoadOptions {
  // "" = TEMPORAL_PROFILE, else "default".
  std::string profile{};
  // "" = TEMPORAL_CONFIG_FILE, else the default path above.
  std::string config_file{};
  // TOML text to read instead of any file.
  std::optional<std::string> config_data{};
  bool disable_file = false;
  bool disable_env = false;
  // Unknown keys and tables are errors instead of warnings.
  bool strict = false;
  // Variables to read instead of the process environment (tests, or a service's own map).
  std::optional<std::map<std::string, std::string>> env{};
};

// Every profile in the file (no environment overrides): profile name -> profile.
std::map<std::string, ClientConfigProfile> load_client_config(const ClientConfigLoadOptions& options = {});

// The chosen profile with the environment applied.
ClientConfigProfile load_client_config_profile(const ClientConfigLoadOptions& options = {});

}  // namespace stead
