// API keys and JWTs with OpenSSL only: Debian's libjwt would do the JWT part, but its
// claim checks and key handling are thin and a second crypto dependency buys little over
// ~100 lines of EVP calls.
#include "stead/http_auth.h"

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <stdexcept>

#include "http/internal.h"

namespace stead::http {

namespace {

constexpr const char* kB64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

using Digest = std::array<unsigned char, SHA256_DIGEST_LENGTH>;

Digest sha256(std::string_view data) {
  Digest d{};
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), d.data());
  return d;
}

// RSA moduli below 2048 bits are within reach of factoring (NIST SP 800-131A).
constexpr int kMinRsaBits = 2048;
// Clock skew beyond a few minutes is a broken clock, and would keep expired tokens alive.
constexpr std::chrono::seconds kMaxLeeway{300};
// NumericDate claims above 9999-12-31T23:59:59Z are not dates; refusing them keeps every
// later cast and addition in range.
constexpr double kMaxNumericDate = 253402300799.0;

HttpError unauthorized(std::string detail, bool bearer_error = false) {
  Problem p = make_problem(401, std::move(detail), "urn:stead:problem:unauthorized");
  // The header itself never echoes the credential.
  p.extensions["www_authenticate"] =
      bearer_error ? "Bearer error=\"invalid_token\"" : "Bearer realm=\"stead\", ApiKey header=\"X-API-Key\"";
  return HttpError(std::move(p));
}

struct PkeyDeleter {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

}  // namespace

std::string base64url_encode(std::string_view data) {
  std::string out;
  std::size_t i = 0;
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(data[k]); };
  for (; i + 2 < data.size(); i += 3) {
    unsigned v = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
    out += kB64[(v >> 18) & 63];
    out += kB64[(v >> 12) & 63];
    out += kB64[(v >> 6) & 63];
    out += kB64[v & 63];
  }
  if (i + 1 == data.size()) {
    unsigned v = byte(i) << 16;
    out += kB64[(v >> 18) & 63];
    out += kB64[(v >> 12) & 63];
  } else if (i + 2 == data.size()) {
    unsigned v = (byte(i) << 16) | (byte(i + 1) << 8);
    out += kB64[(v >> 18) & 63];
    out += kB64[(v >> 12) & 63];
    out += kB64[(v >> 6) & 63];
  }
  return out;
}

std::optional<std::string> base64url_decode(std::string_view text) {
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  unsigned acc = 0;
  int bits = 0;
  for (char c : text) {
    int v;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    else if (c >= '0' && c <= '9') v = c - '0' + 52;
    else if (c == '-') v = 62;
    else if (c == '_') v = 63;
    else return std::nullopt;
    acc = (acc << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  return out;
}

struct Authenticator::Impl {
  AuthOptions options;
  std::vector<Digest> key_digests;  // parallel to options.api_keys
  std::unique_ptr<EVP_PKEY, PkeyDeleter> rs256_key;

  const ApiKey* find_api_key(std::string_view presented) const {
    // Every configured key is compared, equal-length digests with CRYPTO_memcmp, so timing
    // reveals neither which key matched nor how much of it.
    Digest d = sha256(presented);
    const ApiKey* found = nullptr;
    for (std::size_t i = 0; i < key_digests.size(); ++i)
      if (CRYPTO_memcmp(d.data(), key_digests[i].data(), d.size()) == 0) found = &options.api_keys[i];
    return found;
  }

  bool verify_hs256(std::string_view input, std::string_view sig) const {
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    const auto& secret = options.jwt->hs256_secret;
    if (!HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
              reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &len))
      return false;
    return sig.size() == len && CRYPTO_memcmp(mac, sig.data(), len) == 0;
  }

  bool verify_rs256(std::string_view input, std::string_view sig) const {
    std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
    if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, rs256_key.get()) != 1) return false;
    return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                            reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
  }
};

Authenticator::Authenticator(AuthOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  const auto& keys = impl_->options.api_keys;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const auto& k = keys[i];
    if (k.name.empty()) throw std::invalid_argument("an API key needs a name (ApiKey::name, logged as the subject)");
    if (k.key.empty()) throw std::invalid_argument("API key '" + k.name + "' is empty");
    detail::check_role_names({k.roles.begin(), k.roles.end()}, "API key '" + k.name + "'");
    impl_->key_digests.push_back(sha256(k.key));
    // One key under two names would carry the roles of whichever is listed last.
    for (std::size_t j = 0; j < i; ++j)
      if (CRYPTO_memcmp(impl_->key_digests[j].data(), impl_->key_digests[i].data(), SHA256_DIGEST_LENGTH) == 0)
        throw std::invalid_argument("API keys '" + keys[j].name + "' and '" + k.name + "' have the same key");
  }
  if (impl_->options.jwt) {
    const auto& jwt = *impl_->options.jwt;
    if (!jwt.hs256_secret.empty() && jwt.hs256_secret.size() < 32)
      throw std::invalid_argument("the HS256 secret must be at least 32 bytes (RFC 7518 §3.2)");
    if (!jwt.rs256_public_key_pem.empty()) {
      BIO* bio = BIO_new_mem_buf(jwt.rs256_public_key_pem.data(), static_cast<int>(jwt.rs256_public_key_pem.size()));
      EVP_PKEY* key = bio ? PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr) : nullptr;
      BIO_free(bio);
      if (!key) throw std::invalid_argument("the RS256 public key is not a PEM public key");
      impl_->rs256_key.reset(key);
      // EVP_DigestVerify would verify an EC or Ed25519 signature just as happily.
      if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA)
        throw std::invalid_argument("the RS256 public key is not an RSA key");
      if (int bits = EVP_PKEY_get_bits(key); bits < kMinRsaBits)
        throw std::invalid_argument("the RS256 public key has " + std::to_string(bits) + " bits; at least " +
                                    std::to_string(kMinRsaBits) + " are required (RFC 7518 §3.3)");
    }
    if (jwt.hs256_secret.empty() && !impl_->rs256_key)
      throw std::invalid_argument("JWT authentication needs an HS256 secret or an RS256 public key");
    if (jwt.roles_claim.empty()) throw std::invalid_argument("JwtOptions::roles_claim is empty");
    if (jwt.leeway < std::chrono::seconds(0) || jwt.leeway > kMaxLeeway)
      throw std::invalid_argument("JwtOptions::leeway must be between 0 and " + std::to_string(kMaxLeeway.count()) +
                                  " seconds");
  }
}

Authenticator::~Authenticator() = default;

nlohmann::json Authenticator::verify_jwt(std::string_view token) const {
  if (!impl_->options.jwt) throw unauthorized("bearer tokens are not accepted");
  const auto& jwt = *impl_->options.jwt;
  auto dot1 = token.find('.');
  auto dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos)
    throw unauthorized("the bearer token is not a JWT", true);
  auto header_raw = base64url_decode(token.substr(0, dot1));
  auto payload_raw = base64url_decode(token.substr(dot1 + 1, dot2 - dot1 - 1));
  auto sig = base64url_decode(token.substr(dot2 + 1));
  if (!header_raw || !payload_raw || !sig) throw unauthorized("the JWT is not base64url encoded", true);
  nlohmann::json header, payload;
  if (detail::json_too_deep(*header_raw) || detail::json_too_deep(*payload_raw))
    throw unauthorized("the JWT is malformed", true);
  try {
    header = nlohmann::json::parse(*header_raw);
    payload = nlohmann::json::parse(*payload_raw);
  } catch (const nlohmann::json::exception&) {
    throw unauthorized("the JWT's header or payload is not JSON", true);
  }
  if (!header.is_object() || !payload.is_object()) throw unauthorized("the JWT is malformed", true);
  // A member of the wrong JSON type is a malformed token (json::value() would throw a
  // type_error, which maps to 400).
  auto string_member = [](const nlohmann::json& object, const char* name, const char* where) -> std::string {
    auto it = object.find(name);
    if (it == object.end()) return "";
    if (!it->is_string()) throw unauthorized(std::string("the JWT's \"") + name + "\" " + where + " is not a string", true);
    return it->get<std::string>();
  };
  std::string alg = string_member(header, "alg", "header");
  // "crit" lists extensions a verifier must understand to accept the token; none are.
  if (header.contains("crit")) throw unauthorized("the JWT's \"crit\" header names extensions that are not supported", true);
  std::string_view input = token.substr(0, dot2);
  bool ok = false;
  if (alg == "HS256" && !jwt.hs256_secret.empty()) ok = impl_->verify_hs256(input, *sig);
  else if (alg == "RS256" && impl_->rs256_key) ok = impl_->verify_rs256(input, *sig);
  else throw unauthorized("the JWT's algorithm is not accepted", true);
  if (!ok) throw unauthorized("the JWT's signature is not valid", true);

  auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  long long leeway = jwt.leeway.count();  // 0..kMaxLeeway (checked at construction)
  // NumericDate (RFC 7519 §2): seconds since the epoch, possibly fractional. The range check
  // comes before the cast: a double outside long long's range makes the cast undefined.
  auto numeric = [&](const char* claim) -> std::optional<long long> {
    auto it = payload.find(claim);
    if (it == payload.end()) return std::nullopt;
    if (!it->is_number()) throw unauthorized(std::string("the JWT's \"") + claim + "\" claim is not a number", true);
    double value = it->get<double>();
    if (!(value >= 0 && value <= kMaxNumericDate))  // also false for NaN
      throw unauthorized(std::string("the JWT's \"") + claim + "\" claim is out of range", true);
    return static_cast<long long>(value);
  };
  auto exp = numeric("exp");
  auto nbf = numeric("nbf");
  auto iat = numeric("iat");
  if (!exp) throw unauthorized("the JWT has no expiry (\"exp\")", true);
  if (now > *exp + leeway) throw unauthorized("the JWT has expired", true);
  if (nbf && now + leeway < *nbf) throw unauthorized("the JWT is not valid yet", true);
  if (iat && now + leeway < *iat) throw unauthorized("the JWT is issued in the future", true);
  std::string issuer = string_member(payload, "iss", "claim");
  string_member(payload, "sub", "claim");  // checked here: authenticate() reads it
  if (!jwt.issuer.empty() && issuer != jwt.issuer) throw unauthorized("the JWT's issuer is not accepted", true);
  if (!jwt.audience.empty()) {
    bool match = false;
    auto aud = payload.find("aud");
    if (aud != payload.end() && aud->is_string()) match = *aud == jwt.audience;
    if (aud != payload.end() && aud->is_array())
      for (const auto& a : *aud) match = match || (a.is_string() && a == jwt.audience);
    if (!match) throw unauthorized("the JWT's audience is not accepted", true);
  }
  return payload;
}

Principal Authenticator::authenticate(const Request& request) const {
  std::string_view api_key = request.header("x-api-key");
  std::string_view authorization = request.header("authorization");
  std::string_view bearer;
  if (authorization.size() > 7 && iequals(authorization.substr(0, 7), "Bearer ")) bearer = authorization.substr(7);
  else if (!authorization.empty()) throw unauthorized("the Authorization header is not a Bearer token");

  if (!api_key.empty() || (!bearer.empty() && std::count(bearer.begin(), bearer.end(), '.') != 2)) {
    std::string_view presented = api_key.empty() ? bearer : api_key;
    if (impl_->options.api_keys.empty()) throw unauthorized("API keys are not accepted");
    const ApiKey* key = impl_->find_api_key(presented);
    if (!key) throw unauthorized("the API key is not valid");
    return Principal{.subject = key->name, .scheme = "api_key", .roles = key->roles};
  }
  if (bearer.empty()) throw unauthorized("credentials are required");
  nlohmann::json claims = verify_jwt(bearer);
  Principal p{.subject = claims.value("sub", ""), .scheme = "jwt", .claims = claims};
  auto roles = claims.find(impl_->options.jwt->roles_claim);
  if (roles != claims.end()) {
    if (roles->is_array()) {
      for (const auto& r : *roles)
        if (r.is_string()) p.roles.insert(r.get<std::string>());
    } else if (roles->is_string()) {
      std::string s = roles->get<std::string>();
      std::size_t pos = 0;
      while (pos < s.size()) {
        auto end = s.find(' ', pos);
        if (end == std::string::npos) end = s.size();
        if (end > pos) p.roles.insert(s.substr(pos, end - pos));
        pos = end + 1;
      }
    }
  }
  return p;
}

void require_any_role(const Principal* principal, const std::vector<std::string>& roles) {
  if (!principal || roles.empty()) return;
  for (const auto& r : roles)
    if (principal->roles.count(r)) return;
  std::string list;
  for (const auto& r : roles) list += (list.empty() ? "" : ", ") + r;
  Problem p = make_problem(403, "this needs one of the roles: " + list, "urn:stead:problem:forbidden");
  p.extensions["required_roles"] = roles;
  throw HttpError(std::move(p));
}

}  // namespace stead::http
