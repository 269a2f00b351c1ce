// interop_cpp_client: one stead::Client call per run, for the TypeScript interop tests
// (tests/interop/ts/test/cpp_client.test.js). Arguments and outcomes are JSON as described in
// interop_json.h; the outcome is one JSON line on stdout:
//   {"result": {"encoding", "value"}}   the call succeeded
//   {"error": {...}}                    the call failed (json_from_current_exception)
//
//   interop_cpp_client --address A execute --type T --task-queue Q --id ID [--args JSON]
//   interop_cpp_client --address A start   --type T --task-queue Q --id ID [--args JSON]
//   interop_cpp_client --address A result  --id ID
//   interop_cpp_client --address A signal  --id ID --name N [--args JSON]
//   interop_cpp_client --address A query   --id ID --name N [--args JSON]
//   interop_cpp_client --address A update  --id ID --name N [--args JSON]
//
// `start` prints {"result": {"workflowId", "runId"}}, `signal` {"result": null}. The exit code
// is 0 whenever a JSON outcome was printed (even an error), 2 for a bad command line.
#include <iostream>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "interop_json.h"
#include "stead/client.h"

namespace {

using nlohmann::json;

json result_of(const std::optional<stead::Payload>& payload) {
  return {{"result", interop::json_from_payload(payload ? &*payload : nullptr)}};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Stead C++ client for the TypeScript interop tests"};
  app.require_subcommand(1);
  std::string address, type, task_queue, id, name, args = "[]";
  app.add_option("--address", address, "host:port of the server")->required();

  auto with_args = [&](CLI::App* cmd) { cmd->add_option("--args", args, "JSON array of arguments"); };
  auto* execute = app.add_subcommand("execute", "Start a workflow and wait for its result");
  auto* start = app.add_subcommand("start", "Start a workflow");
  for (auto* cmd : {execute, start}) {
    cmd->add_option("--type", type, "Workflow type")->required();
    cmd->add_option("--task-queue", task_queue, "Task queue")->required();
    cmd->add_option("--id", id, "Workflow id")->required();
    with_args(cmd);
  }
  auto* result = app.add_subcommand("result", "Wait for a workflow's result");
  result->add_option("--id", id, "Workflow id")->required();
  auto* signal = app.add_subcommand("signal", "Signal a workflow");
  auto* query = app.add_subcommand("query", "Query a workflow");
  auto* update = app.add_subcommand("update", "Update a workflow and wait for the outcome");
  for (auto* cmd : {signal, query, update}) {
    cmd->add_option("--id", id, "Workflow id")->required();
    cmd->add_option("--name", name, "Handler name")->required();
    with_args(cmd);
  }
  CLI11_PARSE(app, argc, argv);

  std::vector<stead::Payload> payloads;
  try {
    payloads = interop::payloads_from_json(json::parse(args));
  } catch (const std::exception& e) {
    std::cerr << "interop_cpp_client: bad --args " << args << ": " << e.what() << std::endl;
    return 2;
  }

  json outcome;
  try {
    auto client = stead::Client::connect({.address = address});
    if (*execute || *start) {
      auto handle = client.start_workflow(type, std::move(payloads), {.id = id, .task_queue = task_queue});
      if (*start) {
        outcome = {{"result", {{"workflowId", handle.id()}, {"runId", handle.run_id()}}}};
      } else {
        outcome = result_of(stead::wait_for<std::optional<stead::Payload>>(
            [&](auto done) { handle.result(stead::ResultOptions{}, std::move(done)); }));
      }
    } else {
      auto handle = client.get_workflow_handle(id);
      if (*result) {
        outcome = result_of(stead::wait_for<std::optional<stead::Payload>>(
            [&](auto done) { handle.result(stead::ResultOptions{}, std::move(done)); }));
      } else if (*signal) {
        stead::wait_for<void>([&](auto done) { handle.signal(name, std::move(payloads), std::move(done)); });
        outcome = {{"result", nullptr}};
      } else if (*query) {
        outcome = result_of(stead::wait_for<std::optional<stead::Payload>>(
            [&](auto done) { handle.query(name, std::move(payloads), std::move(done)); }));
      } else {
        stead::UpdateOptions options{.name = name, .wait_for_stage = stead::UpdateStage::kCompleted};
        auto update_handle = stead::wait_for<stead::UntypedUpdateHandle>(
            [&](auto done) { handle.start_update(options, std::move(payloads), std::move(done)); });
        outcome = result_of(update_handle.result());
      }
    }
  } catch (...) {
    outcome = {{"error", interop::json_from_current_exception()}};
  }
  std::cout << outcome.dump() << std::endl;
  return 0;
}
