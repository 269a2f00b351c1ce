// Engine::sweep: namespace retention deletes closed runs; closed runs leave memory and
// reload from the store on demand.
#include "engine_fixture.h"

namespace stead::server::history::engine_test {
namespace {

class RetentionTest : public EngineTest {
 protected:
  void set_retention(Duration retention) {
    Status s = engine_->update_namespace(kNamespace, [&](stead::server::v1::NamespaceRecord* record) {
      *record->mutable_retention() = to_proto_duration(retention);
      return Status::Ok();
    });
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  // Waits for every batch queued so far (the store commits in order).
  void drain_store() { ASSERT_TRUE(store_->commit_sync({}).ok()); }
};

TEST_F(RetentionTest, ClosedRunPastRetentionIsDeleted) {
  set_retention(std::chrono::hours(1));
  std::string run_id = start_and_complete_first_task("wf-old", {complete_workflow()});
  ASSERT_TRUE(describe("wf-old").status.ok());
  std::string open_run = start_workflow("wf-open");  // open runs are never deleted

  engine_->sweep();  // not yet past retention
  drain_store();
  EXPECT_TRUE(describe("wf-old").status.ok());

  advance(std::chrono::hours(2));
  engine_->sweep();
  drain_store();
  auto gone = describe("wf-old");
  EXPECT_EQ(gone.status.code(), StatusCode::kNotFound) << gone.status.ToString();
  EXPECT_EQ(get_history("wf-old", run_id).status.code(), StatusCode::kNotFound);
  EXPECT_TRUE(describe("wf-open").status.ok());

  // The workflow id is free again.
  EXPECT_FALSE(start_workflow("wf-old").empty());
}

TEST_F(RetentionTest, EvictedClosedRunReloadsFromTheStore) {
  std::string run_id = start_and_complete_first_task("wf-evict", {complete_workflow()});
  auto before = event_types("wf-evict", run_id);
  engine_->sweep();  // default retention (24 h) keeps it, but it leaves memory
  auto after = describe("wf-evict");
  ASSERT_TRUE(after.status.ok()) << after.status.ToString();
  EXPECT_EQ(after.value.workflow_execution_info().status(), enums::WORKFLOW_EXECUTION_STATUS_COMPLETED);
  EXPECT_EQ(event_types("wf-evict", run_id), before);
}

}  // namespace
}  // namespace stead::server::history::engine_test
