#include "stead/http_runtime.h"

#include <pthread.h>
#include <signal.h>

#include <cstdlib>

namespace stead::http {

RuntimeOptions RuntimeOptions::from_env() {
  RuntimeOptions o;
  if (const char* a = std::getenv("TEMPORAL_ADDRESS"); a && *a) o.address = a;
  if (const char* n = std::getenv("TEMPORAL_NAMESPACE"); n && *n) o.namespace_ = n;
  return o;
}

std::unique_ptr<Runtime> Runtime::start(RuntimeOptions options) {
  std::unique_ptr<Runtime> rt(new Runtime());
  rt->options_ = std::move(options);
  ClientOptions co = rt->options_.client;
  co.namespace_ = rt->options_.namespace_;
  if (rt->options_.address.empty()) {
    ServerOptions so = rt->options_.embedded_server;
    if (co.namespace_ != "default") so.namespaces.push_back(co.namespace_);
    rt->server_ = Server::start(so);
    co.address = rt->server_->address();
  } else {
    co.address = rt->options_.address;
  }
  rt->client_.emplace(Client::connect(co));
  if (rt->options_.start_worker) rt->stop_worker_ = rt->options_.start_worker(*rt->client_);
  return rt;
}

Runtime::~Runtime() { shutdown(); }

const Client& Runtime::client() const { return *client_; }
Server* Runtime::embedded_server() const { return server_.get(); }

void Runtime::shutdown() {
  if (down_) return;
  down_ = true;
  // Order matters: the worker polls on the client, the client talks to the server.
  if (stop_worker_) stop_worker_();
  client_.reset();
  if (server_) server_->shutdown();
}

namespace {
sigset_t termination_set() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}
}  // namespace

void block_termination_signals() {
  sigset_t set = termination_set();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int wait_for_termination_signal() {
  block_termination_signals();
  sigset_t set = termination_set();
  int sig = 0;
  while (sigwait(&set, &sig) != 0) {
  }
  return sig;
}

}  // namespace stead::http
