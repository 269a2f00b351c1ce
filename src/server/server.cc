// Wiring of the dev server: store -> timers -> matching -> history -> frontend -> gRPC.
#include "stead/server.h"

#include <cerrno>
#include <cstdio>
#include <condition_variable>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iterator>
#include <mutex>
#include <stdexcept>

#include <grpcpp/grpcpp.h>
#include <sys/stat.h>
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "common/log.h"
#include "common/prometheus.h"
#include "server/dynamic_config.h"
#include "server/frontend/operator_service.h"
#include "server/frontend/rpc_router.h"
#include "server/frontend/test_service.h"
#include "server/frontend/workflow_service.h"
#include "server/history/engine.h"
#include "server/matching/matching.h"
#include "server/persistence/store.h"
#include "server/timers/clock.h"
#include "server/timers/skipping_clock.h"
#include "server/timers/timer_queue.h"
#include "server/visibility/search_attribute_types.h"
#include "stead/version.h"

namespace stead {

const char* version() { return STEAD_VERSION_STRING; }

namespace {
// Reported by GetSystemInfo: the Temporal server release whose protocol Stead follows,
// with Stead's own version as build metadata.
std::string server_version() { return std::string("1.29.0+stead.") + version(); }

// Reads a PEM file for the TLS options; `what` names it in errors ("TLS certificate").
// `marker` is a substring every valid file of that kind has: gRPC only parses the PEM when
// the port is bound and then reports no more than a failed bind, so obvious mistakes (a
// missing file, a key given as the certificate) are caught here with a precise message.
std::string read_pem(const std::string& path, const char* what, const char* marker) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(std::string("cannot read ") + what + " file " + path + ": " + std::strerror(errno));
  std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (text.find(marker) == std::string::npos)
    throw std::runtime_error(std::string(what) + " file " + path + " is not PEM (no \"" + marker + "\" block)");
  return text;
}

// "2026-12-04T17:36:47Z".
std::string utc_text(const std::tm& tm) {
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}
std::string utc_text(const ASN1_TIME* t) {
  std::tm tm{};
  return ASN1_TIME_to_tm(t, &tm) == 1 ? utc_text(tm) : "<unreadable time>";
}
std::string utc_text(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  return utc_text(tm);
}

struct X509Deleter {
  void operator()(X509* x) const { X509_free(x); }
};

// Checks the validity period of every certificate in `pem` (read from `path`, described as
// `what`). gRPC serves an expired certificate without a word, and every verifying client
// then fails its handshake with "certificate has expired", so a certificate that is expired
// or not valid yet throws when `refuse` (the server's own chain) and is a warning otherwise
// (a CA bundle may hold stale CAs beside good ones); one that expires within
// kCertificateWarningDays is a warning.
constexpr int kCertificateWarningDays = 7;
void check_validity(const std::string& pem, const std::string& path, const char* what, bool refuse,
                    std::vector<std::string>* warnings) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
  const std::time_t now = std::time(nullptr);
  const std::time_t soon = now + kCertificateWarningDays * 24 * 3600;
  int count = 0;
  while (bio) {
    std::unique_ptr<X509, X509Deleter> cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!cert) break;
    ++count;
    char subject[256] = "";
    X509_NAME_oneline(X509_get_subject_name(cert.get()), subject, sizeof subject);
    const ASN1_TIME* not_before = X509_get0_notBefore(cert.get());
    const ASN1_TIME* not_after = X509_get0_notAfter(cert.get());
    std::string who = std::string(what) + " " + subject + " in " + path;
    std::string period =
        " (valid from " + utc_text(not_before) + " until " + utc_text(not_after) + "; now " + utc_text(now) + ")";
    std::string problem;
    // X509_cmp_time: -1 when the certificate's time is before the given one, 1 after, 0 on error.
    if (X509_cmp_time(not_before, nullptr) == 0 || X509_cmp_time(not_after, nullptr) == 0)
      problem = who + " has an unreadable validity period";
    else if (X509_cmp_time(not_before, const_cast<std::time_t*>(&now)) > 0)
      problem = who + " is not valid yet" + period;
    else if (X509_cmp_time(not_after, const_cast<std::time_t*>(&now)) < 0)
      problem = who + " has expired" + period;
    if (!problem.empty()) {
      if (refuse) throw std::runtime_error(problem);
      warnings->push_back(problem);
    } else if (X509_cmp_time(not_after, const_cast<std::time_t*>(&soon)) < 0) {
      warnings->push_back(who + " expires within " + std::to_string(kCertificateWarningDays) +
                          " days" + period + "; renew it before clients start failing their handshakes");
    }
  }
  ERR_clear_error();  // the end of the PEM data is reported as an error
  if (count == 0) throw std::runtime_error(std::string(what) + " file " + path + " holds no readable certificate");
}

bool is_loopback(const std::string& ip) {
  return ip.rfind("127.", 0) == 0 || ip == "::1" || ip == "[::1]" || ip == "localhost";
}

std::shared_ptr<grpc::ServerCredentials> server_credentials(const ServerOptions& options,
                                                            std::vector<std::string>* warnings) {
  if (!options.tls) {
    // The gRPC port has no authentication of its own: whoever reaches it controls every workflow.
    if (!is_loopback(options.ip))
      warnings->push_back("serving plaintext gRPC on " + options.ip +
                          ": anyone who can reach the port can start, read and terminate every workflow; use TLS "
                          "with client certificates (--tls-cert-path, --tls-key-path, --tls-ca-path) or --ip 127.0.0.1");
    return grpc::InsecureServerCredentials();
  }
  const ServerTlsOptions& tls = *options.tls;
  if (tls.cert_path.empty() || tls.key_path.empty())
    throw std::runtime_error("TLS needs both a certificate and a private key (ServerTlsOptions cert_path, key_path)");
  const bool mutual = !tls.client_ca_path.empty();
  grpc::SslServerCredentialsOptions ssl(mutual ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
                                               : GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  std::string cert = read_pem(tls.cert_path, "TLS certificate", "-----BEGIN CERTIFICATE-----");
  check_validity(cert, tls.cert_path, "TLS certificate", /*refuse=*/true, warnings);
  std::string key = read_pem(tls.key_path, "TLS private key", "PRIVATE KEY-----");
  // As ssh does for its keys: a private key other users can read is no longer private.
  if (struct stat st{}; ::stat(tls.key_path.c_str(), &st) == 0 && (st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    warnings->push_back("TLS private key " + tls.key_path + " is readable by group or others (mode " + mode +
                        "); chmod 600 it");
  }
  ssl.pem_key_cert_pairs.push_back({std::move(key), std::move(cert)});
  if (mutual) {
    ssl.pem_root_certs = read_pem(tls.client_ca_path, "TLS client CA", "-----BEGIN CERTIFICATE-----");
    check_validity(ssl.pem_root_certs, tls.client_ca_path, "TLS client CA", /*refuse=*/false, warnings);
  }
  return grpc::SslServerCredentials(ssl);
}
}  // namespace

struct Server::Impl {
  ServerOptions options;
  server::timers::SkippingClock* skipping_clock = nullptr;  // in `clock` under time skipping
  std::vector<std::string> warnings;
  std::vector<std::string> namespaces;
  int port = 0;

  std::unique_ptr<server::persistence::Store> store;
  server::timers::RealClock wall_clock;
  std::unique_ptr<server::timers::Clock> clock;
  // Declared before the engine: runs give their clock holds back as the engine is destroyed,
  // and the clock's waker pokes this queue.
  std::unique_ptr<server::timers::TimerQueue> durable_timers;
  std::unique_ptr<server::timers::TimerQueue> real_timers;
  std::unique_ptr<server::matching::Matching> matching;
  std::unique_ptr<server::history::Engine> engine;
  // Before the router and services, which record into it, and outlived by nothing that does.
  prometheus::Registry metrics;
  server::frontend::RpcRouter router{&metrics};
  std::unique_ptr<server::frontend::WorkflowService> workflow_service;
  std::unique_ptr<server::frontend::OperatorService> operator_service;
  std::unique_ptr<server::frontend::TestService> test_service;
  std::unique_ptr<grpc::Server> grpc_server;

  std::mutex mu;
  std::condition_variable cv;
  bool shutting_down = false;
  bool stopped = false;

  // Also reached when start() fails half-way: stop everything that calls back into the
  // engine before members are destroyed (the engine is destroyed before the timer queues).
  ~Impl() {
    if (grpc_server) grpc_server->Shutdown(std::chrono::system_clock::now());
    if (matching) matching->shutdown();
    if (engine) engine->shutdown();
    if (durable_timers) durable_timers->stop();
    if (real_timers) real_timers->stop();
  }
};

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() { shutdown(); }

std::unique_ptr<Server> Server::start(const ServerOptions& options) {
  // TLS files first: a bad file fails before the database is opened or recovered.
  std::vector<std::string> tls_warnings;
  auto credentials = server_credentials(options, &tls_warnings);
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->warnings = std::move(tls_warnings);

  server::history::Config config;
  config.max_concurrent_long_polls = options.max_concurrent_long_polls;
  if (Status s = server::apply_dynamic_config(options.dynamic_config, &config, &impl->warnings); !s.ok())
    throw std::runtime_error(s.message());

  if (Status s = server::persistence::open_sqlite_store(options.db_filename, &impl->store); !s.ok())
    throw std::runtime_error("cannot open database " + options.db_filename + ": " + s.ToString());

  server::timers::SkippingClock* skipping_clock = nullptr;
  if (options.time_skipping) {
    auto clock = std::make_unique<server::timers::SkippingClock>(/*initial_locks=*/1);
    skipping_clock = clock.get();
    impl->skipping_clock = skipping_clock;
    impl->clock = std::move(clock);
  } else {
    impl->clock = std::make_unique<server::timers::RealClock>();
  }
  impl->durable_timers = std::make_unique<server::timers::TimerQueue>(*impl->clock);
  if (skipping_clock) skipping_clock->set_waker([timers = impl->durable_timers.get()] { timers->poke(); });
  impl->real_timers = std::make_unique<server::timers::TimerQueue>(impl->wall_clock);
  impl->matching = std::make_unique<server::matching::Matching>(*impl->real_timers);
  impl->engine = std::make_unique<server::history::Engine>(config, *impl->store, *impl->matching, *impl->clock,
                                                            *impl->durable_timers, *impl->real_timers);
  impl->namespaces = {"default"};
  for (const auto& ns : options.namespaces)
    if (std::find(impl->namespaces.begin(), impl->namespaces.end(), ns) == impl->namespaces.end())
      impl->namespaces.push_back(ns);
  if (Status s = impl->engine->recover(impl->namespaces); !s.ok())
    throw std::runtime_error("recovery failed: " + s.ToString());
  for (const auto& [name, type_name] : options.search_attributes) {
    temporal::api::enums::v1::IndexedValueType type;
    if (!server::visibility::parse_indexed_value_type(type_name, &type) ||
        !server::visibility::is_safe_attribute_name(name)) {
      throw std::runtime_error("invalid search attribute " + name + "=" + type_name +
                               " (types: Keyword, Text, Int, Double, Bool, Datetime, KeywordList)");
    }
    for (const auto& ns : impl->namespaces) {
      Status s = impl->engine->update_namespace(ns, [&](stead::server::v1::NamespaceRecord* record) {
        (*record->mutable_search_attributes())[name] = type;
        return Status::Ok();
      });
      if (!s.ok()) throw std::runtime_error("cannot register search attribute " + name + ": " + s.ToString());
    }
  }

  impl->workflow_service =
      std::make_unique<server::frontend::WorkflowService>(*impl->engine, *impl->matching, server_version());
  impl->workflow_service->register_routes(impl->router);
  impl->metrics.gauge_callback(
      "stead_long_polls_waiting", "Long polls held now (task queue polls, history waits, queries, updates).",
      {"namespace", "method"}, [service = impl->workflow_service.get()] {
        std::vector<prometheus::Sample> samples;
        for (const auto& usage : service->long_polls().usage())
          samples.push_back({{usage.ns, usage.method}, static_cast<double>(usage.in_use)});
        return samples;
      });
  impl->operator_service = std::make_unique<server::frontend::OperatorService>(*impl->engine);
  impl->operator_service->register_routes(impl->router);
  if (skipping_clock) {
    impl->test_service = std::make_unique<server::frontend::TestService>(*skipping_clock, *impl->durable_timers);
    impl->test_service->register_routes(impl->router);
  }

  grpc::ServerBuilder builder;
  std::string address = options.ip + ":" + std::to_string(options.port);
  if (options.listen) builder.AddListeningPort(address, credentials, &impl->port);
  builder.RegisterCallbackGenericService(impl->router.service());
  // gRPC's default 4 MiB receive limit, as Temporal's server: larger requests get
  // RESOURCE_EXHAUSTED; smaller ones are checked against the 2 MiB blob limit.
  builder.SetMaxSendMessageSize(128 * 1024 * 1024);  // long histories may exceed 4 MiB
  impl->grpc_server = builder.BuildAndStart();
  if (!impl->grpc_server || (options.listen && impl->port == 0)) {
    // gRPC builds the TLS context when it binds, so a certificate/key it cannot use (bad
    // PEM, key not matching the certificate) also ends here.
    throw std::runtime_error("cannot listen on " + address +
                             (options.tls ? " (address in use or invalid, or the TLS certificate, key or CA is not valid)"
                                          : " (address in use or invalid)"));
  }
  // Logged here so that embedded servers report them too (the CLI no longer repeats them).
  for (const auto& warning : impl->warnings) STEAD_LOG(kWarn) << warning;
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

int Server::port() const { return impl_->port; }
std::string Server::address() const { return impl_->options.ip + ":" + std::to_string(impl_->port); }
std::vector<std::string> Server::namespaces() const { return impl_->namespaces; }
bool Server::in_memory() const { return impl_->options.db_filename.empty(); }
bool Server::tls() const { return impl_->options.tls.has_value(); }
bool Server::requires_client_cert() const { return tls() && !impl_->options.tls->client_ca_path.empty(); }
const std::vector<std::string>& Server::warnings() const { return impl_->warnings; }

std::chrono::system_clock::time_point Server::current_time() const { return impl_->clock->now(); }
bool Server::time_skipping() const { return impl_->skipping_clock != nullptr; }

void Server::lock_time_skipping() const {
  if (!impl_->skipping_clock) throw std::logic_error("lock_time_skipping: the server was started without time skipping");
  impl_->skipping_clock->lock();
}

void Server::unlock_time_skipping() const {
  if (!impl_->skipping_clock) throw std::logic_error("unlock_time_skipping: the server was started without time skipping");
  if (!impl_->skipping_clock->unlock())
    throw std::logic_error("unlock_time_skipping: time skipping is not locked (unbalanced unlock)");
}

int Server::time_skipping_locks() const { return impl_->skipping_clock ? impl_->skipping_clock->locks() : 0; }

std::string Server::metrics_text() const { return impl_->metrics.text(); }

std::shared_ptr<grpc::Channel> Server::in_process_channel() const {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(128 * 1024 * 1024);
  return impl_->grpc_server->InProcessChannel(args);
}

void Server::shutdown() {
  {
    std::unique_lock lock(impl_->mu);
    if (impl_->shutting_down) {
      impl_->cv.wait(lock, [this] { return impl_->stopped; });
      return;
    }
    impl_->shutting_down = true;
  }
  // Waiting polls answer empty first, so workers see a clean end rather than an error.
  impl_->matching->shutdown();
  impl_->grpc_server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  impl_->engine->shutdown();
  impl_->durable_timers->stop();
  impl_->real_timers->stop();
  impl_->store->close();
  {
    std::lock_guard lock(impl_->mu);
    impl_->stopped = true;
  }
  impl_->cv.notify_all();
}

void Server::wait() {
  std::unique_lock lock(impl_->mu);
  impl_->cv.wait(lock, [this] { return impl_->stopped; });
}

}  // namespace stead
