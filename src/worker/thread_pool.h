// ThreadPool: runs posted closures on up to `max_threads` threads, started on demand (a
// worker allowing 100 concurrent activities that runs 3 does not hold 100 threads).
// The activity worker posts one closure per activity attempt and never more than its slot
// count, so the queue stays bounded.
//
// Thread safety: post() and shutdown() may be called from any thread, but not from a pool
// thread for shutdown().
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace stead::worker {

class ThreadPool {
 public:
  // REQUIRES: max_threads > 0.
  explicit ThreadPool(std::size_t max_threads);
  ~ThreadPool();  // shutdown()
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // Queues `fn`. Returns false (and drops it) once shutdown() has begun. `fn` must not throw.
  bool post(std::function<void()> fn);
  // Runs what is queued, then joins the threads. Idempotent.
  void shutdown();

 private:
  void run();

  const std::size_t max_threads_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;  // guarded by mu_
  std::size_t idle_ = 0;                     // guarded by mu_
  bool stopping_ = false;                    // guarded by mu_
  std::vector<std::thread> threads_;         // guarded by mu_
};

}  // namespace stead::worker
