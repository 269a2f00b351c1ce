// Loads Temporal's client configuration (TOML profiles + TEMPORAL_* variables); the contract
// is in include/stead/client_config.h. Secrets (API keys, inline PEM) never appear in an
// error or a warning: messages name keys, files and variables, not values.
#include "stead/client_config.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

#define TOML_HEADER_ONLY 1
#include <toml++/toml.h>

#include "common/log.h"

extern char** environ;

namespace stead {

namespace {

// A profile file larger than this is not a configuration file.
constexpr std::size_t kMaxConfigFileBytes = 1 << 20;
constexpr std::string_view kMetaPrefix = "TEMPORAL_GRPC_META_";

using Env = std::map<std::string, std::string>;

Env process_env() {
  Env env;
  for (char** e = environ; e && *e; ++e) {
    std::string_view entry(*e);
    if (entry.rfind("TEMPORAL_", 0) != 0) continue;
    auto eq = entry.find('=');
    if (eq != std::string_view::npos) env.emplace(entry.substr(0, eq), entry.substr(eq + 1));
  }
  return env;
}

const std::string* lookup(const Env& env, const std::string& name) {
  auto it = env.find(name);
  return it == env.end() ? nullptr : &it->second;
}

// A variable that is set and not empty.
const std::string* non_empty(const Env& env, const std::string& name) {
  const std::string* v = lookup(env, name);
  return v && !v->empty() ? v : nullptr;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

bool parse_env_bool(const std::string& name, const std::string& value) {
  std::string v = lower(value);
  if (v == "true" || v == "1") return true;
  if (v == "false" || v == "0") return false;
  throw std::invalid_argument("environment variable " + name + " must be true or false");
}

// gRPC metadata keys as the official SDKs normalise them: lower case, '_' -> '-'. The result
// must be a legal HTTP/2 header name gRPC will send.
std::string metadata_key(std::string key, const std::string& where) {
  key = lower(std::move(key));
  std::replace(key.begin(), key.end(), '_', '-');
  bool legal = !key.empty() && key.size() <= 256 && key.rfind("grpc-", 0) != 0 && key.back() != '-';
  for (char c : key) legal = legal && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.');
  if (!legal)
    throw std::invalid_argument(where + ": '" + key.substr(0, 64) +
                                "' is not a usable gRPC metadata key (letters, digits, '-', '.', not 'grpc-')");
  return key;
}

void check_metadata_value(const std::string& value, const std::string& where) {
  bool printable = value.size() <= 8192;
  for (unsigned char c : value) printable = printable && c >= 0x20 && c < 0x7f;
  if (!printable) throw std::invalid_argument(where + ": the value must be printable ASCII, at most 8 KiB");
}

// Where each value came from, for messages: "tls.client_cert_path of profile 'p' in FILE" or
// "TEMPORAL_TLS_CLIENT_CERT_PATH".
using Origins = std::map<std::string, std::string>;

std::invalid_argument host_verification_unsupported(const std::string& where) {
  return std::invalid_argument(where +
                               " = true is not supported by Stead (gRPC C++ offers no chain-only verification); "
                               "name the certificate's host with tls.server_name instead");
}

// Reads one profile file; `file` names it in messages ("<data>" for inline text).
class FileReader {
 public:
  FileReader(std::string file, bool strict) : file_(std::move(file)), strict_(strict) {}

  std::map<std::string, ClientConfigProfile> read(std::string_view text,
                                                  std::map<std::string, Origins>* origins) const {
    toml::table root;
    try {
      root = toml::parse(text, file_);
    } catch (const toml::parse_error& e) {
      const auto& at = e.source().begin;
      throw std::invalid_argument(file_ + ":" + std::to_string(at.line) + ":" + std::to_string(at.column) +
                                  ": invalid TOML: " + std::string(e.description()));
    }
    std::map<std::string, ClientConfigProfile> profiles;
    std::vector<std::string> file_warnings;
    for (auto&& [key, node] : root) {
      if (key.str() != "profile") {
        unknown("top-level key '" + std::string(key.str()) + "'", &file_warnings);
        continue;
      }
      const toml::table* all = node.as_table();
      if (!all) throw std::invalid_argument("'profile' in " + file_ + " must be a table of profiles");
      for (auto&& [name, body] : *all) {
        const toml::table* table = body.as_table();
        std::string profile_name(name.str());
        if (!table)
          throw std::invalid_argument("profile." + profile_name + " in " + file_ + " must be a table");
        ClientConfigProfile& profile = profiles[profile_name];
        read_profile(profile_name, *table, &profile, &(*origins)[profile_name]);
      }
    }
    for (auto& [name, profile] : profiles)
      profile.warnings.insert(profile.warnings.begin(), file_warnings.begin(), file_warnings.end());
    return profiles;
  }

 private:
  std::string where(const std::string& profile, const std::string& key) const {
    return "profile." + profile + "." + key + " in " + file_;
  }

  void unknown(const std::string& what, std::vector<std::string>* warnings) const {
    std::string line = "unknown " + what + " in " + file_;
    if (strict_) throw std::invalid_argument(line + " (strict)");
    warnings->push_back(line + "; ignored");
  }

  std::string string_of(const toml::node& node, const std::string& profile, const std::string& key) const {
    const auto* s = node.as_string();
    if (!s) throw std::invalid_argument(where(profile, key) + " must be a string");
    return s->get();
  }

  bool bool_of(const toml::node& node, const std::string& profile, const std::string& key) const {
    const auto* b = node.as_boolean();
    if (!b) throw std::invalid_argument(where(profile, key) + " must be true or false");
    return b->get();
  }

  const toml::table& table_of(const toml::node& node, const std::string& profile, const std::string& key) const {
    const toml::table* t = node.as_table();
    if (!t) throw std::invalid_argument(where(profile, key) + " must be a table");
    return *t;
  }

  void read_profile(const std::string& name, const toml::table& table, ClientConfigProfile* profile,
                    Origins* origins) const {
    for (auto&& [k, node] : table) {
      std::string key(k.str());
      if (key == "address") {
        profile->address = string_of(node, name, key);
      } else if (key == "namespace") {
        profile->namespace_ = string_of(node, name, key);
      } else if (key == "api_key") {
        profile->api_key = string_of(node, name, key);
      } else if (key == "tls") {
        read_tls(name, table_of(node, name, key), &profile->tls.emplace(), origins, &profile->warnings);
      } else if (key == "grpc_meta") {
        for (auto&& [mk, mv] : table_of(node, name, key)) {
          std::string w = where(name, "grpc_meta." + std::string(mk.str()));
          std::string value = string_of(mv, name, "grpc_meta." + std::string(mk.str()));
          check_metadata_value(value, w);
          profile->grpc_meta[metadata_key(std::string(mk.str()), w)] = std::move(value);
        }
      } else if (key == "codec") {
        table_of(node, name, key);
        profile->warnings.push_back(where(name, "codec") +
                                    " configures the CLI's and Web UI's codec server, not an SDK; ignored "
                                    "(give the client a stead::PayloadCodec instead)");
      } else {
        unknown("key profile." + name + "." + key, &profile->warnings);
      }
    }
  }

  void read_tls(const std::string& name, const toml::table& table, ClientConfigTls* tls, Origins* origins,
                std::vector<std::string>* warnings) const {
    auto source = [&](const std::string& key, ClientConfigSource* into, const toml::node& node, bool is_path) {
      (is_path ? into->path : into->data) = string_of(node, name, "tls." + key);
      (*origins)["tls." + key] = where(name, "tls." + key);
    };
    for (auto&& [k, node] : table) {
      std::string key(k.str());
      if (key == "disabled") {
        tls->disabled = bool_of(node, name, "tls.disabled");
      } else if (key == "server_name") {
        tls->server_name = string_of(node, name, "tls.server_name");
      } else if (key == "server_ca_cert_path" || key == "server_ca_cert_data") {
        source(key, &tls->server_ca_cert, node, key.ends_with("_path"));
      } else if (key == "client_cert_path" || key == "client_cert_data") {
        source(key, &tls->client_cert, node, key.ends_with("_path"));
      } else if (key == "client_key_path" || key == "client_key_data") {
        source(key, &tls->client_key, node, key.ends_with("_path"));
      } else if (key == "disable_host_verification") {
        if (bool_of(node, name, "tls.disable_host_verification")) throw host_verification_unsupported(where(name, key));
      } else {
        unknown("key profile." + name + ".tls." + key, warnings);
      }
    }
  }

  std::string file_;
  bool strict_;
};

// The file's text, or nullopt when the default file does not exist.
std::optional<std::string> read_config_text(const ClientConfigLoadOptions& options, const Env& env,
                                            std::string* file) {
  if (options.config_data) {
    *file = "<config data>";
    if (options.config_data->size() > kMaxConfigFileBytes)
      throw std::invalid_argument("client configuration data exceeds 1 MiB");
    return options.config_data;
  }
  bool named = true;
  if (!options.config_file.empty()) {
    *file = options.config_file;
  } else if (const std::string* f = non_empty(env, "TEMPORAL_CONFIG_FILE")) {
    *file = *f;
  } else {
    named = false;
    const char* xdg = std::getenv("XDG_CONFIG_HOME");
    const char* home = std::getenv("HOME");
    if (xdg && *xdg) *file = std::string(xdg) + "/temporalio/temporal.toml";
    else if (home && *home) *file = std::string(home) + "/.config/temporalio/temporal.toml";
    else return std::nullopt;
  }
  std::ifstream in(*file, std::ios::binary);
  if (!in) {
    if (!named) return std::nullopt;
    throw std::invalid_argument("cannot read the client configuration file " + *file);
  }
  std::string text(kMaxConfigFileBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > kMaxConfigFileBytes)
    throw std::invalid_argument("the client configuration file " + *file + " exceeds 1 MiB");
  return text;
}

std::map<std::string, ClientConfigProfile> load_profiles(const ClientConfigLoadOptions& options, const Env& env,
                                                         std::map<std::string, Origins>* origins, std::string* file) {
  if (options.disable_file) return {};
  std::optional<std::string> text = read_config_text(options, env, file);
  if (!text) return {};
  return FileReader(*file, options.strict).read(*text, origins);
}

void apply_env(const Env& env, ClientConfigProfile* profile, Origins* origins) {
  if (const std::string* v = non_empty(env, "TEMPORAL_ADDRESS")) profile->address = *v;
  if (const std::string* v = non_empty(env, "TEMPORAL_NAMESPACE")) profile->namespace_ = *v;
  if (const std::string* v = non_empty(env, "TEMPORAL_API_KEY")) profile->api_key = *v;
  auto tls = [&]() -> ClientConfigTls& { return profile->tls ? *profile->tls : profile->tls.emplace(); };
  if (const std::string* v = non_empty(env, "TEMPORAL_TLS")) tls().disabled = !parse_env_bool("TEMPORAL_TLS", *v);
  struct SourceVar {
    const char* variable;
    ClientConfigSource ClientConfigTls::*field;
    bool is_path;
    const char* key;
  };
  static constexpr SourceVar kSources[] = {
      {"TEMPORAL_TLS_CLIENT_CERT_PATH", &ClientConfigTls::client_cert, true, "tls.client_cert_path"},
      {"TEMPORAL_TLS_CLIENT_CERT_DATA", &ClientConfigTls::client_cert, false, "tls.client_cert_data"},
      {"TEMPORAL_TLS_CLIENT_KEY_PATH", &ClientConfigTls::client_key, true, "tls.client_key_path"},
      {"TEMPORAL_TLS_CLIENT_KEY_DATA", &ClientConfigTls::client_key, false, "tls.client_key_data"},
      {"TEMPORAL_TLS_SERVER_CA_CERT_PATH", &ClientConfigTls::server_ca_cert, true, "tls.server_ca_cert_path"},
      {"TEMPORAL_TLS_SERVER_CA_CERT_DATA", &ClientConfigTls::server_ca_cert, false, "tls.server_ca_cert_data"},
  };
  for (const SourceVar& s : kSources)
    if (const std::string* v = non_empty(env, s.variable)) {
      ClientConfigSource& into = tls().*s.field;
      (s.is_path ? into.path : into.data) = *v;
      (*origins)[s.key] = s.variable;
    }
  if (const std::string* v = non_empty(env, "TEMPORAL_TLS_SERVER_NAME")) tls().server_name = *v;
  if (const std::string* v = non_empty(env, "TEMPORAL_TLS_DISABLE_HOST_VERIFICATION");
      v && parse_env_bool("TEMPORAL_TLS_DISABLE_HOST_VERIFICATION", *v))
    throw host_verification_unsupported("TEMPORAL_TLS_DISABLE_HOST_VERIFICATION");
  for (const auto& [name, value] : env) {
    if (name.size() <= kMetaPrefix.size() || name.rfind(kMetaPrefix, 0) != 0) continue;
    std::string key = metadata_key(name.substr(kMetaPrefix.size()), name);
    if (value.empty()) {
      profile->grpc_meta.erase(key);  // an empty variable removes the file's header
    } else {
      check_metadata_value(value, name);
      profile->grpc_meta[key] = value;
    }
  }
}

// A certificate given both as a path and as data, in one source or across file and
// environment, is ambiguous: refuse it naming both.
void check_sources(const ClientConfigProfile& profile, const Origins& origins) {
  if (!profile.tls) return;
  auto check = [&](const ClientConfigSource& source, const std::string& stem) {
    if (source.path.empty() || source.data.empty()) return;
    auto origin = [&](const std::string& key) {
      auto it = origins.find(key);
      return it == origins.end() ? key : it->second;
    };
    throw std::invalid_argument("cannot specify both " + origin(stem + "_path") + " and " + origin(stem + "_data"));
  };
  check(profile.tls->server_ca_cert, "tls.server_ca_cert");
  check(profile.tls->client_cert, "tls.client_cert");
  check(profile.tls->client_key, "tls.client_key");
}

}  // namespace

bool ClientConfigProfile::tls_enabled() const {
  if (tls) return !tls->disabled;
  return api_key && !api_key->empty();
}

ClientOptions ClientConfigProfile::to_client_options() const {
  ClientOptions options;
  if (address) options.address = *address;
  if (namespace_) options.namespace_ = *namespace_;
  if (api_key) options.api_key = *api_key;
  options.metadata = grpc_meta;
  if (tls_enabled()) {
    TlsOptions& t = options.tls.emplace();
    if (tls) {
      t.server_name = tls->server_name;
      t.server_root_ca_cert = tls->server_ca_cert.data;
      t.server_root_ca_cert_path = tls->server_ca_cert.path;
      t.client_cert = tls->client_cert.data;
      t.client_cert_path = tls->client_cert.path;
      t.client_private_key = tls->client_key.data;
      t.client_private_key_path = tls->client_key.path;
    }
  }
  return options;
}

std::map<std::string, ClientConfigProfile> load_client_config(const ClientConfigLoadOptions& options) {
  Env env = options.env ? *options.env : process_env();
  std::map<std::string, Origins> origins;
  std::string file;
  auto profiles = load_profiles(options, env, &origins, &file);
  for (const auto& [name, profile] : profiles) check_sources(profile, origins[name]);
  return profiles;
}

ClientConfigProfile load_client_config_profile(const ClientConfigLoadOptions& options) {
  if (options.disable_file && options.disable_env)
    throw std::invalid_argument("client configuration: cannot disable both the file and the environment");
  Env env = options.env ? *options.env : process_env();
  std::map<std::string, Origins> origins;
  std::string file;
  auto profiles = load_profiles(options, env, &origins, &file);
  std::string name = options.profile;
  bool chosen = true;
  if (name.empty()) {
    if (const std::string* p = non_empty(env, "TEMPORAL_PROFILE")) name = *p;
  }
  if (name.empty()) {
    name = "default";
    chosen = false;
  }
  ClientConfigProfile profile;
  if (auto it = profiles.find(name); it != profiles.end()) {
    profile = std::move(it->second);
  } else if (chosen && !options.disable_file) {
    throw std::invalid_argument("profile '" + name + "' not found in " + (file.empty() ? "<no file>" : file));
  }
  Origins& origin = origins[name];
  if (!options.disable_env) apply_env(env, &profile, &origin);
  check_sources(profile, origin);
  return profile;
}

ClientOptions ClientOptions::from_env() { return from_env(ClientConfigLoadOptions{}); }

ClientOptions ClientOptions::from_env(const ClientConfigLoadOptions& options) {
  ClientConfigProfile profile = load_client_config_profile(options);
  for (const std::string& warning : profile.warnings) STEAD_LOG(kWarn) << "client configuration: " << warning;
  return profile.to_client_options();
}

}  // namespace stead
