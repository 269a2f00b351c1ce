// The server over TLS and mutual TLS: stead::Server with ServerOptions::tls, reached by the
// C++ client and worker over TLS, and `stead server start-dev --tls-*` refusing bad files.
// Certificates are made with the openssl command line at test time, in a temporary folder.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
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
    return run(new_key(path(name + ".key")) + " -x509 -days 2 -out " + path(name + ".pem") + " -subj /CN=" + name);
  }
  bool make_leaf(const std::string& name, const std::string& ca, const std::string& extensions) {
    std::ofstream(path(name + ".ext")) << extensions << "\n";
    return run(new_key(path(name + ".key")) + " -out " + path(name + ".csr") + " -subj /CN=" + name) &&
           run("openssl x509 -req -in " + path(name + ".csr") + " -CA " + path(ca + ".pem") + " -CAkey " +
               path(ca + ".key") + " -CAcreateserial -days 2 -out " + path(name + ".pem") + " -extfile " +
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

  Exit bad_ca = run_cli("--tls-cert-path " + pki_->path("server.pem") + " --tls-key-path " + pki_->path("server.key") +
                        " --tls-ca-path " + pki_->path("server.key"));
  EXPECT_EQ(bad_ca.code, 1) << bad_ca.output;
  EXPECT_NE(bad_ca.output.find("TLS client CA file"), std::string::npos) << bad_ca.output;
}

}  // namespace tlsit
