#include "client/client_core.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "stead/version.h"

namespace stead::detail {

namespace {

constexpr const char* kClientName = "stead-cpp";
constexpr const char* kClientVersion = STEAD_VERSION_STRING;  // include/stead/version.h

std::string default_identity() {
  char host[HOST_NAME_MAX + 1] = {};
  if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return std::to_string(getpid()) + "@" + host;
}

// PEM text from either the inline field or the file it names.
std::string pem(const std::string& inline_pem, const std::string& path, const char* what) {
  if (!inline_pem.empty() && !path.empty())
    throw std::invalid_argument(std::string("stead::TlsOptions: set ") + what + " or " + what + "_path, not both");
  if (path.empty()) return inline_pem;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::invalid_argument(std::string("stead::TlsOptions: cannot read ") + what + "_path " + path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::shared_ptr<grpc::ChannelCredentials> credentials(const ClientOptions& options, grpc::ChannelArguments* args) {
  if (!options.tls) return grpc::InsecureChannelCredentials();
  const TlsOptions& tls = *options.tls;
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = pem(tls.server_root_ca_cert, tls.server_root_ca_cert_path, "server_root_ca_cert");
  ssl.pem_cert_chain = pem(tls.client_cert, tls.client_cert_path, "client_cert");
  ssl.pem_private_key = pem(tls.client_private_key, tls.client_private_key_path, "client_private_key");
  if (ssl.pem_cert_chain.empty() != ssl.pem_private_key.empty())
    throw std::invalid_argument("stead::TlsOptions: mTLS needs both client_cert and client_private_key");
  if (!tls.server_name.empty()) args->SetSslTargetNameOverride(tls.server_name);
  return grpc::SslCredentials(ssl);
}

}  // namespace

std::shared_ptr<ClientCore> ClientCore::create(ClientOptions options) {
  if (options.address.empty()) throw std::invalid_argument("stead::ClientOptions: address is empty");
  if (options.namespace_.empty()) throw std::invalid_argument("stead::ClientOptions: namespace_ is empty");
  if (options.identity.empty()) options.identity = default_identity();
  std::map<std::string, std::string> metadata;
  for (const auto& [name, value] : options.metadata) {
    std::string key = name;
    std::transform(key.begin(), key.end(), key.begin(), [](unsigned char ch) { return std::tolower(ch); });
    metadata[key] = value;
  }
  options.metadata = std::move(metadata);

  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(128 * 1024 * 1024);  // Temporal's own limit for history pages
  args.SetString(GRPC_ARG_PRIMARY_USER_AGENT_STRING, std::string(kClientName) + "/" + kClientVersion);
  std::shared_ptr<grpc::Channel> channel = options.channel;
  if (!channel) channel = grpc::CreateCustomChannel(options.address, credentials(options, &args), args);
  std::string api_key = options.api_key;
  std::shared_ptr<ClientCore> core(new ClientCore(std::move(options), std::move(channel)), [](ClientCore* dying) {
    if (CallbackScope::active()) {
      std::thread([dying] { delete dying; }).detach();
    } else {
      delete dying;
    }
  });
  core->set_api_key(std::move(api_key));
  return core;
}

// Two threads, so one slow callback does not hold up every other completion.
constexpr int kCompletionThreads = 2;

ClientCore::ClientCore(ClientOptions options, std::shared_ptr<grpc::Channel> channel)
    : options_(std::move(options)), channel_(std::move(channel)), stub_(wsv1::WorkflowService::NewStub(channel_)) {
  for (int i = 0; i < kCompletionThreads; ++i) threads_.emplace_back([this] { drain(); });
}

ClientCore::~ClientCore() {
  cq_.Shutdown();
  for (auto& thread : threads_) thread.join();
}

void ClientCore::drain() {
  void* tag = nullptr;
  bool ok = false;
  while (cq_.Next(&tag, &ok)) {
    CallbackScope scope;
    std::unique_ptr<PendingCall> call(static_cast<PendingCall*>(tag));
    try {
      call->complete();
    } catch (const std::exception& e) {
      STEAD_LOG(kError) << "stead client: a completion callback threw: " << e.what();
    } catch (...) {
      STEAD_LOG(kError) << "stead client: a completion callback threw";
    }
    call.reset();  // may drop the last reference to the core
  }
}

void ClientCore::set_api_key(std::string api_key) {
  std::lock_guard lock(mu_);
  authorization_ = api_key.empty() ? std::string() : "Bearer " + api_key;
}

void ClientCore::prepare(grpc::ClientContext* context, std::chrono::nanoseconds timeout) const {
  context->set_deadline(std::chrono::system_clock::now() + timeout);
  context->AddMetadata("client-name", kClientName);
  context->AddMetadata("client-version", kClientVersion);
  context->AddMetadata("temporal-namespace", options_.namespace_);
  for (const auto& [key, value] : options_.metadata) context->AddMetadata(key, value);
  std::lock_guard lock(mu_);
  if (!authorization_.empty()) context->AddMetadata("authorization", authorization_);
}

}  // namespace stead::detail
