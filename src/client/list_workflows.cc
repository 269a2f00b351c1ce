// list_workflows / count_workflows: the visibility RPCs, all pages.
#include "client/client_core.h"
#include "client/execution_info.h"
#include "client/rpc_error.h"
#include "stead/client.h"

namespace stead {

namespace {

using detail::wsv1::CountWorkflowExecutionsRequest;
using detail::wsv1::CountWorkflowExecutionsResponse;
using detail::wsv1::ListWorkflowExecutionsRequest;
using detail::wsv1::ListWorkflowExecutionsResponse;

constexpr int kPageSize = 1000;

struct ListFetch {
  std::shared_ptr<detail::ClientCore> core;
  ListWorkflowExecutionsRequest request;
  std::vector<WorkflowExecutionInfo> infos;
  Callback<std::vector<WorkflowExecutionInfo>> done;

  static void next(std::shared_ptr<ListFetch> self) {
    auto core = self->core;
    core->call<ListWorkflowExecutionsRequest, ListWorkflowExecutionsResponse>(
        &detail::Stub::PrepareAsyncListWorkflowExecutions, self->request, core->rpc_timeout(),
        [self](grpc::Status status, ListWorkflowExecutionsResponse resp) {
          if (!status.ok()) return self->done(detail::rpc_error(status, {}, self->core->converter()));
          auto added = capture_outcome([&] {
            for (const auto& execution : resp.executions()) {
              WorkflowExecutionInfo info;
              detail::fill_execution_info(execution, self->core->converter(), &info);
              self->infos.push_back(std::move(info));
            }
          });
          if (!added.ok()) return self->done(added.error());
          if (resp.next_page_token().empty()) return self->done(std::move(self->infos));
          self->request.set_next_page_token(resp.next_page_token());
          next(self);
        });
  }
};

}  // namespace

void Client::list_workflows(std::string query, Callback<std::vector<WorkflowExecutionInfo>> done) const {
  auto fetch = std::make_shared<ListFetch>();
  fetch->core = core_;
  fetch->request.set_namespace_(core_->ns());
  fetch->request.set_page_size(kPageSize);
  fetch->request.set_query(std::move(query));
  fetch->done = std::move(done);
  ListFetch::next(std::move(fetch));
}

void Client::list_workflows_page(std::string query, int page_size, std::string page_token,
                                 Callback<WorkflowPage> done) const {
  ListWorkflowExecutionsRequest req;
  req.set_namespace_(core_->ns());
  req.set_page_size(page_size);
  req.set_next_page_token(std::move(page_token));
  req.set_query(std::move(query));
  auto core = core_;
  core->call<ListWorkflowExecutionsRequest, ListWorkflowExecutionsResponse>(
      &detail::Stub::PrepareAsyncListWorkflowExecutions, std::move(req), core->rpc_timeout(),
      [core, done = std::move(done)](grpc::Status status, ListWorkflowExecutionsResponse resp) {
        if (!status.ok()) return done(detail::rpc_error(status, {}, core->converter()));
        done(capture_outcome([&] {
          WorkflowPage page;
          for (const auto& execution : resp.executions()) {
            WorkflowExecutionInfo info;
            detail::fill_execution_info(execution, core->converter(), &info);
            page.workflows.push_back(std::move(info));
          }
          page.next_page_token = resp.next_page_token();
          return page;
        }));
      });
}

Client::WorkflowPage Client::list_workflows_page(std::string_view query, int page_size,
                                                 std::string_view page_token) const {
  return wait_for<WorkflowPage>([&](auto done) {
    list_workflows_page(std::string(query), page_size, std::string(page_token), std::move(done));
  });
}

void Client::count_workflows(std::string query, Callback<WorkflowCount> done) const {
  CountWorkflowExecutionsRequest req;
  req.set_namespace_(core_->ns());
  req.set_query(std::move(query));
  auto core = core_;
  core->call<CountWorkflowExecutionsRequest, CountWorkflowExecutionsResponse>(
      &detail::Stub::PrepareAsyncCountWorkflowExecutions, std::move(req), core->rpc_timeout(),
      [core, done = std::move(done)](grpc::Status status, CountWorkflowExecutionsResponse resp) {
        if (!status.ok()) return done(detail::rpc_error(status, {}, core->converter()));
        WorkflowCount count;
        count.count = resp.count();
        for (const auto& group : resp.groups()) {
          WorkflowCount::Group g;
          g.values.assign(group.group_values().begin(), group.group_values().end());
          g.count = group.count();
          count.groups.push_back(std::move(g));
        }
        done(std::move(count));
      });
}

}  // namespace stead
