// ClientOptions::from_env and the profile loader (stead/client_config.h): the TOML file and
// TEMPORAL_* variables the official CLI and SDKs read. Every case passes an explicit
// environment map, so the machine's own TEMPORAL_* variables cannot change the outcome.
#include "stead/client_config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace {

using Env = std::map<std::string, std::string>;

constexpr const char* kTwoProfiles = R"(
[profile.default]
address = "default-address:7233"
namespace = "default-namespace"

[profile.custom]
address = "custom-address:7233"
namespace = "custom-namespace"
api_key = "custom-api-key"
[profile.custom.tls]
server_name = "custom-server-name"
[profile.custom.grpc_meta]
Custom_Header = "custom-value"
)";

stead::ClientConfigProfile load(const std::string& toml, Env env = {}, std::string profile = "") {
  return stead::load_client_config_profile({.profile = std::move(profile), .config_data = toml, .env = std::move(env)});
}

// The message of the std::invalid_argument `f` throws ("" when it does not throw).
template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

class TempFile {
 public:
  explicit TempFile(const std::string& text) {
    char name[] = "/tmp/stead-config-XXXXXX";
    int fd = mkstemp(name);
    close(fd);
    path_ = name;
    std::ofstream(path_) << text;
  }
  ~TempFile() { std::filesystem::remove(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(ClientConfigTest, DefaultProfileFromTheFile) {
  auto p = load(kTwoProfiles);
  EXPECT_EQ(p.address, "default-address:7233");
  EXPECT_EQ(p.namespace_, "default-namespace");
  EXPECT_FALSE(p.api_key);
  EXPECT_FALSE(p.tls);
  auto o = p.to_client_options();
  EXPECT_EQ(o.address, "default-address:7233");
  EXPECT_EQ(o.namespace_, "default-namespace");
  EXPECT_FALSE(o.tls);
}

TEST(ClientConfigTest, NamedProfileWithTlsAndNormalisedMetadata) {
  auto o = load(kTwoProfiles, {}, "custom").to_client_options();
  EXPECT_EQ(o.address, "custom-address:7233");
  EXPECT_EQ(o.api_key, "custom-api-key");
  ASSERT_TRUE(o.tls);
  EXPECT_EQ(o.tls->server_name, "custom-server-name");
  EXPECT_EQ(o.metadata.at("custom-header"), "custom-value");
}

TEST(ClientConfigTest, ProfileFromTemporalProfileVariable) {
  EXPECT_EQ(load(kTwoProfiles, {{"TEMPORAL_PROFILE", "custom"}}).address, "custom-address:7233");
}

TEST(ClientConfigTest, EnvironmentOverridesTheFileFieldByField) {
  auto p = load(kTwoProfiles, {{"TEMPORAL_ADDRESS", "env:1"},
                               {"TEMPORAL_API_KEY", "env-key"},
                               {"TEMPORAL_TLS_SERVER_NAME", "env-server"},
                               {"TEMPORAL_GRPC_META_CUSTOM_HEADER", "env-value"},
                               {"TEMPORAL_GRPC_META_OTHER_ONE", "x"}},
                "custom");
  EXPECT_EQ(p.address, "env:1");
  EXPECT_EQ(p.namespace_, "custom-namespace");  // not overridden
  EXPECT_EQ(p.api_key, "env-key");
  EXPECT_EQ(p.tls->server_name, "env-server");
  EXPECT_EQ(p.grpc_meta.at("custom-header"), "env-value");
  EXPECT_EQ(p.grpc_meta.at("other-one"), "x");
}

TEST(ClientConfigTest, EmptyMetadataVariableRemovesTheHeader) {
  auto p = load(kTwoProfiles, {{"TEMPORAL_GRPC_META_CUSTOM_HEADER", ""}}, "custom");
  EXPECT_EQ(p.grpc_meta.count("custom-header"), 0u);
}

TEST(ClientConfigTest, EnvironmentAloneWithoutAFile) {
  auto o = stead::ClientOptions::from_env(
      {.disable_file = true, .env = Env{{"TEMPORAL_ADDRESS", "h:1"}, {"TEMPORAL_NAMESPACE", "ns"}}});
  EXPECT_EQ(o.address, "h:1");
  EXPECT_EQ(o.namespace_, "ns");
  EXPECT_FALSE(o.tls);
}

TEST(ClientConfigTest, NothingConfiguredKeepsTheDefaults) {
  auto o = stead::ClientOptions::from_env({.disable_file = true, .env = Env{}});
  EXPECT_EQ(o.address, stead::ClientOptions{}.address);
  EXPECT_EQ(o.namespace_, "default");
}

TEST(ClientConfigTest, ApiKeyTurnsTlsOnUnlessDisabled) {
  EXPECT_TRUE(load("[profile.default]\napi_key = \"k\"\n").to_client_options().tls);
  EXPECT_FALSE(load("[profile.default]\napi_key = \"k\"\n[profile.default.tls]\ndisabled = true\n")
                   .to_client_options()
                   .tls);
  EXPECT_FALSE(load("[profile.default]\napi_key = \"k\"\n", {{"TEMPORAL_TLS", "false"}}).to_client_options().tls);
  EXPECT_TRUE(load("[profile.default]\n", {{"TEMPORAL_TLS", "true"}}).to_client_options().tls);
}

TEST(ClientConfigTest, CertificatesAsPathsAndAsData) {
  auto o = load(R"(
[profile.default]
[profile.default.tls]
server_ca_cert_data = "ca-pem"
client_cert_path = "client.pem"
client_key_path = "client.key"
)")
               .to_client_options();
  ASSERT_TRUE(o.tls);
  EXPECT_EQ(o.tls->server_root_ca_cert, "ca-pem");
  EXPECT_EQ(o.tls->client_cert_path, "client.pem");
  EXPECT_EQ(o.tls->client_private_key_path, "client.key");
}

TEST(ClientConfigTest, PathAndDataForOneCertificateIsAnErrorNamingBoth) {
  std::string both = error_of([] {
    load("[profile.default.tls]\nclient_cert_path = \"p\"\nclient_cert_data = \"d\"\n");
  });
  EXPECT_NE(both.find("profile.default.tls.client_cert_path in <config data>"), std::string::npos) << both;
  EXPECT_NE(both.find("client_cert_data"), std::string::npos) << both;
  std::string across = error_of([] {
    load("[profile.default.tls]\nclient_cert_path = \"p\"\n", {{"TEMPORAL_TLS_CLIENT_CERT_DATA", "d"}});
  });
  EXPECT_NE(across.find("TEMPORAL_TLS_CLIENT_CERT_DATA"), std::string::npos) << across;
  EXPECT_NE(across.find("client_cert_path"), std::string::npos) << across;
}

TEST(ClientConfigTest, BadConfigurationNamesTheKeyAndTheFile) {
  TempFile file("[profile.default]\naddress = 7233\n");
  std::string wrong_type = error_of([&] { stead::ClientOptions::from_env({.config_file = file.path(), .env = Env{}}); });
  EXPECT_NE(wrong_type.find("profile.default.address in " + file.path()), std::string::npos) << wrong_type;
  EXPECT_NE(wrong_type.find("must be a string"), std::string::npos) << wrong_type;

  TempFile broken("[profile.default\naddress = \"x\"\n");
  std::string syntax = error_of([&] { stead::ClientOptions::from_env({.config_file = broken.path(), .env = Env{}}); });
  EXPECT_NE(syntax.find(broken.path() + ":1:"), std::string::npos) << syntax;
  EXPECT_NE(syntax.find("invalid TOML"), std::string::npos) << syntax;

  std::string tls_type = error_of([] { load("[profile.default.tls]\ndisabled = \"no\"\n"); });
  EXPECT_NE(tls_type.find("profile.default.tls.disabled"), std::string::npos) << tls_type;

  std::string bad_bool = error_of([] { load("", {{"TEMPORAL_TLS", "maybe"}}); });
  EXPECT_NE(bad_bool.find("TEMPORAL_TLS must be true or false"), std::string::npos) << bad_bool;

  std::string bad_header = error_of([] { load("[profile.default.grpc_meta]\n\"bad header\" = \"v\"\n"); });
  EXPECT_NE(bad_header.find("profile.default.grpc_meta.bad header"), std::string::npos) << bad_header;
  std::string bad_value = error_of([] { load("", {{"TEMPORAL_GRPC_META_X", "a\r\nb"}}); });
  EXPECT_NE(bad_value.find("TEMPORAL_GRPC_META_X"), std::string::npos) << bad_value;
}

TEST(ClientConfigTest, SecretsNeverAppearInErrors) {
  std::string e = error_of([] { load("[profile.default]\napi_key = \"secret-key-123\"\nnamespace = 5\n"); });
  EXPECT_FALSE(e.empty());
  EXPECT_EQ(e.find("secret-key-123"), std::string::npos) << e;
}

TEST(ClientConfigTest, MissingNamedFileAndUnknownProfileAreErrors) {
  std::string missing = error_of([] {
    stead::ClientOptions::from_env({.config_file = "/nonexistent/temporal.toml", .env = Env{}});
  });
  EXPECT_NE(missing.find("/nonexistent/temporal.toml"), std::string::npos) << missing;
  std::string via_env = error_of([] {
    stead::ClientOptions::from_env({.env = Env{{"TEMPORAL_CONFIG_FILE", "/nonexistent/b.toml"}}});
  });
  EXPECT_NE(via_env.find("/nonexistent/b.toml"), std::string::npos) << via_env;
  std::string profile = error_of([] { load(kTwoProfiles, {}, "nope"); });
  EXPECT_NE(profile.find("profile 'nope' not found"), std::string::npos) << profile;
  // A missing "default" profile that nobody asked for is an empty profile.
  EXPECT_FALSE(load("[profile.other]\naddress = \"x\"\n").address);
}

TEST(ClientConfigTest, DefaultFileUnderXdgConfigHome) {
  std::filesystem::path dir = std::filesystem::temp_directory_path() / ("stead-xdg-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir / "temporalio");
  std::ofstream(dir / "temporalio" / "temporal.toml") << "[profile.default]\naddress = \"from-xdg:7233\"\n";
  const char* old = std::getenv("XDG_CONFIG_HOME");
  std::string saved = old ? old : "";
  setenv("XDG_CONFIG_HOME", dir.c_str(), 1);
  auto o = stead::ClientOptions::from_env({.env = Env{}});
  // A missing default file is no error.
  setenv("XDG_CONFIG_HOME", (dir / "none").c_str(), 1);
  auto fallback = stead::ClientOptions::from_env({.env = Env{}});
  if (old) setenv("XDG_CONFIG_HOME", saved.c_str(), 1);
  else unsetenv("XDG_CONFIG_HOME");
  std::filesystem::remove_all(dir);
  EXPECT_EQ(o.address, "from-xdg:7233");
  EXPECT_EQ(fallback.address, stead::ClientOptions{}.address);
}

TEST(ClientConfigTest, UnknownKeysWarnAndStrictModeRefusesThem) {
  const char* toml = "[profile.default]\naddress = \"a:1\"\nunrecognized = \"x\"\n[profile.default.codec]\nendpoint = \"e\"\n";
  auto p = load(toml);
  EXPECT_EQ(p.address, "a:1");
  ASSERT_EQ(p.warnings.size(), 2u);
  std::string all = p.warnings[0] + "\n" + p.warnings[1];
  EXPECT_NE(all.find("unknown key profile.default.unrecognized in <config data>"), std::string::npos) << all;
  EXPECT_NE(all.find("profile.default.codec in <config data>"), std::string::npos) << all;
  std::string strict = error_of([&] {
    stead::load_client_config_profile({.config_data = std::string(toml), .strict = true, .env = Env{}});
  });
  EXPECT_NE(strict.find("profile.default.unrecognized"), std::string::npos) << strict;
}

TEST(ClientConfigTest, UnsupportedHostVerificationSwitchIsAnError) {
  EXPECT_NE(error_of([] { load("[profile.default.tls]\ndisable_host_verification = true\n"); })
                .find("disable_host_verification"),
            std::string::npos);
  EXPECT_NE(error_of([] { load("", {{"TEMPORAL_TLS_DISABLE_HOST_VERIFICATION", "true"}}); })
                .find("TEMPORAL_TLS_DISABLE_HOST_VERIFICATION"),
            std::string::npos);
  // false is what gRPC does anyway.
  EXPECT_EQ(error_of([] { load("[profile.default.tls]\ndisable_host_verification = false\n"); }), "");
}

TEST(ClientConfigTest, AllProfilesAndCannotDisableBoth) {
  auto all = stead::load_client_config({.config_data = std::string(kTwoProfiles), .env = Env{}});
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all.at("custom").api_key, "custom-api-key");
  EXPECT_NE(error_of([] {
              stead::load_client_config_profile({.disable_file = true, .disable_env = true, .env = Env{}});
            }).find("cannot disable both"),
            std::string::npos);
}

TEST(ClientConfigTest, OversizedDataIsRefused) {
  std::string big = "[profile.default]\naddress = \"" + std::string(2 << 20, 'a') + "\"\n";
  EXPECT_NE(error_of([&] { load(big); }).find("exceeds 1 MiB"), std::string::npos);
}

}  // namespace
