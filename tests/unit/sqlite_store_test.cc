#include "server/persistence/sqlite/sqlite_store.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <future>
#include <latch>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace stead::server::persistence {
namespace {

using sqlite::SqliteStore;

enum class Mode { kMemory, kFile };

RunKey run_key(const std::string& wf, const std::string& run = "r1") {
  return RunKey{"default", wf, run};
}

HistoryRow event(const RunKey& key, int64_t id) {
  // Embedded NUL: events are serialized protos, so the store must keep bytes, not C strings.
  return HistoryRow{key, id, std::string("ev\0", 3) + std::to_string(id)};
}

VisibilityRow visibility(const std::string& wf, const std::string& run, const std::string& type,
                         int32_t status, int64_t start_ms) {
  VisibilityRow v;
  v.key = run_key(wf, run);
  v.workflow_type = type;
  v.task_queue = "tq";
  v.status = status;
  v.start_time_ms = start_ms;
  v.execution_time_ms = start_ms + 1;
  return v;
}

class SqliteStoreTest : public ::testing::TestWithParam<Mode> {
 protected:
  void SetUp() override {
    if (GetParam() == Mode::kFile) {
      std::string tmpl = (std::filesystem::temp_directory_path() / "stead-sqlite-XXXXXX").string();
      ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
      dir_ = tmpl;
      path_ = (std::filesystem::path(dir_) / "stead.db").string();
    }
    ASSERT_TRUE(reopen().ok());
  }

  void TearDown() override {
    store_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  Status reopen() {
    store_.reset();
    std::unique_ptr<SqliteStore> store;
    Status s = SqliteStore::open(path_, &store);
    store_ = std::move(store);
    return s;
  }

  SqliteStore& store() { return *store_; }

  std::vector<std::string> history(const RunKey& key) {
    std::vector<std::string> events;
    EXPECT_TRUE(store().read_history(key, 1, INT64_MAX, SIZE_MAX, &events).ok());
    return events;
  }

  std::string dir_;
  std::string path_;  // empty in memory mode
  std::unique_ptr<SqliteStore> store_;
};

INSTANTIATE_TEST_SUITE_P(Sqlite, SqliteStoreTest, ::testing::Values(Mode::kMemory, Mode::kFile),
                         [](const ::testing::TestParamInfo<Mode>& info) {
                           return info.param == Mode::kMemory ? std::string("Memory")
                                                              : std::string("File");
                         });

TEST_P(SqliteStoreTest, RoundTripsEveryRowKind) {
  EXPECT_EQ(store().in_memory(), GetParam() == Mode::kMemory);
  RunKey key = run_key("wf");
  WriteBatch b;
  b.namespaces.push_back({"default", std::string("ns\0record", 9)});
  b.namespaces.push_back({"other", "rec2"});
  b.executions.push_back({key, std::string("state\0", 6), true});
  b.current_runs.push_back({"default", "wf", "r1"});
  b.events.push_back(event(key, 1));
  b.events.push_back(event(key, 2));
  VisibilityRow v = visibility("wf", "r1", "OrderWorkflow", 1, 1000);
  v.close_time_ms = 2000;
  v.history_length = 2;
  v.history_size_bytes = 77;
  v.memo = std::string("memo\0", 5);
  v.search_attributes = "sa";
  v.parent_workflow_id = "parent";
  v.parent_run_id = "prun";
  b.visibility.push_back(v);
  ASSERT_TRUE(store().commit_sync(b).ok());

  std::vector<NamespaceRow> namespaces;
  ASSERT_TRUE(store().load_namespaces(&namespaces).ok());
  ASSERT_EQ(namespaces.size(), 2u);
  EXPECT_EQ(namespaces[0].name, "default");
  EXPECT_EQ(namespaces[0].record, std::string("ns\0record", 9));
  EXPECT_EQ(namespaces[1].name, "other");

  ExecutionRow e;
  bool found = false;
  ASSERT_TRUE(store().load_execution(key, &e, &found).ok());
  ASSERT_TRUE(found);
  EXPECT_EQ(e.mutable_state, std::string("state\0", 6));
  EXPECT_TRUE(e.open);
  ASSERT_TRUE(store().load_execution(run_key("wf", "missing"), &e, &found).ok());
  EXPECT_FALSE(found);

  std::string run_id;
  ASSERT_TRUE(store().current_run("default", "wf", &run_id, &found).ok());
  ASSERT_TRUE(found);
  EXPECT_EQ(run_id, "r1");
  ASSERT_TRUE(store().current_run("default", "never", &run_id, &found).ok());
  EXPECT_FALSE(found);

  EXPECT_EQ(history(key), (std::vector<std::string>{event(key, 1).event, event(key, 2).event}));

  std::vector<VisibilityRow> rows;
  ASSERT_TRUE(store().list_visibility("default", "", {}, 0, 10, &rows, "").ok());
  ASSERT_EQ(rows.size(), 1u);
  const VisibilityRow& got = rows[0];
  EXPECT_EQ(got.key.ns, "default");
  EXPECT_EQ(got.key.workflow_id, "wf");
  EXPECT_EQ(got.key.run_id, "r1");
  EXPECT_EQ(got.workflow_type, "OrderWorkflow");
  EXPECT_EQ(got.task_queue, "tq");
  EXPECT_EQ(got.status, 1);
  EXPECT_EQ(got.start_time_ms, 1000);
  EXPECT_EQ(got.execution_time_ms, 1001);
  EXPECT_EQ(got.close_time_ms, 2000);
  EXPECT_EQ(got.history_length, 2);
  EXPECT_EQ(got.history_size_bytes, 77);
  EXPECT_EQ(got.memo, std::string("memo\0", 5));
  EXPECT_EQ(got.search_attributes, "sa");
  EXPECT_EQ(got.parent_workflow_id, "parent");
  EXPECT_EQ(got.parent_run_id, "prun");
}

TEST_P(SqliteStoreTest, UpsertsReplaceRowsAndCurrentRunMoves) {
  WriteBatch first;
  first.namespaces.push_back({"default", "v1"});
  first.executions.push_back({run_key("wf", "r1"), "s1", true});
  first.current_runs.push_back({"default", "wf", "r1"});
  first.visibility.push_back(visibility("wf", "r1", "T", 1, 10));
  ASSERT_TRUE(store().commit_sync(first).ok());

  WriteBatch second;
  second.namespaces.push_back({"default", "v2"});
  second.executions.push_back({run_key("wf", "r1"), "s1-closed", false});
  second.executions.push_back({run_key("wf", "r2"), "s2", true});
  second.current_runs.push_back({"default", "wf", "r2"});
  second.visibility.push_back(visibility("wf", "r1", "T", 2, 10));
  ASSERT_TRUE(store().commit_sync(second).ok());

  std::vector<NamespaceRow> namespaces;
  ASSERT_TRUE(store().load_namespaces(&namespaces).ok());
  ASSERT_EQ(namespaces.size(), 1u);
  EXPECT_EQ(namespaces[0].record, "v2");

  ExecutionRow e;
  bool found = false;
  ASSERT_TRUE(store().load_execution(run_key("wf", "r1"), &e, &found).ok());
  ASSERT_TRUE(found);
  EXPECT_EQ(e.mutable_state, "s1-closed");
  EXPECT_FALSE(e.open);

  std::string run_id;
  ASSERT_TRUE(store().current_run("default", "wf", &run_id, &found).ok());
  ASSERT_TRUE(found);
  EXPECT_EQ(run_id, "r2");

  int64_t count = 0;
  ASSERT_TRUE(store().count_visibility("default", "", {}, &count).ok());
  EXPECT_EQ(count, 1);
  std::vector<VisibilityRow> rows;
  ASSERT_TRUE(store().list_visibility("default", "", {}, 0, 10, &rows, "").ok());
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].status, 2);
}

TEST_P(SqliteStoreTest, ReadsHistoryRangesAscendingUpToMaxEvents) {
  RunKey key = run_key("wf");
  RunKey other = run_key("wf", "r2");
  WriteBatch b;
  for (int64_t id = 10; id >= 1; --id) b.events.push_back(event(key, id));  // any insert order
  b.events.push_back(event(other, 5));
  ASSERT_TRUE(store().commit_sync(b).ok());

  std::vector<std::string> events;
  ASSERT_TRUE(store().read_history(key, 3, 7, 100, &events).ok());
  ASSERT_EQ(events.size(), 5u);
  for (int64_t i = 0; i < 5; ++i) EXPECT_EQ(events[i], event(key, 3 + i).event);

  ASSERT_TRUE(store().read_history(key, 3, 7, 2, &events).ok());
  EXPECT_EQ(events, (std::vector<std::string>{event(key, 3).event, event(key, 4).event}));

  ASSERT_TRUE(store().read_history(key, 8, 100, 100, &events).ok());
  EXPECT_EQ(events.size(), 3u);
  ASSERT_TRUE(store().read_history(key, 7, 3, 100, &events).ok());
  EXPECT_TRUE(events.empty());
  ASSERT_TRUE(store().read_history(run_key("none"), 1, 100, 100, &events).ok());
  EXPECT_TRUE(events.empty());
  EXPECT_EQ(history(other), (std::vector<std::string>{event(other, 5).event}));
}

TEST_P(SqliteStoreTest, LoadOpenExecutionsSkipsClosedRuns) {
  WriteBatch b;
  b.executions.push_back({run_key("a"), "sa", true});
  b.executions.push_back({run_key("b"), "sb", false});
  b.executions.push_back({run_key("c"), "sc", true});
  ASSERT_TRUE(store().commit_sync(b).ok());
  WriteBatch close_c;
  close_c.executions.push_back({run_key("c"), "sc-done", false});
  ASSERT_TRUE(store().commit_sync(close_c).ok());

  std::vector<ExecutionRow> open;
  ASSERT_TRUE(store().load_open_executions(&open).ok());
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].key.workflow_id, "a");
  EXPECT_EQ(open[0].key.ns, "default");
  EXPECT_EQ(open[0].key.run_id, "r1");
  EXPECT_EQ(open[0].mutable_state, "sa");
  EXPECT_TRUE(open[0].open);
}

TEST_P(SqliteStoreTest, ConcurrentBatchesFromManyThreadsAreAllDurable) {
  constexpr int kThreads = 8;
  constexpr int kBatchesPerThread = 40;
  std::latch all_done(kThreads * kBatchesPerThread);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kBatchesPerThread; ++i) {
        RunKey key = run_key("wf-" + std::to_string(t) + "-" + std::to_string(i));
        WriteBatch b;
        b.executions.push_back({key, "state", true});
        b.current_runs.push_back({key.ns, key.workflow_id, key.run_id});
        b.events.push_back(event(key, 1));
        b.events.push_back(event(key, 2));
        b.visibility.push_back(visibility(key.workflow_id, key.run_id, "T", 1, i));
        store().commit(std::move(b), [&](const Status& s) {
          if (!s.ok()) failures.fetch_add(1);
          all_done.count_down();
        });
      }
    });
  }
  for (std::thread& th : threads) th.join();
  all_done.wait();
  EXPECT_EQ(failures.load(), 0);

  std::vector<ExecutionRow> open;
  ASSERT_TRUE(store().load_open_executions(&open).ok());
  EXPECT_EQ(open.size(), static_cast<size_t>(kThreads * kBatchesPerThread));
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kBatchesPerThread; ++i) {
      RunKey key = run_key("wf-" + std::to_string(t) + "-" + std::to_string(i));
      EXPECT_EQ(history(key).size(), 2u) << key.workflow_id;
      std::string run_id;
      bool found = false;
      ASSERT_TRUE(store().current_run(key.ns, key.workflow_id, &run_id, &found).ok());
      EXPECT_TRUE(found);
    }
  }
  int64_t count = 0;
  ASSERT_TRUE(store().count_visibility("default", "", {}, &count).ok());
  EXPECT_EQ(count, kThreads * kBatchesPerThread);
  EXPECT_GE(store().groups_committed(), 1u);
  EXPECT_LE(store().groups_committed(), static_cast<uint64_t>(kThreads * kBatchesPerThread));
}

TEST_P(SqliteStoreTest, BatchesQueuedDuringACommitShareTheNextTransaction) {
  // The first batch's callback holds the writer thread until the others are queued, so the
  // writer must find all of them at once: two transactions for 1 + kQueued batches.
  constexpr int kQueued = 20;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> first_done;
  WriteBatch first;
  first.executions.push_back({run_key("first"), "s", true});
  store().commit(std::move(first), [&](const Status& s) {
    EXPECT_TRUE(s.ok());
    first_done.set_value();
    released.wait();
  });
  first_done.get_future().wait();

  std::latch queued_done(kQueued);
  std::atomic<int> failures{0};
  for (int i = 0; i < kQueued; ++i) {
    WriteBatch b;
    b.executions.push_back({run_key("q" + std::to_string(i)), "s", true});
    store().commit(std::move(b), [&](const Status& s) {
      if (!s.ok()) failures.fetch_add(1);
      queued_done.count_down();
    });
  }
  release.set_value();
  queued_done.wait();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(store().groups_committed(), 2u);
  std::vector<ExecutionRow> open;
  ASSERT_TRUE(store().load_open_executions(&open).ok());
  EXPECT_EQ(open.size(), static_cast<size_t>(kQueued + 1));
}

TEST_P(SqliteStoreTest, ReadersSeeEveryCommittedBatchWhileOthersWrite) {
  constexpr int kWriters = 4;
  constexpr int kBatches = 30;
  std::atomic<bool> writing{true};
  std::atomic<int> reader_errors{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r) {
    readers.emplace_back([&] {
      while (writing.load()) {
        int64_t count = 0;
        std::vector<VisibilityRow> rows;
        std::vector<ExecutionRow> open;
        if (!store().count_visibility("default", "status = ?", {"1"}, &count).ok() ||
            !store().list_visibility("default", "", {}, 0, 5, &rows, "").ok() ||
            !store().load_open_executions(&open).ok()) {
          reader_errors.fetch_add(1);
        }
      }
    });
  }
  std::vector<std::thread> writers;
  std::atomic<int> missing{0};
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < kBatches; ++i) {
        RunKey key = run_key("w" + std::to_string(w), "r" + std::to_string(i));
        WriteBatch b;
        b.executions.push_back({key, "s", true});
        b.current_runs.push_back({key.ns, key.workflow_id, key.run_id});
        b.events.push_back(event(key, 1));
        b.visibility.push_back(visibility(key.workflow_id, key.run_id, "T", 1, i));
        if (!store().commit_sync(std::move(b)).ok()) {
          missing.fetch_add(1);
          continue;
        }
        // Read-your-writes: the commit has returned, so every reader must see it.
        std::string run_id;
        bool found = false;
        std::vector<std::string> events;
        if (!store().current_run(key.ns, key.workflow_id, &run_id, &found).ok() || !found ||
            run_id != key.run_id ||
            !store().read_history(key, 1, 1, 10, &events).ok() || events.size() != 1) {
          missing.fetch_add(1);
        }
      }
    });
  }
  for (std::thread& th : writers) th.join();
  writing.store(false);
  for (std::thread& th : readers) th.join();
  EXPECT_EQ(missing.load(), 0);
  EXPECT_EQ(reader_errors.load(), 0);
  int64_t count = 0;
  ASSERT_TRUE(store().count_visibility("default", "", {}, &count).ok());
  EXPECT_EQ(count, kWriters * kBatches);
}

TEST_P(SqliteStoreTest, FailedBatchFailsUnavailableAndFencesItsWorkflowIdsUntilResumed) {
  RunKey key = run_key("wf");
  WriteBatch first;
  first.events.push_back(event(key, 1));
  ASSERT_TRUE(store().commit_sync(first).ok());

  WriteBatch duplicate;
  duplicate.executions.push_back({run_key("partial"), "s", true});
  duplicate.events.push_back(event(key, 1));
  Status s = store().commit_sync(duplicate);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_EQ(s.message().rfind("database write failed: constraint failed (", 0), 0u) << s.ToString();
  EXPECT_NE(s.message().find("write history event"), std::string::npos) << s.ToString();

  // Fenced: a valid batch of a workflow id the failed batch touched fails the same way,
  // unwritten (its writer's in-memory state included the failed batch).
  WriteBatch fenced;
  fenced.executions.push_back({run_key("partial"), "fenced", true});
  Status again = store().commit_sync(fenced);
  EXPECT_EQ(again.code(), s.code());
  EXPECT_EQ(again.message(), s.message());

  // Other workflow ids keep writing.
  WriteBatch other;
  other.executions.push_back({run_key("other"), "s", true});
  ASSERT_TRUE(store().commit_sync(other).ok());

  // Nothing of the failed or fenced batches is visible; what was committed still reads.
  ExecutionRow e;
  bool found = true;
  ASSERT_TRUE(store().load_execution(run_key("partial"), &e, &found).ok());
  EXPECT_FALSE(found);
  EXPECT_EQ(history(key).size(), 1u);
  ASSERT_TRUE(store().load_execution(run_key("other"), &e, &found).ok());
  EXPECT_TRUE(found);

  // resume_writes lifts the fence for batches queued after it.
  store().resume_writes(run_key("partial").ns, run_key("partial").workflow_id);
  ASSERT_TRUE(store().commit_sync(fenced).ok());
  ASSERT_TRUE(store().load_execution(run_key("partial"), &e, &found).ok());
  EXPECT_TRUE(found);
  EXPECT_EQ(e.mutable_state, "fenced");
  // The id the duplicate event belonged to stays fenced until it is resumed too.
  WriteBatch next_event;
  next_event.events.push_back(event(key, 2));
  EXPECT_EQ(store().commit_sync(next_event).code(), StatusCode::kUnavailable);
  store().resume_writes(key.ns, key.workflow_id);
  ASSERT_TRUE(store().commit_sync(next_event).ok());
  EXPECT_EQ(history(key).size(), 2u);
}

TEST_P(SqliteStoreTest, CloseDrainsTheQueueAndLaterCommitsAreUnavailable) {
  constexpr int kBatches = 50;
  std::atomic<int> ok{0};
  for (int i = 0; i < kBatches; ++i) {
    WriteBatch b;
    b.executions.push_back({run_key("wf" + std::to_string(i)), "s", true});
    store().commit(std::move(b), [&](const Status& s) {
      if (s.ok()) ok.fetch_add(1);
    });
  }
  store().close();
  EXPECT_EQ(ok.load(), kBatches);  // every callback ran before close() returned
  store().close();                 // idempotent

  WriteBatch after;
  after.executions.push_back({run_key("after"), "s", true});
  Status s = store().commit_sync(after);
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);

  // Reads outlive close().
  std::vector<ExecutionRow> open;
  ASSERT_TRUE(store().load_open_executions(&open).ok());
  EXPECT_EQ(open.size(), static_cast<size_t>(kBatches));
}

TEST_P(SqliteStoreTest, ListsAndCountsVisibilityWithFilterAndPaging) {
  WriteBatch b;
  // start times 100..109; status 1 (running) for even i, 2 (completed) for odd i.
  for (int i = 0; i < 10; ++i) {
    b.visibility.push_back(visibility("wf" + std::to_string(i), "r", i < 5 ? "A" : "B",
                                      i % 2 == 0 ? 1 : 2, 100 + i));
  }
  // Same start time as wf9: ties are ordered by run_id.
  b.visibility.push_back(visibility("tie", "a-run", "B", 1, 109));
  VisibilityRow elsewhere = visibility("wf0", "r", "A", 1, 500);
  elsewhere.key.ns = "other";
  b.visibility.push_back(elsewhere);
  ASSERT_TRUE(store().commit_sync(b).ok());

  std::vector<VisibilityRow> rows;
  ASSERT_TRUE(store().list_visibility("default", "", {}, 0, 100, &rows, "").ok());
  ASSERT_EQ(rows.size(), 11u);
  EXPECT_EQ(rows[0].key.workflow_id, "tie");  // run_id "a-run" < "r"
  EXPECT_EQ(rows[1].key.workflow_id, "wf9");
  EXPECT_EQ(rows[10].key.workflow_id, "wf0");

  ASSERT_TRUE(store().list_visibility("default", "status = ?", {"2"}, 0, 100, &rows, "").ok());
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows[0].key.workflow_id, "wf9");
  EXPECT_EQ(rows[4].key.workflow_id, "wf1");

  // Numeric comparison of a text-bound param against an INTEGER column: "99" < "105" as
  // text would be false.
  ASSERT_TRUE(store()
                  .list_visibility("default", "workflow_type = ? AND start_time_ms >= ?",
                                   {"A", "99"}, 0, 100, &rows, "")
                  .ok());
  EXPECT_EQ(rows.size(), 5u);
  ASSERT_TRUE(store()
                  .list_visibility("default", "status IN (?, ?) AND start_time_ms < ?",
                                   {"1", "2", "105"}, 0, 100, &rows, "")
                  .ok());
  EXPECT_EQ(rows.size(), 5u);

  // Paging: offset then limit, in the same order.
  ASSERT_TRUE(store().list_visibility("default", "status = ?", {"2"}, 1, 2, &rows, "").ok());
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].key.workflow_id, "wf7");
  EXPECT_EQ(rows[1].key.workflow_id, "wf5");
  ASSERT_TRUE(store().list_visibility("default", "status = ?", {"2"}, 4, 2, &rows, "").ok());
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].key.workflow_id, "wf1");
  ASSERT_TRUE(store().list_visibility("default", "", {}, 0, 0, &rows, "").ok());
  EXPECT_TRUE(rows.empty());

  int64_t count = 0;
  ASSERT_TRUE(store().count_visibility("default", "", {}, &count).ok());
  EXPECT_EQ(count, 11);
  ASSERT_TRUE(store().count_visibility("default", "status = ? AND workflow_type = ?", {"1", "B"},
                                       &count)
                  .ok());
  EXPECT_EQ(count, 3);  // wf6, wf8, tie
  ASSERT_TRUE(store().count_visibility("other", "", {}, &count).ok());
  EXPECT_EQ(count, 1);
  ASSERT_TRUE(store().count_visibility("missing", "", {}, &count).ok());
  EXPECT_EQ(count, 0);
}

TEST_P(SqliteStoreTest, RejectsMalformedFilters) {
  int64_t count = 0;
  std::vector<VisibilityRow> rows;
  Status s = store().count_visibility("default", "status = ?", {}, &count);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
  s = store().list_visibility("default", "status = ?", {"1", "2"}, 0, 10, &rows, "");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
  s = store().count_visibility("default", "no_such_column = ?", {"1"}, &count);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("no_such_column"), std::string::npos) << s.ToString();
  s = store().count_visibility("default", "1); DELETE FROM visibility; SELECT (1", {}, &count);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
  // The store still works after rejected reads.
  EXPECT_TRUE(store().commit_sync(WriteBatch{}).ok());
}

class SqliteFileStoreTest : public SqliteStoreTest {};

INSTANTIATE_TEST_SUITE_P(Sqlite, SqliteFileStoreTest, ::testing::Values(Mode::kFile),
                         [](const ::testing::TestParamInfo<Mode>&) { return std::string("File"); });

TEST_P(SqliteFileStoreTest, ReopenedDatabaseSeesEverythingCommitted) {
  RunKey key = run_key("wf");
  WriteBatch b;
  b.namespaces.push_back({"default", "rec"});
  b.executions.push_back({key, "state", true});
  b.current_runs.push_back({"default", "wf", "r1"});
  b.events.push_back(event(key, 1));
  b.visibility.push_back(visibility("wf", "r1", "T", 1, 5));
  ASSERT_TRUE(store().commit_sync(b).ok());
  for (int i = 0; i < 20; ++i) {
    WriteBatch more;
    more.events.push_back(event(key, 2 + i));
    store().commit(std::move(more), [](const Status& s) { EXPECT_TRUE(s.ok()); });
  }
  store().close();
  ASSERT_TRUE(reopen().ok());

  std::vector<NamespaceRow> namespaces;
  ASSERT_TRUE(store().load_namespaces(&namespaces).ok());
  EXPECT_EQ(namespaces.size(), 1u);
  std::vector<ExecutionRow> open;
  ASSERT_TRUE(store().load_open_executions(&open).ok());
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].mutable_state, "state");
  std::string run_id;
  bool found = false;
  ASSERT_TRUE(store().current_run("default", "wf", &run_id, &found).ok());
  EXPECT_TRUE(found);
  EXPECT_EQ(history(key).size(), 21u);
  int64_t count = 0;
  ASSERT_TRUE(store().count_visibility("default", "", {}, &count).ok());
  EXPECT_EQ(count, 1);

  // WAL mode is a property of the file; every later opener uses it.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), "wal");
  sqlite3_finalize(stmt);
  sqlite3_close(db);

  // The reopened store writes too.
  WriteBatch next;
  next.events.push_back(event(key, 22));
  EXPECT_TRUE(store().commit_sync(next).ok());
}

TEST_P(SqliteFileStoreTest, CommittedBatchSurvivesSigkill) {
  store_.reset();  // the child process owns the file until it is killed
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // Child: commit, report, then wait to be killed without closing anything.
    std::unique_ptr<Store> store;
    WriteBatch b;
    b.executions.push_back({run_key("survivor"), "state", true});
    b.events.push_back(event(run_key("survivor"), 1));
    char ok = open_sqlite_store(path_, &store).ok() && store->commit_sync(b).ok() ? 'y' : 'n';
    if (write(ready[1], &ok, 1) != 1) _exit(1);
    for (;;) pause();
  }
  close(ready[1]);
  char ok = 0;
  ASSERT_EQ(read(ready[0], &ok, 1), 1);
  close(ready[0]);
  kill(child, SIGKILL);
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_EQ(ok, 'y');
  ASSERT_TRUE(WIFSIGNALED(status));

  ASSERT_TRUE(reopen().ok());
  ExecutionRow e;
  bool found = false;
  ASSERT_TRUE(store().load_execution(run_key("survivor"), &e, &found).ok());
  EXPECT_TRUE(found);
  EXPECT_EQ(history(run_key("survivor")).size(), 1u);
}

TEST_P(SqliteFileStoreTest, RefusesADatabaseFromANewerSchema) {
  store_.reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "PRAGMA user_version=99", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  Status s = reopen();
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition) << s.ToString();
  EXPECT_EQ(store_, nullptr);
}

TEST(SqliteStoreOpenTest, ReportsAnUnopenablePath) {
  std::unique_ptr<Store> store;
  Status s = open_sqlite_store("/nonexistent-dir/for/sure/stead.db", &store);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(store, nullptr);
  EXPECT_NE(s.message().find("open"), std::string::npos) << s.ToString();
}

}  // namespace
}  // namespace stead::server::persistence
