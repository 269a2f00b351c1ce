// stead::http::Authenticator: API keys and JWT bearer tokens (HS256, RS256) -> a Principal.
//
//   stead::http::AuthOptions auth{
//       .api_keys = {{.name = "ops-script", .key = getenv("OPS_KEY"), .roles = {"admin"}}},
//       .jwt = stead::http::JwtOptions{.hs256_secret = secret, .issuer = "https://id.example",
//                                      .audience = "orders-api"}};
//
// Credentials: "X-API-Key: <key>" or "Authorization: Bearer <jwt>" (an API key is also
// accepted as "Authorization: Bearer <key>" when it is not a JWT). API keys are compared in
// constant time (SHA-256 of both sides, CRYPTO_memcmp against every configured key). A JWT
// must be signed with an accepted algorithm (the "alg" header is checked against the key that
// is configured; "none" is never accepted), unexpired ("exp", required) and valid already
// ("nbf", "iat" not in the future), with "iss"/"aud" matching when configured. Roles come
// from the claim `roles_claim` (an array of strings or a space-separated string, as OAuth's
// "scope").
// Secrets (keys, tokens, the HS256 secret) are never logged or put into error messages.
//
// Thread safety: immutable after construction; authenticate() may run concurrently.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "stead/http_message.h"
#include "stead/http_problem.h"

namespace stead::http {

struct ApiKey {
  std::string name{};  // the Principal's subject (logged); never the key itself
  std::string key{};
  std::set<std::string> roles{};
};

struct JwtOptions {
  std::string hs256_secret{};             // accept HS256 tokens signed with this secret
  std::string rs256_public_key_pem{};     // accept RS256 tokens verified with this key
  std::string issuer{};                   // required "iss" when not empty
  std::string audience{};                 // required in "aud" (string or array) when not empty
  std::string roles_claim = "roles";
  std::chrono::seconds leeway{30};        // clock skew allowed for exp / nbf / iat
};

struct AuthOptions {
  std::vector<ApiKey> api_keys{};
  std::optional<JwtOptions> jwt{};
};

class Authenticator {
 public:
  // Throws std::invalid_argument when a configured key is unusable (empty API key,
  // unreadable RS256 PEM, HS256 secret shorter than 32 bytes).
  explicit Authenticator(AuthOptions options);
  ~Authenticator();
  Authenticator(const Authenticator&) = delete;
  Authenticator& operator=(const Authenticator&) = delete;

  // The caller of `request`, or an HttpError 401 (with a WWW-Authenticate header in the
  // problem's "www_authenticate" extension, removed before sending) saying what was wrong:
  // missing credentials, unknown key, bad signature, expired, ... never the secret.
  Principal authenticate(const Request& request) const;

  // Verifies a JWT and returns its payload; throws HttpError 401 otherwise.
  nlohmann::json verify_jwt(std::string_view token) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Throws HttpError 403 unless `principal` holds at least one of `roles` (an empty list
// allows every authenticated caller). A null principal (auth not configured) passes.
void require_any_role(const Principal* principal, const std::vector<std::string>& roles);

// ---- Encoding helpers (also used by tests to make tokens).
std::string base64url_encode(std::string_view data);
// nullopt when `text` is not base64url (padding is accepted).
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace stead::http
