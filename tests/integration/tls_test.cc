// The server over TLS and mutual TLS: stead::Server with ServerOptions::tls, reached by the
// C++ client and worker over TLS, and `stead server start-dev --tls-*` refusing bad files.
// Certificates are made with the openssl command line at test time, in a temporary folder.
#include <gtest/gtest.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "stead/client.h"
#include "stead/server.h"
#include "stead/worker.h"
#include "stead/workflow.h"

namespace tlsit {

using namespace std::chrono_literals;

// Two CAs: "ca" signs the server certificate (SAN 127.0.0.1 and localhost, so no name
// override is needed) and the client certificate; "other-ca" signs a second client
// certificate, which a server trusting only "ca" must refuse.
class Pki {
 public:
  Pki() {
    dir_ = std::filesystem::temp_directory_path() / ("stead-server-tls-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    ok_ = make_ca("ca") && make_ca("other-ca") &&
          make_leaf("server", "ca", "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth") &&
          make_leaf("client", "ca", "extendedKeyUsage=clientAuth") &&
          make_leaf("stranger", "other-ca", "extendedKeyUsage=clientAuth");
  }
  ~Pki() { std::filesystem::remove_all(dir_); }
  bool ok() const { return ok_; }
  const std::string& log() const { return log_; }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

 private:
  bool run(const std::string& command) {
    const std::string out = path("openssl.log");
    int rc = std::system((command + " >" + out + " 2>&1").c_str());
    std::ifstream in(out);
    log_ += "$ " + command + "\n" + std::string(std::istreambuf_iterator<char>(in), {});
    return rc == 0;
  }
  static std::string new_key(const std::string& key_path) {
    return "openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout " + key_path;
  }
  bool make_ca(const std::string& name) {
    return run(new_key(path(name + ".key")) + " -x509 -days 30 -out " + path(name + ".pem") + " -subj /CN=" + name);
  }
  bool make_leaf(const std::string& name, const std::string& ca, const std::string& extensions) {
    std::ofstream(path(name + ".ext")) << extensions << "\n";
    return run(new_key(path(name + ".key")) + " -out " + path(name + ".csr") + " -subj /CN=" + name) &&
           run("openssl x509 -req -in " + path(name + ".csr") + " -CA " + path(ca + ".pem") + " -CAkey " +
               path(ca + ".key") + " -CAcreateserial -days 30 -out " + path(name + ".pem") + " -extfile " +
               path(name + ".ext"));
  }

  std::filesystem::path dir_;
  std::string log_;
  bool ok_ = false;
};

struct EchoWorkflow {
  static constexpr std::string_view name = "TlsEchoWorkflow";
  stead::Task<std::string> run(std::string text) {
    auto shout = stead::workflow::execute_activity<std::string>("shout", {.start_to_close_timeout = 10s}, text);
    std::string loud = co_await shout;
    co_return loud;
  }
};

class ServerTlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { pki_ = new Pki(); }
  static void TearDownTestSuite() {
    delete pki_;
    pki_ = nullptr;
  }
  void SetUp() override { ASSERT_TRUE(pki_->ok()) << "openssl could not make the test certificates:\n" << pki_->log(); }

  static std::unique_ptr<stead::Server> start_server(bool mutual) {
    stead::ServerOptions options;
    options.port = 0;
    options.tls = stead::ServerTlsOptions{.cert_path = pki_->path("server.pem"),
                                          .key_path = pki_->path("server.key"),
                                          .client_ca_path = mutual ? pki_->path("ca.pem") : ""};
    return stead::Server::start(options);
  }
  // TLS options trusting `ca`, presenting the certificate `client` ("" for none).
  static stead::TlsOptions tls(const std::string& client = "", const std::string& ca = "ca") {
    stead::TlsOptions tls{.server_root_ca_cert_path = pki_->path(ca + ".pem")};
    if (!client.empty()) {
      tls.client_cert_path = pki_->path(client + ".pem");
      tls.client_private_key_path = pki_->path(client + ".key");
    }
    return tls;
  }
  static stead::ClientOptions client_options(const stead::Server& server, std::optional<stead::TlsOptions> tls) {
    return {.address = server.address(), .tls = std::move(tls), .connect_timeout = 5s};
  }
  // A worker and a workflow, both over `client`'s connection: the full path through TLS.
  static std::string run_workflow(const stead::Client& client, const std::string& id) {
    stead::Worker worker(client, {.task_queue = "tls-" + id});
    worker.register_workflow<EchoWorkflow>();
    worker.register_activity("shout", [](std::string text) { return text + "!"; });
    worker.start();
    return client.execute_workflow<EchoWorkflow>(std::string("hello over ") + id,
                                                 stead::WorkflowOptions{.id = id, .task_queue = "tls-" + id});
  }
  // connect() must fail with an RPCError (a failed handshake is UNAVAILABLE).
  static void expect_refused(const stead::ClientOptions& options, const char* why) {
    try {
      stead::Client::connect(options);
      ADD_FAILURE() << why << ": connect() should have failed";
    } catch (const stead::RPCError& e) {
      EXPECT_EQ(e.code(), stead::RpcCode::kUnavailable) << why << ": " << e.what();
    }
  }

  static Pki* pki_;
};

Pki* ServerTlsTest::pki_ = nullptr;

TEST_F(ServerTlsTest, TlsClientAndWorkerRunAWorkflow) {
  auto server = start_server(false);
  EXPECT_TRUE(server->tls());
  EXPECT_FALSE(server->requires_client_cert());
  auto client = stead::Client::connect(client_options(*server, tls()));
  EXPECT_EQ(run_workflow(client, "tls"), "hello over tls!");
  // A client certificate is accepted (not asked for, so not checked) when TLS is not mutual.
  auto with_cert = stead::Client::connect(client_options(*server, tls("client")));
  EXPECT_EQ(with_cert.get_workflow_handle("tls").describe().status, stead::WorkflowExecutionStatus::kCompleted);
}

TEST_F(ServerTlsTest, PlaintextClientIsRefused) {
  auto server = start_server(false);
  expect_refused(client_options(*server, std::nullopt), "plaintext client against a TLS server");
}

TEST_F(ServerTlsTest, ClientTrustingAnotherCaRefusesTheServer) {
  auto server = start_server(false);
  expect_refused(client_options(*server, tls("", "other-ca")), "client trusting other-ca");
}

TEST_F(ServerTlsTest, MutualTlsRequiresAClientCertificateFromTheCa) {
  auto server = start_server(true);
  EXPECT_TRUE(server->requires_client_cert());
  expect_refused(client_options(*server, tls()), "client without a certificate");
  expect_refused(client_options(*server, tls("stranger")), "client certificate signed by another CA");
  expect_refused(client_options(*server, std::nullopt), "plaintext client");
  auto client = stead::Client::connect(client_options(*server, tls("client")));
  EXPECT_EQ(run_workflow(client, "mtls"), "hello over mtls!");
}

// Embedded: Server::start throws std::runtime_error naming the file.
TEST_F(ServerTlsTest, BadFilesFailServerStartWithTheirName) {
  auto start_with = [](stead::ServerTlsOptions tls) -> std::string {
    stead::ServerOptions options;
    options.port = 0;
    options.tls = std::move(tls);
    try {
      stead::Server::start(options);
    } catch (const std::runtime_error& e) {
      return e.what();
    }
    return "<started>";
  };
  const std::string missing = pki_->path("missing.pem");
  EXPECT_NE(start_with({.cert_path = missing, .key_path = pki_->path("server.key")}).find(missing), std::string::npos);
  EXPECT_NE(start_with({.cert_path = pki_->path("server.pem"), .key_path = missing}).find("TLS private key"),
            std::string::npos);
  // The certificate where the key belongs.
  EXPECT_NE(start_with({.cert_path = pki_->path("server.pem"), .key_path = pki_->path("server.pem")})
                .find("is not PEM"),
            std::string::npos);
  EXPECT_NE(start_with({.cert_path = pki_->path("server.pem"), .key_path = pki_->path("server.key"),
                        .client_ca_path = missing})
                .find("TLS client CA"),
            std::string::npos);
  EXPECT_NE(start_with({.key_path = pki_->path("server.key")}).find("both"), std::string::npos);
  // Well-formed PEM, but a key that does not belong to the certificate: gRPC refuses it at bind.
  EXPECT_NE(start_with({.cert_path = pki_->path("server.pem"), .key_path = pki_->path("client.key")})
                .find("TLS certificate, key or CA is not valid"),
            std::string::npos);
}

// ---------------------------------------------------------------------------------------
// Certificate validity, checked at start. The openssl command line of Debian 12 cannot
// back-date a certificate, so these are made with the library: self-signed, EC P-256, valid
// from `not_before` until `not_after` (absolute times, so the expected dates are exact).

std::string utc(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

bool write_certificate(const std::string& cert_path, const std::string& key_path, std::time_t not_before,
                       std::time_t not_after) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* cert = X509_new();
  bool ok = key && cert && X509_set_version(cert, 2) && ASN1_INTEGER_set(X509_get_serialNumber(cert), 1) &&
            ASN1_TIME_set(X509_getm_notBefore(cert), not_before) && ASN1_TIME_set(X509_getm_notAfter(cert), not_after) &&
            X509_NAME_add_entry_by_txt(X509_get_subject_name(cert), "CN", MBSTRING_ASC,
                                       reinterpret_cast<const unsigned char*>("dated"), -1, -1, 0) &&
            X509_set_issuer_name(cert, X509_get_subject_name(cert)) && X509_set_pubkey(cert, key) &&
            X509_sign(cert, key, EVP_sha256()) > 0;
  if (ok) {
    FILE* c = std::fopen(cert_path.c_str(), "w");
    FILE* k = std::fopen(key_path.c_str(), "w");
    ok = c && k && PEM_write_X509(c, cert) && PEM_write_PrivateKey(k, key, nullptr, nullptr, 0, nullptr, nullptr);
    if (c) std::fclose(c);
    if (k) std::fclose(k);
    std::filesystem::permissions(key_path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  }
  X509_free(cert);
  EVP_PKEY_free(key);
  return ok;
}

constexpr std::time_t kDay = 24 * 3600;

// What Server::start says for a certificate valid from now+from until now+until.
struct Started {
  std::string error;  // empty: started
  std::vector<std::string> warnings;
  std::string not_before, not_after;
};

Started start_dated(const std::string& cert, const std::string& key, std::time_t from, std::time_t until,
                    const std::string& ca = "") {
  std::time_t now = std::time(nullptr);
  Started out;
  out.not_before = utc(now + from);
  out.not_after = utc(now + until);
  if (!write_certificate(cert, key, now + from, now + until)) {
    out.error = "could not make the certificate";
    return out;
  }
  stead::ServerOptions options;
  options.port = 0;
  options.tls = stead::ServerTlsOptions{.cert_path = cert, .key_path = key, .client_ca_path = ca};
  try {
    auto server = stead::Server::start(options);
    out.warnings = server->warnings();
  } catch (const std::runtime_error& e) {
    out.error = e.what();
  }
  return out;
}

TEST_F(ServerTlsTest, ExpiredCertificateIsRefusedWithItsDates) {
  Started s = start_dated(pki_->path("dated.pem"), pki_->path("dated.key"), -10 * kDay, -kDay);
  EXPECT_NE(s.error.find("TLS certificate"), std::string::npos) << s.error;
  EXPECT_NE(s.error.find("has expired"), std::string::npos) << s.error;
  EXPECT_NE(s.error.find("until " + s.not_after), std::string::npos) << s.error;
  EXPECT_NE(s.error.find(pki_->path("dated.pem")), std::string::npos) << s.error;
}

TEST_F(ServerTlsTest, NotYetValidCertificateIsRefusedWithItsDates) {
  Started s = start_dated(pki_->path("dated.pem"), pki_->path("dated.key"), kDay, 30 * kDay);
  EXPECT_NE(s.error.find("is not valid yet"), std::string::npos) << s.error;
  EXPECT_NE(s.error.find("valid from " + s.not_before), std::string::npos) << s.error;
}

TEST_F(ServerTlsTest, CertificateExpiringWithinAWeekStartsWithAWarning) {
  Started soon = start_dated(pki_->path("dated.pem"), pki_->path("dated.key"), -kDay, 3 * kDay);
  EXPECT_EQ(soon.error, "");
  ASSERT_EQ(soon.warnings.size(), 1u);
  EXPECT_NE(soon.warnings[0].find("expires within 7 days"), std::string::npos) << soon.warnings[0];
  EXPECT_NE(soon.warnings[0].find(soon.not_after), std::string::npos) << soon.warnings[0];
  Started later = start_dated(pki_->path("dated.pem"), pki_->path("dated.key"), -kDay, 30 * kDay);
  EXPECT_EQ(later.error, "");
  EXPECT_TRUE(later.warnings.empty()) << later.warnings[0];
}

TEST_F(ServerTlsTest, ExpiredClientCaIsAWarning) {
  std::time_t now = std::time(nullptr);
  ASSERT_TRUE(write_certificate(pki_->path("old-ca.pem"), pki_->path("old-ca.key"), now - 10 * kDay, now - kDay));
  Started s = start_dated(pki_->path("dated.pem"), pki_->path("dated.key"), -kDay, 30 * kDay, pki_->path("old-ca.pem"));
  EXPECT_EQ(s.error, "");
  ASSERT_EQ(s.warnings.size(), 1u);
  EXPECT_NE(s.warnings[0].find("TLS client CA"), std::string::npos) << s.warnings[0];
  EXPECT_NE(s.warnings[0].find("has expired"), std::string::npos) << s.warnings[0];
}

// Accepted but insecure: a private key others can read, plaintext on a reachable address.
TEST_F(ServerTlsTest, PrivateKeyReadableByOthersIsAWarning) {
  std::time_t now = std::time(nullptr);
  ASSERT_TRUE(write_certificate(pki_->path("open.pem"), pki_->path("open.key"), now - kDay, now + 30 * kDay));
  std::filesystem::permissions(pki_->path("open.key"), std::filesystem::perms::others_read | std::filesystem::perms::group_read,
                               std::filesystem::perm_options::add);
  stead::ServerOptions options;
  options.port = 0;
  options.tls = stead::ServerTlsOptions{.cert_path = pki_->path("open.pem"), .key_path = pki_->path("open.key")};
  auto server = stead::Server::start(options);
  ASSERT_EQ(server->warnings().size(), 1u);
  EXPECT_NE(server->warnings()[0].find("TLS private key " + pki_->path("open.key") + " is readable by group or others"),
            std::string::npos)
      << server->warnings()[0];
}

TEST_F(ServerTlsTest, PlaintextOnANonLoopbackAddressIsAWarning) {
  auto open = stead::Server::start({.ip = "0.0.0.0", .port = 0});
  ASSERT_EQ(open->warnings().size(), 1u);
  EXPECT_NE(open->warnings()[0].find("plaintext gRPC on 0.0.0.0"), std::string::npos) << open->warnings()[0];
  auto local = stead::Server::start({.ip = "127.0.0.1", .port = 0});
  EXPECT_TRUE(local->warnings().empty()) << local->warnings()[0];
  EXPECT_TRUE(start_server(false)->warnings().empty()) << "TLS on loopback";
}

// ---------------------------------------------------------------------------------------
// The command line. STEAD_CLI_PATH is the `stead` binary's path (tests/CMakeLists.txt);
// $STEAD_BIN overrides it.

struct Exit {
  int code = -1;
  std::string output;  // stdout and stderr
};

Exit run_cli(const std::string& args) {
  const char* env = std::getenv("STEAD_BIN");
  const std::string bin = env && *env ? env : STEAD_CLI_PATH;
  Exit exit;
  // --port 0: should a bad file be accepted, the server binds a free port rather than a used
  // one; `timeout` ends it, and the test fails on the exit code.
  FILE* pipe = ::popen(("timeout 20 " + bin + " server start-dev --port 0 --headless " + args + " 2>&1").c_str(), "r");
  if (!pipe) return exit;
  char buffer[512];
  while (std::fgets(buffer, sizeof buffer, pipe)) exit.output += buffer;
  int status = ::pclose(pipe);
  exit.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return exit;
}

TEST_F(ServerTlsTest, CliRefusesMissingAndIncompleteTlsFiles) {
  const std::string missing = pki_->path("missing.pem");
  Exit only_cert = run_cli("--tls-cert-path " + missing);
  EXPECT_EQ(only_cert.code, 2) << only_cert.output;
  EXPECT_NE(only_cert.output.find("--tls-key-path"), std::string::npos) << only_cert.output;

  Exit no_file = run_cli("--tls-cert-path " + missing + " --tls-key-path " + pki_->path("server.key"));
  EXPECT_EQ(no_file.code, 1) << no_file.output;
  EXPECT_NE(no_file.output.find("cannot read TLS certificate file " + missing), std::string::npos) << no_file.output;

  std::time_t now = std::time(nullptr);
  ASSERT_TRUE(write_certificate(pki_->path("expired.pem"), pki_->path("expired.key"), now - 10 * kDay, now - kDay));
  Exit expired = run_cli("--tls-cert-path " + pki_->path("expired.pem") + " --tls-key-path " + pki_->path("expired.key"));
  EXPECT_EQ(expired.code, 1) << expired.output;
  EXPECT_NE(expired.output.find("has expired (valid from " + utc(now - 10 * kDay) + " until " + utc(now - kDay)),
            std::string::npos)
      << expired.output;

  Exit bad_ca = run_cli("--tls-cert-path " + pki_->path("server.pem") + " --tls-key-path " + pki_->path("server.key") +
                        " --tls-ca-path " + pki_->path("server.key"));
  EXPECT_EQ(bad_ca.code, 1) << bad_ca.output;
  EXPECT_NE(bad_ca.output.find("TLS client CA file"), std::string::npos) << bad_ca.output;
}

}  // namespace tlsit
