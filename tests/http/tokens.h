// Test helpers shared by the web tests: JWTs signed with HS256 or RS256, as an identity
// provider would make them.
#pragma once

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "stead/http_auth.h"

namespace stead::http::test {

inline const std::string kHsSecret = "0123456789abcdef0123456789abcdef-hs256";

// A compact JWS of `payload` with `header` (alg HS256 unless the header says otherwise: the
// signature is HMAC-SHA256 either way).
inline std::string jwt_hs256(const nlohmann::json& payload, const std::string& secret = kHsSecret,
                             const nlohmann::json& header = {{"alg", "HS256"}, {"typ", "JWT"}}) {
  std::string input = base64url_encode(header.dump()) + "." + base64url_encode(payload.dump());
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()), reinterpret_cast<const unsigned char*>(input.data()),
       input.size(), mac, &len);
  return input + "." + base64url_encode(std::string(reinterpret_cast<char*>(mac), len));
}

// An RSA key pair (2048 bits unless told) that signs RS256 tokens.
struct RsaKey {
  EVP_PKEY* key;
  explicit RsaKey(unsigned bits = 2048) : key(EVP_RSA_gen(bits)) {}
  ~RsaKey() { EVP_PKEY_free(key); }
  RsaKey(const RsaKey&) = delete;
  RsaKey& operator=(const RsaKey&) = delete;
  std::string public_pem() const { return public_pem_of(key); }
  static std::string public_pem_of(EVP_PKEY* key) {
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PUBKEY(bio, key);
    char* data = nullptr;
    long n = BIO_get_mem_data(bio, &data);
    std::string pem(data, static_cast<std::size_t>(n));
    BIO_free(bio);
    return pem;
  }
  std::string sign(const nlohmann::json& payload) const {
    std::string input = base64url_encode(nlohmann::json{{"alg", "RS256"}, {"typ", "JWT"}}.dump()) + "." +
                        base64url_encode(payload.dump());
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key);
    std::size_t len = 0;
    EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()), input.size());
    std::string sig(len, '\0');
    EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len, reinterpret_cast<const unsigned char*>(input.data()),
                   input.size());
    EVP_MD_CTX_free(ctx);
    sig.resize(len);
    return input + "." + base64url_encode(sig);
  }
};

inline long long now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Claims accepted by the tests' JwtOptions (issuer https://id.test, audience stead-test).
inline nlohmann::json claims(std::vector<std::string> roles, long long exp_in = 300) {
  return {{"sub", "ana"}, {"iss", "https://id.test"}, {"aud", "stead-test"}, {"roles", roles}, {"exp", now_s() + exp_in}};
}

}  // namespace stead::http::test
