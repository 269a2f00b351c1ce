// chaos_driver: runs the chaos workload (workload.h) against `stead server start-dev` on a
// database file while killing processes with SIGKILL, then checks the outcome (checks.h).
//
//   chaos_driver --stead BIN --worker BIN [--dir DIR] [--server-kills N] [--worker-kills N]
//                [--clients N] [--seed S]
//
// Phase 1 kills the server N times at random moments (restarting it on the same file and
// port); phase 2 kills one of the two worker processes N times. Client threads keep starting
// workflows until a phase's kills are done, retrying every call a kill cut off. Prints the
// figures and every violation; exits 1 when there is one.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "checks.h"
#include "connect.h"
#include "process.h"
#include "stead/errors.h"
#include "workload.h"

namespace chaos {
namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string stead_bin;
  std::string worker_bin;
  std::string dir;
  int server_kills = 5;
  int worker_kills = 3;
  int clients = 4;
  unsigned seed = std::random_device{}();
};

sockaddr_in loopback(int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

// A free loopback port below Linux's ephemeral range (32768-60999), so that no other process
// binding port 0 takes it while the server is down between a kill and its restart.
int free_port(std::mt19937& rng) {
  std::uniform_int_distribution<int> ports(20000, 32000);
  for (int attempt = 0; attempt < 100; ++attempt) {
    int port = ports(rng);
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr = loopback(port);
    bool bound = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    if (bound) return port;
  }
  throw std::runtime_error("no free port");
}

bool accepts_connections(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr = loopback(port);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

// Polls until `condition` holds; false at the deadline.
bool wait_until(Clock::duration limit, const std::function<bool()>& condition) {
  auto deadline = Clock::now() + limit;
  while (!condition()) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

// What a kill can do to a call: the server is gone, or restarting.
bool retryable(const stead::RPCError& e) {
  switch (e.code()) {
    case stead::RpcCode::kUnavailable:
    case stead::RpcCode::kDeadlineExceeded:
    case stead::RpcCode::kCancelled:
    case stead::RpcCode::kUnknown:
    case stead::RpcCode::kInternal:
    case stead::RpcCode::kAborted:
      return true;
    default:
      return false;
  }
}

class Driver {
 public:
  explicit Driver(Options options) : o_(std::move(options)), rng_(o_.seed) {
    std::filesystem::create_directories(o_.dir);
    db_ = o_.dir + "/chaos.db";
    attempt_log_ = o_.dir + "/attempts.log";
    std::filesystem::remove(db_);
    std::filesystem::remove(db_ + "-wal");
    std::filesystem::remove(db_ + "-shm");
    std::filesystem::remove(attempt_log_);
    port_ = free_port(rng_);
    address_ = "127.0.0.1:" + std::to_string(port_);
    server_ = std::make_unique<Process>(
        std::vector<std::string>{o_.stead_bin, "server", "start-dev", "--db-filename", db_, "--port",
                                 std::to_string(port_), "--headless", "--log-level", "warn"},
        o_.dir + "/server.log");
    for (int i = 0; i < 2; ++i) {
      workers_.push_back(std::make_unique<Process>(std::vector<std::string>{o_.worker_bin, address_, attempt_log_},
                                                   o_.dir + "/worker-" + std::to_string(i) + ".log"));
    }
  }

  int run() {
    auto started = Clock::now();
    std::printf("chaos: seed %u, dir %s, server %s\n", o_.seed, o_.dir.c_str(), address_.c_str());
    if (!start_server()) return fail_now("the server did not come up");
    for (auto& w : workers_) w->start();
    client_.emplace(connect(address_));

    phase("server", o_.server_kills, [this] { return kill_server(); });
    phase("worker", o_.worker_kills, [this] { return kill_worker(); });

    std::vector<std::string> failures = failures_;
    HistoryCheck histories;
    try {
      histories = check_histories(*client_, acknowledged_);
    } catch (const std::exception& e) {
      failures.push_back(std::string("reading histories failed: ") + e.what());
    }
    failures.insert(failures.end(), histories.failures.begin(), histories.failures.end());
    for (auto& f : check_attempt_log(attempt_log_)) failures.push_back(f);
    for (auto& w : workers_) w->stop(SIGTERM);
    client_.reset();
    int status = server_->stop(SIGTERM);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
      failures.push_back("the server did not exit cleanly on SIGTERM (wait status " + std::to_string(status) + ")");
    for (auto& f : check_integrity(db_)) failures.push_back(f);

    double seconds = std::chrono::duration<double>(Clock::now() - started).count();
    for (const auto& f : failures) std::printf("FAILURE: %s\n", f.c_str());
    std::printf("chaos: %d server kills, %d worker kills, %zu workflows started (%d runs with children), "
                "%zu failures, %.1f s\n",
                server_kills_done_, worker_kills_done_, acknowledged_.size(), histories.runs, failures.size(),
                seconds);
    return failures.empty() ? 0 : 1;
  }

 private:
  int fail_now(const std::string& why) {
    std::printf("FAILURE: %s (see %s)\n", why.c_str(), (o_.dir + "/server.log").c_str());
    return 1;
  }

  bool start_server() {
    server_->start();
    return wait_until(std::chrono::seconds(60), [this] {
      int status = 0;
      if (server_->exited(&status)) return true;  // reported below
      return accepts_connections(port_);
    }) && server_->running();
  }

  // A random moment: kills land anywhere in a workflow's life.
  void pause_randomly(int min_ms, int max_ms) {
    std::uniform_int_distribution<int> ms(min_ms, max_ms);
    std::this_thread::sleep_for(std::chrono::milliseconds(ms(rng_)));
  }

  bool kill_server() {
    pause_randomly(0, 1500);
    server_->stop(SIGKILL);
    ++server_kills_done_;
    if (start_server()) return true;
    record("the server did not restart after kill " + std::to_string(server_kills_done_));
    return false;
  }

  bool kill_worker() {
    pause_randomly(0, 1500);
    std::uniform_int_distribution<size_t> which(0, workers_.size() - 1);
    auto& w = workers_[which(rng_)];
    w->stop(SIGKILL);
    ++worker_kills_done_;
    w->start();
    return true;
  }

  // Client threads run workflows while `kill` runs `kills` times; then they finish theirs.
  void phase(const char* name, int kills, const std::function<bool()>& kill) {
    std::atomic<bool> stop{false};
    std::vector<std::thread> clients;
    for (int i = 0; i < o_.clients; ++i) {
      clients.emplace_back([this, &stop] {
        while (!stop) run_one(next_++);
      });
    }
    for (int i = 0; i < kills; ++i) {
      if (!kill()) break;
    }
    stop = true;
    for (auto& t : clients) t.join();
    std::printf("chaos: %s phase done (%d workflows so far)\n", name, next_.load());
  }

  // Retries `call` while kills make it fail, until the workflow's deadline.
  template <class F>
  bool attempt(const std::string& what, Clock::time_point deadline, F&& call) {
    while (true) {
      try {
        call();
        return true;
      } catch (const stead::RPCError& e) {
        if (!retryable(e) || Clock::now() > deadline) {
          record(what + ": " + e.what());
          return false;
        }
      } catch (const std::exception& e) {
        record(what + ": " + e.what());
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }

  void run_one(int n) {
    const std::string id = workflow_id("chaos", n);
    const auto deadline = Clock::now() + std::chrono::minutes(3);
    stead::WorkflowHandle handle = client_->get_workflow_handle(id);
    // A fixed request id: a retried start finds the run an earlier, unanswered attempt made.
    bool ok = attempt(id + " start", deadline, [&] {
      handle = client_->start_workflow("ChaosWorkflow", n,
                                       {.id = id, .task_queue = kTaskQueue, .task_timeout = std::chrono::seconds(2),
                                        .request_id = "chaos-start-" + std::to_string(n)});
    });
    if (!ok) return;
    {
      std::lock_guard lock(mu_);
      acknowledged_.push_back({n, id, handle.run_id()});
    }
    ok = attempt(id + " signal", deadline, [&] { handle.signal("go", std::string("token")); });
    ok = ok && attempt(id + " update", deadline, [&] {
      stead::UpdateOptions update{.name = "bump", .id = "bump-" + id, .wait_for_stage = stead::UpdateStage::kCompleted};
      auto untyped = stead::wait_for<stead::UntypedUpdateHandle>(
          [&](auto done) { handle.start_update(update, {}, std::move(done)); });
      stead::UpdateHandle<int>(std::move(untyped)).result();
    });
    if (!ok) return;
    attempt(id + " result", deadline, [&] { handle.result<std::string>(); });
  }

  void record(std::string failure) {
    std::lock_guard lock(mu_);
    failures_.push_back(std::move(failure));
  }

  Options o_;
  std::mt19937 rng_;
  std::string db_, attempt_log_, address_;
  int port_ = 0;
  std::unique_ptr<Process> server_;
  std::vector<std::unique_ptr<Process>> workers_;
  std::optional<stead::Client> client_;
  std::atomic<int> next_{0};
  int server_kills_done_ = 0;
  int worker_kills_done_ = 0;
  std::mutex mu_;
  std::vector<Acknowledged> acknowledged_;  // guarded by mu_
  std::vector<std::string> failures_;       // guarded by mu_
};

bool parse(int argc, char** argv, Options* o) {
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--stead") o->stead_bin = value;
    else if (flag == "--worker") o->worker_bin = value;
    else if (flag == "--dir") o->dir = value;
    else if (flag == "--server-kills") o->server_kills = std::stoi(value);
    else if (flag == "--worker-kills") o->worker_kills = std::stoi(value);
    else if (flag == "--clients") o->clients = std::stoi(value);
    else if (flag == "--seed") o->seed = static_cast<unsigned>(std::stoul(value));
    else return false;
  }
  return argc % 2 == 1 && !o->stead_bin.empty() && !o->worker_bin.empty();
}

}  // namespace
}  // namespace chaos

int main(int argc, char** argv) {
  chaos::Options options;
  if (!chaos::parse(argc, argv, &options)) {
    std::fprintf(stderr,
                 "usage: chaos_driver --stead BIN --worker BIN [--dir DIR] [--server-kills N] [--worker-kills N] "
                 "[--clients N] [--seed S]\n");
    return 2;
  }
  if (options.dir.empty()) options.dir = (std::filesystem::temp_directory_path() / "stead-chaos").string();
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  return chaos::Driver(std::move(options)).run();
}
