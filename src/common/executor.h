// Executor: a fixed pool of threads running posted closures in FIFO order.
// Used for work that must not run on the storage writer thread or a gRPC thread
// (post-commit continuations: history reads, replies, task dispatch).
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace stead {

class Executor {
 public:
  explicit Executor(size_t threads);
  ~Executor();  // runs everything already posted, then joins
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  // Thread-safe. After shutdown() began, closures are run inline by the caller.
  void post(std::function<void()> fn);
  void shutdown();

 private:
  void run();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;  // guarded by mu_
  bool stopping_ = false;                    // guarded by mu_
  std::vector<std::thread> threads_;
};

}  // namespace stead
