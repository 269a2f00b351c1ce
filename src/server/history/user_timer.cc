// User timers (StartTimer/CancelTimer commands are in commands.cc): firing.
#include "server/history/engine.h"
#include "server/history/mutation.h"

namespace stead::server::history {

namespace enums = temporal::api::enums::v1;

void Engine::handle_user_timer(const TimerTask& task) {
  auto entry = entry_for(task.ns, task.workflow_id);
  std::lock_guard lock(entry->mu);
  Run* run = nullptr;
  if (!find_run(*entry, task.ns, task.workflow_id, task.run_id, &run).ok() || !run->open()) return;
  auto it = run->ms.mutable_timers()->find(task.timer_id);
  // A cancelled timer, or a newer timer reusing the id, makes this firing stale.
  if (it == run->ms.mutable_timers()->end() || it->second.started_event_id() != task.event_id) return;
  Mutation m(*this, entry, *run);
  auto* event = m.add_external_event(enums::EVENT_TYPE_TIMER_FIRED);
  auto* a = event->mutable_timer_fired_event_attributes();
  a->set_timer_id(task.timer_id);
  a->set_started_event_id(task.event_id);
  run->ms.mutable_timers()->erase(it);
  m.schedule_workflow_task();
  commit(m, nullptr);
}

}  // namespace stead::server::history
