#include "worker/delay_queue.h"

namespace stead::worker {

DelayQueue::DelayQueue() : thread_([this] { run(); }) {}

DelayQueue::~DelayQueue() { shutdown(); }

DelayQueue::Id DelayQueue::schedule(Clock::time_point at, std::function<void()> fn) {
  std::lock_guard lock(mu_);
  if (stopping_) return 0;
  Id id = next_id_++;
  bool earliest = pending_.empty() || at < pending_.begin()->first.first;
  pending_.emplace(std::make_pair(at, id), std::move(fn));
  when_.emplace(id, at);
  if (earliest) cv_.notify_one();
  return id;
}

bool DelayQueue::cancel(Id id) {
  std::function<void()> dropped;  // destroyed outside the lock
  std::lock_guard lock(mu_);
  auto it = when_.find(id);
  if (it == when_.end()) return false;
  auto node = pending_.extract(std::make_pair(it->second, id));
  when_.erase(it);
  dropped = std::move(node.mapped());
  return true;
}

void DelayQueue::shutdown() {
  std::map<std::pair<Clock::time_point, Id>, std::function<void()>> dropped;  // destroyed outside the lock
  std::thread thread;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    dropped.swap(pending_);
    when_.clear();
    thread = std::move(thread_);
    cv_.notify_all();
  }
  if (!thread.joinable()) return;
  if (thread.get_id() == std::this_thread::get_id()) {
    thread.detach();  // called from a callback: the loop ends when it returns
  } else {
    thread.join();
  }
}

void DelayQueue::run() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    if (pending_.empty()) {
      cv_.wait(lock);
      continue;
    }
    auto at = pending_.begin()->first.first;
    if (Clock::now() < at) {
      cv_.wait_until(lock, at);
      continue;
    }
    auto node = pending_.extract(pending_.begin());
    when_.erase(node.key().second);
    lock.unlock();
    node.mapped()();
    node = {};
    lock.lock();
  }
}

}  // namespace stead::worker
