#include "worker/thread_pool.h"

#include <stdexcept>

namespace stead::worker {

ThreadPool::ThreadPool(std::size_t max_threads) : max_threads_(max_threads) {
  if (max_threads == 0) throw std::invalid_argument("ThreadPool: max_threads must be positive");
}

ThreadPool::~ThreadPool() { shutdown(); }

bool ThreadPool::post(std::function<void()> fn) {
  std::lock_guard lock(mu_);
  if (stopping_) return false;
  queue_.push_back(std::move(fn));
  // A new thread only when every existing one is busy.
  if (idle_ < queue_.size() && threads_.size() < max_threads_) {
    threads_.emplace_back([this] { run(); });
  } else {
    cv_.notify_one();
  }
  return true;
}

void ThreadPool::shutdown() {
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    threads.swap(threads_);
    cv_.notify_all();
  }
  for (auto& t : threads) t.join();
}

void ThreadPool::run() {
  std::unique_lock lock(mu_);
  for (;;) {
    ++idle_;
    cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    --idle_;
    if (queue_.empty()) return;  // stopping, nothing left
    auto fn = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    fn();
    fn = nullptr;  // destroy captures outside the lock
    lock.lock();
  }
}

}  // namespace stead::worker
