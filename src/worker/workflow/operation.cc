#include "worker/workflow/operation.h"

#include <algorithm>

#include "stead/errors.h"
#include "worker/workflow/workflow_runtime.h"

namespace stead::workflow::detail {

void Operation::resolve(std::optional<Payload> value) {
  if (resolved()) return;
  slot_.set_value(std::move(value));
  wake();
}

void Operation::reject(std::exception_ptr error) {
  if (resolved()) return;
  slot_.set_exception(std::move(error));
  failed_ = true;
  wake();
}

void Operation::cancel() {
  if (resolved() || cancel_requested_) return;
  cancel_requested_ = true;
  if (cancel_action_) {
    auto action = std::move(cancel_action_);
    action();
  } else {
    reject(std::make_exception_ptr(CanceledError("operation canceled")));
  }
}

std::optional<Payload> Operation::take() {
  runtime_->set_current_scope(scope_);
  return slot_.take();
}

void Operation::wake() {
  if (waiter_) runtime_->scheduler().schedule(std::exchange(waiter_, {}));
}

ScopeState::ScopeState(std::shared_ptr<ScopeState> parent, bool shielded)
    : parent_(std::move(parent)), shielded_(shielded) {
  if (parent_ && parent_->cancelled() && !shielded_) cancelled_ = true;
}

void ScopeState::cancel() {
  if (cancelled_) return;
  cancelled_ = true;
  // Copies: cancelling an operation may start others (e.g. a cancel request) in this scope.
  auto operations = operations_;
  for (auto& weak : operations)
    if (auto op = weak.lock()) op->cancel();
  auto children = children_;
  for (auto& weak : children)
    if (auto child = weak.lock(); child && !child->shielded_) child->cancel();
}

template <class T>
static void add_pruned(std::vector<std::weak_ptr<T>>& list, const std::shared_ptr<T>& item) {
  // Drop entries whose object is gone once the list doubles, so a long-running scope stays small.
  if (list.size() >= 64 && (list.size() & (list.size() - 1)) == 0)
    std::erase_if(list, [](const std::weak_ptr<T>& w) { return w.expired(); });
  list.push_back(item);
}

void ScopeState::add(const std::shared_ptr<Operation>& op) { add_pruned(operations_, op); }
void ScopeState::add_child(const std::shared_ptr<ScopeState>& child) { add_pruned(children_, child); }

}  // namespace stead::workflow::detail
