#include "server/matching/matching.h"

#include <chrono>

namespace stead::server::matching {

std::string QueueKey::str() const {
  std::string out = ns;
  out.push_back('\0');
  out += name;
  out.push_back('\0');
  out.push_back(kind == TaskKind::kWorkflow ? 'w' : 'a');
  return out;
}

Matching::Matching(timers::TimerQueue& timers) : timers_(timers) {}

Matching::~Matching() { shutdown(); }

void Matching::add_task(const QueueKey& key, TaskRef task) {
  PollCallback callback;
  {
    std::lock_guard lock(mu_);
    Queue& queue = queues_[key.str()];
    if (queue.waiters.empty()) {
      queue.tasks.push_back(std::move(task));
      return;
    }
    std::shared_ptr<Waiter> waiter = std::move(queue.waiters.front());
    queue.waiters.pop_front();
    waiting_.erase(waiter->id);
    timers_.cancel(waiter->expiry);
    callback = std::move(waiter->callback);
  }
  callback(std::move(task));
}

Matching::PollId Matching::poll(const QueueKey& key, TimePoint expire_at, std::string identity,
                                PollCallback on_result) {
  std::optional<TaskRef> ready;
  PollId id;
  {
    std::lock_guard lock(mu_);
    id = next_poll_id_++;
    std::string qk = key.str();
    Queue& queue = queues_[qk];
    queue.pollers[identity] = std::chrono::system_clock::now();
    if (shut_down_ || unloaded_.count(qk)) {
      // Completed below with nullopt.
    } else if (!queue.tasks.empty()) {
      ready = std::move(queue.tasks.front());
      queue.tasks.pop_front();
    } else {
      auto waiter = std::make_shared<Waiter>();
      waiter->id = id;
      waiter->callback = std::move(on_result);
      waiter->expiry = timers_.schedule(expire_at, [this, id] { cancel_poll(id); });
      queue.waiters.push_back(waiter);
      waiting_[id] = WaiterLocation{qk, std::move(waiter)};
      return id;
    }
  }
  on_result(std::move(ready));
  return id;
}

Matching::PollCallback Matching::take_waiter(PollId id) {
  std::lock_guard lock(mu_);
  auto it = waiting_.find(id);
  if (it == waiting_.end()) return {};
  std::shared_ptr<Waiter> waiter = it->second.waiter;
  queues_[it->second.queue].waiters.remove(waiter);
  waiting_.erase(it);
  timers_.cancel(waiter->expiry);
  return std::move(waiter->callback);
}

void Matching::cancel_poll(PollId id) {
  PollCallback callback = take_waiter(id);
  if (callback) callback(std::nullopt);
}

std::vector<TaskRef> Matching::unload_queue(const QueueKey& key) {
  std::vector<PollCallback> callbacks;
  std::vector<TaskRef> tasks;
  {
    std::lock_guard lock(mu_);
    std::string qk = key.str();
    unloaded_.insert(qk);
    auto it = queues_.find(qk);
    if (it != queues_.end()) {
      for (auto& waiter : it->second.waiters) {
        waiting_.erase(waiter->id);
        timers_.cancel(waiter->expiry);
        callbacks.push_back(std::move(waiter->callback));
      }
      tasks.assign(it->second.tasks.begin(), it->second.tasks.end());
      queues_.erase(it);
    }
  }
  for (auto& callback : callbacks) callback(std::nullopt);
  return tasks;
}

bool Matching::is_unloaded(const QueueKey& key) const {
  std::lock_guard lock(mu_);
  return unloaded_.count(key.str()) > 0;
}

size_t Matching::backlog(const QueueKey& key) const {
  std::lock_guard lock(mu_);
  auto it = queues_.find(key.str());
  return it == queues_.end() ? 0 : it->second.tasks.size();
}

bool Matching::has_live_poller(const QueueKey& key, Duration within) const {
  std::lock_guard lock(mu_);
  auto it = queues_.find(key.str());
  if (it == queues_.end()) return false;
  if (!it->second.waiters.empty()) return true;
  auto horizon = std::chrono::system_clock::now() - within;
  for (const auto& [identity, seen] : it->second.pollers) {
    if (seen >= horizon) return true;
  }
  return false;
}

std::vector<PollerInfo> Matching::pollers(const QueueKey& key) const {
  std::vector<PollerInfo> out;
  std::lock_guard lock(mu_);
  auto it = queues_.find(key.str());
  if (it == queues_.end()) return out;
  auto horizon = std::chrono::system_clock::now() - std::chrono::minutes(5);
  for (const auto& [identity, seen] : it->second.pollers) {
    if (seen >= horizon) out.push_back({identity, seen});
  }
  return out;
}

void Matching::shutdown() {
  std::vector<PollCallback> callbacks;
  {
    std::lock_guard lock(mu_);
    if (shut_down_) return;
    shut_down_ = true;
    for (auto& [id, location] : waiting_) {
      timers_.cancel(location.waiter->expiry);
      callbacks.push_back(std::move(location.waiter->callback));
    }
    waiting_.clear();
    for (auto& [name, queue] : queues_) queue.waiters.clear();
  }
  for (auto& callback : callbacks) callback(std::nullopt);
}

}  // namespace stead::server::matching
