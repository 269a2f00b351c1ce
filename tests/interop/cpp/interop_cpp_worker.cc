// interop_cpp_worker: a stead::Worker with the workflows and activities the TypeScript interop
// tests (tests/interop/ts/test/cpp_worker.test.js, cpp_client.test.js) drive.
//
//   interop_cpp_worker --address 127.0.0.1:7233 --task-queue Q
//
// Prints "ready" on stdout once polling, runs until SIGINT or SIGTERM, then shuts the worker
// down and exits 0. Workflow types (all prefixed Cpp):
//   CppEchoString(string), CppEchoNumber(double), CppEchoInt(int64), CppEchoObject(json),
//   CppEchoNull(optional<string>), CppEchoBytes(Bytes): return their argument, decoded to
//     and encoded from that C++ type;
//   CppEchoMany(string, double, json, optional<string>, Bytes): returns a JSON description of
//     what each argument decoded to (bytes as hex), so a test sees C++'s view of each kind;
//   CppActivityWorkflow(string): calls the C++ activity cpp_shout;
//   CppFailWorkflow(spec), CppActivityFailWorkflow(spec): fail the workflow / a non-retryable
//     activity with ApplicationError(spec.message, {spec.type, spec.details}, cause) where spec
//     is {"type", "message", "details": [json...], "cause": spec | null};
//   CppTsActivityWorkflow(task_queue, activity, arg): calls an activity (e.g. one registered
//     by a TypeScript worker) on another task queue and returns its result; its failure
//     propagates unchanged;
//   CppSignalQueryUpdate(): signal "add"(string), query "items" -> [string], update
//     "push"(string) -> item count (the validator rejects "" with type EmptyItem), signal
//     "finish": returns the items.
// Activities: cpp_shout(string) -> string, cpp_fail(spec) throws as above, cpp_echo_bytes(Bytes).
#include <pthread.h>

#include <algorithm>
#include <cctype>
#include <csignal>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "interop_json.h"
#include "stead/client.h"
#include "stead/worker.h"
#include "stead/workflow.h"

namespace {

using namespace std::chrono_literals;
namespace workflow = stead::workflow;
using nlohmann::json;

// spec -> ApplicationError with its cause chain (see the file comment).
stead::ApplicationError application_error(const json& spec, bool non_retryable) {
  std::shared_ptr<const stead::FailureError> cause;
  if (spec.contains("cause") && !spec["cause"].is_null())
    cause = std::make_shared<stead::ApplicationError>(application_error(spec["cause"], non_retryable));
  std::vector<stead::Payload> details;
  if (spec.contains("details")) details = interop::payloads_from_json(spec["details"]);
  return stead::ApplicationError(spec.value("message", ""),
                                 {.type = spec.value("type", ""), .non_retryable = non_retryable, .details = details},
                                 std::move(cause));
}

struct CppEchoString {
  static constexpr std::string_view name = "CppEchoString";
  stead::Task<std::string> run(std::string value) { co_return value; }
};
struct CppEchoNumber {
  static constexpr std::string_view name = "CppEchoNumber";
  stead::Task<double> run(double value) { co_return value; }
};
struct CppEchoInt {
  static constexpr std::string_view name = "CppEchoInt";
  stead::Task<int64_t> run(int64_t value) { co_return value; }
};
struct CppEchoObject {
  static constexpr std::string_view name = "CppEchoObject";
  stead::Task<json> run(json value) { co_return value; }
};
struct CppEchoNull {
  static constexpr std::string_view name = "CppEchoNull";
  stead::Task<std::optional<std::string>> run(std::optional<std::string> value) { co_return value; }
};
struct CppEchoBytes {
  static constexpr std::string_view name = "CppEchoBytes";
  stead::Task<stead::Bytes> run(stead::Bytes value) { co_return value; }
};
struct CppEchoMany {
  static constexpr std::string_view name = "CppEchoMany";
  stead::Task<json> run(std::string s, double d, json object, std::optional<std::string> null, stead::Bytes bytes) {
    co_return json{{"string", s},
                   {"number", d},
                   {"object", object},
                   {"nullIsEmpty", !null.has_value()},
                   {"bytesHex", interop::to_hex(bytes)}};
  }
};

struct CppActivityWorkflow {
  static constexpr std::string_view name = "CppActivityWorkflow";
  stead::Task<std::string> run(std::string text) {
    auto shout = workflow::execute_activity<std::string>("cpp_shout", {.start_to_close_timeout = 10s}, text);
    std::string loud = co_await shout;
    co_return "workflow got " + loud;
  }
};

struct CppFailWorkflow {
  static constexpr std::string_view name = "CppFailWorkflow";
  stead::Task<void> run(json spec) {
    throw application_error(spec, false);
    co_return;
  }
};

struct CppActivityFailWorkflow {
  static constexpr std::string_view name = "CppActivityFailWorkflow";
  stead::Task<void> run(json spec) {
    auto fail = workflow::execute_activity<void>("cpp_fail", {.start_to_close_timeout = 10s}, spec);
    co_await fail;
  }
};

struct CppTsActivityWorkflow {
  static constexpr std::string_view name = "CppTsActivityWorkflow";
  stead::Task<json> run(std::string task_queue, std::string activity, json arg) {
    auto call = workflow::execute_activity<json>(
        activity,
        {.task_queue = task_queue, .start_to_close_timeout = 10s, .retry_policy = stead::RetryPolicy{.maximum_attempts = 1}},
        arg);
    json result = co_await call;
    co_return result;
  }
};

struct CppSignalQueryUpdate {
  static constexpr std::string_view name = "CppSignalQueryUpdate";
  stead::Task<std::vector<std::string>> run() {
    auto finished = [this] { return finished_; };
    auto wait = workflow::wait_condition(finished);
    co_await wait;
    co_return items_;
  }
  void add(std::string item) { items_.push_back(std::move(item)); }
  void finish() { finished_ = true; }
  std::vector<std::string> items() const { return items_; }
  stead::Task<int> push(std::string item) {
    items_.push_back(std::move(item));
    co_return static_cast<int>(items_.size());
  }
  void validate_push(const std::string& item) const {
    if (item.empty()) throw stead::ApplicationError("item must not be empty", {.type = "EmptyItem"});
  }
  static void handlers(stead::WorkflowHandlers<CppSignalQueryUpdate>& h) {
    h.signal("add", &CppSignalQueryUpdate::add)
        .signal("finish", &CppSignalQueryUpdate::finish)
        .query("items", &CppSignalQueryUpdate::items)
        .update("push", &CppSignalQueryUpdate::push, &CppSignalQueryUpdate::validate_push);
  }

 private:
  std::vector<std::string> items_;
  bool finished_ = false;
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Stead C++ worker for the TypeScript interop tests"};
  std::string address, task_queue;
  app.add_option("--address", address, "host:port of the server")->required();
  app.add_option("--task-queue", task_queue, "Task queue to poll")->required();
  CLI11_PARSE(app, argc, argv);

  // Blocked before any thread starts, so every thread inherits the mask and this one waits.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  try {
    auto client = stead::Client::connect({.address = address});
    stead::Worker worker(client, {.task_queue = task_queue});
    worker.register_workflow<CppEchoString>()
        .register_workflow<CppEchoNumber>()
        .register_workflow<CppEchoInt>()
        .register_workflow<CppEchoObject>()
        .register_workflow<CppEchoNull>()
        .register_workflow<CppEchoBytes>()
        .register_workflow<CppEchoMany>()
        .register_workflow<CppActivityWorkflow>()
        .register_workflow<CppFailWorkflow>()
        .register_workflow<CppActivityFailWorkflow>()
        .register_workflow<CppTsActivityWorkflow>()
        .register_workflow<CppSignalQueryUpdate>();
    worker.register_activity("cpp_shout", [](std::string text) {
      std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::toupper(c); });
      return text + "!";
    });
    worker.register_activity("cpp_fail", [](json spec) -> void { throw application_error(spec, true); });
    worker.register_activity("cpp_echo_bytes", [](stead::Bytes bytes) { return bytes; });
    worker.start();
    std::cout << "ready" << std::endl;

    int sig = 0;
    sigwait(&signals, &sig);
    worker.shutdown();
  } catch (const std::exception& e) {
    std::cerr << "interop_cpp_worker: " << e.what() << std::endl;
    return 1;
  }
  return 0;
}
