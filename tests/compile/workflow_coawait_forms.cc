// Compile checks of stead/workflow_gcc12_guard.h (tests/CMakeLists.txt builds this file once per
// STEAD_FORM). STEAD_FORM 0 holds the forms every compiler must accept; each other number is one
// form g++ 12 miscompiles, which must fail to compile there with the guard's message and
// compile everywhere else.
#include <chrono>
#include <string>

#include <nlohmann/json.hpp>

#include "stead/workflow.h"

namespace shop {
struct Order {
  std::string id{};
  int quantity = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Order, id, quantity)
}  // namespace shop

namespace {

using namespace std::chrono_literals;
namespace workflow = stead::workflow;
using shop::Order;

[[maybe_unused]] stead::Task<std::string> forms(std::string id) {
  std::string out;
#if STEAD_FORM == 0
  // Named options and lambdas, temporaries that are classes with constructors, `[this]`-like
  // captures, co_await in an `if` condition, a named handle built from inline options.
  const stead::ActivityOptions options{.start_to_close_timeout = 5s};
  out += co_await workflow::execute_activity<std::string>("a", options, id, std::string("x"), 3);
  auto charge = workflow::execute_activity<std::string>("a", {.start_to_close_timeout = 5s}, Order{.id = id});
  out += co_await charge;
  bool flag = false;
  if (co_await workflow::wait_condition([&flag] { return flag; }, 1s)) out += "!";
  auto named = [id] { return id.empty(); };
  co_await workflow::wait_condition(named);
  auto waiting = workflow::wait_condition([id] { return id.empty(); });
  co_await waiting;
  const stead::ChildWorkflowOptions child{.id = "child"};
  out += co_await workflow::execute_child_workflow<std::string>("Child", child, id);
  auto started = workflow::start_child_workflow<std::string>("Child", {.id = "c2"}, Order{});
  auto handle = co_await started;
  co_await handle.signal("s", id);
  co_await workflow::signal_external_workflow("w", "", "s", std::string("payload"));
  const stead::LocalActivityOptions local{.start_to_close_timeout = 1s};
  out += co_await workflow::execute_local_activity<std::string>("l", local, id);
#elif STEAD_FORM == 1
  out += co_await workflow::execute_activity<std::string>("a", {.start_to_close_timeout = 5s}, id);
#elif STEAD_FORM == 2
  const stead::ActivityOptions options{.start_to_close_timeout = 5s};
  out += co_await workflow::execute_activity<std::string>("a", options, Order{.id = id});
#elif STEAD_FORM == 3
  co_await workflow::wait_condition([id] { return id.empty(); });
#elif STEAD_FORM == 4
  out += co_await workflow::execute_child_workflow<std::string>("Child", {.id = "child"}, id);
#elif STEAD_FORM == 5
  out += co_await workflow::execute_local_activity<std::string>("l", {.start_to_close_timeout = 1s}, id);
#elif STEAD_FORM == 6
  co_await workflow::signal_external_workflow("w", "", "s", Order{.id = id});
#endif
  co_return out;
}

}  // namespace

int main() { return 0; }
