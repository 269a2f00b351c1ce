// Disk faults (docs/reliability.md "Disk faults"): a full disk and a failed fsync, injected
// under a loaded in-process server on a real database file, must make writes answer
// UNAVAILABLE with a clear message while reads keep working, lose nothing acknowledged, leave
// `PRAGMA integrity_check` ok, and end by themselves when the fault does (no restart); a
// restart on the same file must then find everything again.
//
// The fault comes from a SQLite VFS registered by this test as the process's default, so the
// server's own connections use it: it passes every call to the real ("unix") VFS and, while
// the switch is on, fails xWrite with SQLITE_FULL (what SQLite reports on ENOSPC) or xSync
// with SQLITE_IOERR_FSYNC, for the files of this test's database only. No root, no tmpfs.
//
// A third case fills a real file system: the database lives on a small tmpfs mounted for the
// test, a filler file takes the rest of it, and the kernel's ENOSPC reaches SQLite as it would
// on a full disk (at whatever write needs a new block first, not at the next call); deleting
// the filler ends it. Mounting needs root: elsewhere the case is skipped, under CI=true it fails.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <atomic>
#include <cstdio>
#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "fake_worker.h"
#include "stead/server.h"
#include "temporal/api/workflowservice/v1/service.grpc.pb.h"

namespace stead {
namespace {

using namespace std::chrono_literals;
namespace enums = temporal::api::enums::v1;
namespace wsv1 = temporal::api::workflowservice::v1;
using temporal::api::history::v1::HistoryEvent;

// ---------------------------------------------------------------- the fault-injecting VFS

// kTmpfsFull is the real file system case; the VFS injects the other two.
enum class Fault { kNone, kDiskFull, kFsync, kTmpfsFull };

std::atomic<Fault> g_fault{Fault::kNone};
std::atomic<int> g_injected{0};  // calls failed on purpose: proves the fault was reached
std::mutex g_target_mu;
std::string g_target;  // path prefix of the files to fail; guarded by g_target_mu
sqlite3_vfs* g_real = nullptr;

// Our header, followed in the same allocation by the real VFS's file object.
struct FaultFile {
  sqlite3_file base;
  bool target;
  sqlite3_file* real() { return reinterpret_cast<sqlite3_file*>(this + 1); }
};
static_assert(sizeof(FaultFile) % alignof(sqlite3_int64) == 0, "the real file object must stay aligned");

FaultFile* as_fault(sqlite3_file* f) { return reinterpret_cast<FaultFile*>(f); }
sqlite3_file* real_of(sqlite3_file* f) { return as_fault(f)->real(); }
const sqlite3_io_methods* real_methods(sqlite3_file* f) { return real_of(f)->pMethods; }

int f_close(sqlite3_file* f) { return real_methods(f)->xClose(real_of(f)); }
int f_read(sqlite3_file* f, void* buf, int amt, sqlite3_int64 off) {
  return real_methods(f)->xRead(real_of(f), buf, amt, off);
}
int f_write(sqlite3_file* f, const void* buf, int amt, sqlite3_int64 off) {
  if (as_fault(f)->target && g_fault.load() == Fault::kDiskFull) {
    ++g_injected;
    return SQLITE_FULL;
  }
  return real_methods(f)->xWrite(real_of(f), buf, amt, off);
}
int f_truncate(sqlite3_file* f, sqlite3_int64 size) { return real_methods(f)->xTruncate(real_of(f), size); }
int f_sync(sqlite3_file* f, int flags) {
  if (as_fault(f)->target && g_fault.load() == Fault::kFsync) {
    ++g_injected;
    return SQLITE_IOERR_FSYNC;
  }
  return real_methods(f)->xSync(real_of(f), flags);
}
int f_file_size(sqlite3_file* f, sqlite3_int64* size) { return real_methods(f)->xFileSize(real_of(f), size); }
int f_lock(sqlite3_file* f, int level) { return real_methods(f)->xLock(real_of(f), level); }
int f_unlock(sqlite3_file* f, int level) { return real_methods(f)->xUnlock(real_of(f), level); }
int f_check_reserved(sqlite3_file* f, int* out) { return real_methods(f)->xCheckReservedLock(real_of(f), out); }
int f_file_control(sqlite3_file* f, int op, void* arg) { return real_methods(f)->xFileControl(real_of(f), op, arg); }
int f_sector_size(sqlite3_file* f) { return real_methods(f)->xSectorSize(real_of(f)); }
int f_device_characteristics(sqlite3_file* f) { return real_methods(f)->xDeviceCharacteristics(real_of(f)); }
int f_shm_map(sqlite3_file* f, int page, int size, int extend, void volatile** out) {
  return real_methods(f)->xShmMap(real_of(f), page, size, extend, out);
}
int f_shm_lock(sqlite3_file* f, int offset, int n, int flags) {
  return real_methods(f)->xShmLock(real_of(f), offset, n, flags);
}
void f_shm_barrier(sqlite3_file* f) { real_methods(f)->xShmBarrier(real_of(f)); }
int f_shm_unmap(sqlite3_file* f, int delete_flag) { return real_methods(f)->xShmUnmap(real_of(f), delete_flag); }
int f_fetch(sqlite3_file* f, sqlite3_int64 off, int amt, void** out) {
  return real_methods(f)->xFetch(real_of(f), off, amt, out);
}
int f_unfetch(sqlite3_file* f, sqlite3_int64 off, void* p) { return real_methods(f)->xUnfetch(real_of(f), off, p); }

const sqlite3_io_methods kFaultMethods = {
    3,        f_close,      f_read,      f_write,          f_truncate,           f_sync,
    f_file_size, f_lock,    f_unlock,    f_check_reserved, f_file_control,       f_sector_size,
    f_device_characteristics, f_shm_map, f_shm_lock,       f_shm_barrier,        f_shm_unmap,
    f_fetch,  f_unfetch,
};

int v_open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* file, int flags, int* out_flags) {
  FaultFile* f = as_fault(file);
  f->target = false;
  if (name != nullptr) {
    std::lock_guard lock(g_target_mu);
    f->target = !g_target.empty() && std::string(name).rfind(g_target, 0) == 0;
  }
  int rc = g_real->xOpen(g_real, name, f->real(), flags, out_flags);
  // SQLite closes a file whose pMethods is set, even after a failed open.
  f->base.pMethods = f->real()->pMethods != nullptr ? &kFaultMethods : nullptr;
  return rc;
}
int v_delete(sqlite3_vfs*, const char* name, int sync_dir) { return g_real->xDelete(g_real, name, sync_dir); }
int v_access(sqlite3_vfs*, const char* name, int flags, int* out) { return g_real->xAccess(g_real, name, flags, out); }
int v_full_pathname(sqlite3_vfs*, const char* name, int n, char* out) {
  return g_real->xFullPathname(g_real, name, n, out);
}
void* v_dl_open(sqlite3_vfs*, const char* name) { return g_real->xDlOpen(g_real, name); }
void v_dl_error(sqlite3_vfs*, int n, char* out) { g_real->xDlError(g_real, n, out); }
void (*v_dl_sym(sqlite3_vfs*, void* handle, const char* symbol))(void) { return g_real->xDlSym(g_real, handle, symbol); }
void v_dl_close(sqlite3_vfs*, void* handle) { g_real->xDlClose(g_real, handle); }
int v_randomness(sqlite3_vfs*, int n, char* out) { return g_real->xRandomness(g_real, n, out); }
int v_sleep(sqlite3_vfs*, int micros) { return g_real->xSleep(g_real, micros); }
int v_current_time(sqlite3_vfs*, double* out) { return g_real->xCurrentTime(g_real, out); }
int v_get_last_error(sqlite3_vfs*, int n, char* out) { return g_real->xGetLastError(g_real, n, out); }
int v_current_time_int64(sqlite3_vfs*, sqlite3_int64* out) { return g_real->xCurrentTimeInt64(g_real, out); }

sqlite3_vfs g_fault_vfs;

// Makes the fault VFS the default for connections opened from now on (the server's).
void install_fault_vfs(const std::string& target_prefix) {
  static std::once_flag once;
  std::call_once(once, [] {
    g_real = sqlite3_vfs_find(nullptr);
    ASSERT_NE(g_real, nullptr);
    g_fault_vfs = sqlite3_vfs{};
    g_fault_vfs.iVersion = 2;
    g_fault_vfs.szOsFile = static_cast<int>(sizeof(FaultFile)) + g_real->szOsFile;
    g_fault_vfs.mxPathname = g_real->mxPathname;
    g_fault_vfs.zName = "stead-test-fault";
    g_fault_vfs.xOpen = v_open;
    g_fault_vfs.xDelete = v_delete;
    g_fault_vfs.xAccess = v_access;
    g_fault_vfs.xFullPathname = v_full_pathname;
    g_fault_vfs.xDlOpen = v_dl_open;
    g_fault_vfs.xDlError = v_dl_error;
    g_fault_vfs.xDlSym = v_dl_sym;
    g_fault_vfs.xDlClose = v_dl_close;
    g_fault_vfs.xRandomness = v_randomness;
    g_fault_vfs.xSleep = v_sleep;
    g_fault_vfs.xCurrentTime = v_current_time;
    g_fault_vfs.xGetLastError = v_get_last_error;
    g_fault_vfs.xCurrentTimeInt64 = v_current_time_int64;
  });
  {
    std::lock_guard lock(g_target_mu);
    g_target = target_prefix;
  }
  ASSERT_EQ(sqlite3_vfs_register(&g_fault_vfs, 1), SQLITE_OK);
}

// Other tests in the same process get the real VFS back as the default.
void uninstall_fault_vfs() {
  g_fault = Fault::kNone;
  if (g_real != nullptr) sqlite3_vfs_register(g_real, 1);
  std::lock_guard lock(g_target_mu);
  g_target.clear();
}

// `PRAGMA integrity_check` of a database file no server has open, through the real VFS.
std::vector<std::string> integrity_check(const std::string& path) {
  sqlite3* db = nullptr;
  std::vector<std::string> rows;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, "unix") != SQLITE_OK) {
    rows.push_back(std::string("open failed: ") + sqlite3_errmsg(db));
    sqlite3_close(db);
    return rows;
  }
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &stmt, nullptr) == SQLITE_OK) {
    while (sqlite3_step(stmt) == SQLITE_ROW) rows.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)));
  } else {
    rows.push_back(std::string("prepare failed: ") + sqlite3_errmsg(db));
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return rows;
}

// ---------------------------------------------------------------- the workload

constexpr char kQueue[] = "disk-fault-q";
constexpr char kType[] = "DiskFaultWorkflow";

std::unique_ptr<grpc::ClientContext> context_for(std::chrono::milliseconds timeout = 30s) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + timeout);
  return context;
}

size_t count_signals(const temporal::api::history::v1::History& history, const std::string& name) {
  size_t n = 0;
  for (const auto& e : history.events())
    if (e.has_workflow_execution_signaled_event_attributes() && e.workflow_execution_signaled_event_attributes().signal_name() == name)
      ++n;
  return n;
}

class DiskFaultTest : public ::testing::TestWithParam<Fault> {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "stead-disk-fault-XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    db_ = dir_ + "/stead.db";
    if (GetParam() == Fault::kTmpfsFull) {
      // Room for the load's first seconds (a few MB of WAL and database), then full.
      if (::mount("tmpfs", dir_.c_str(), "tmpfs", 0, "size=16m,mode=0700") != 0) {
        const std::string why = std::string("cannot mount a tmpfs (") + std::strerror(errno) + "; needs root)";
        const char* ci = std::getenv("CI");
        if (ci && std::string(ci) == "true") FAIL() << why << ", required under CI";
        GTEST_SKIP() << why;
      }
      mounted_ = true;
    }
    install_fault_vfs(db_);
  }
  void TearDown() override {
    if (capturing_) ::testing::internal::GetCapturedStderr();  // a failed assertion left it on
    stop_load();
    stop_workers();
    if (server_) server_->shutdown();
    server_.reset();
    uninstall_fault_vfs();
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  const char* cause() const { return GetParam() == Fault::kFsync ? "fsync failed" : "disk full"; }

  // Fills the tmpfs with a file until ENOSPC; returns the bytes written.
  size_t fill_disk() {
    const std::string path = dir_ + "/filler";
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) return 0;
    const std::string block(64 * 1024, 'x');
    size_t written = 0;
    for (;;) {
      ssize_t n = ::write(fd, block.data(), block.size());
      if (n <= 0) break;
      written += static_cast<size_t>(n);
    }
    ::close(fd);
    return written;
  }
  void free_disk() { std::filesystem::remove(dir_ + "/filler"); }

  void start_server() {
    ServerOptions options;
    options.port = 0;
    options.db_filename = db_;
    server_ = Server::start(options);
    stub_ = wsv1::WorkflowService::NewStub(grpc::CreateChannel(server_->address(), grpc::InsecureChannelCredentials()));
  }
  void stop_server() {
    server_->shutdown();
    server_.reset();
  }

  grpc::Status start(const std::string& workflow_id, std::string* run_id = nullptr) {
    wsv1::StartWorkflowExecutionRequest request;
    request.set_namespace_("default");
    request.set_workflow_id(workflow_id);
    request.mutable_workflow_type()->set_name(kType);
    request.mutable_task_queue()->set_name(kQueue);
    request.set_request_id("start-" + workflow_id);  // a retried start is the same start
    wsv1::StartWorkflowExecutionResponse response;
    grpc::Status status = stub_->StartWorkflowExecution(context_for().get(), request, &response);
    if (status.ok() && run_id) *run_id = response.run_id();
    return status;
  }
  grpc::Status signal(const std::string& workflow_id, const std::string& name) {
    wsv1::SignalWorkflowExecutionRequest request;
    request.set_namespace_("default");
    request.mutable_workflow_execution()->set_workflow_id(workflow_id);
    request.set_signal_name(name);
    request.set_request_id(name + "-" + workflow_id + "-" + std::to_string(++signal_seq_));
    wsv1::SignalWorkflowExecutionResponse response;
    return stub_->SignalWorkflowExecution(context_for().get(), request, &response);
  }
  grpc::Status history(const std::string& workflow_id, const std::string& run_id,
                       temporal::api::history::v1::History* out) {
    out->Clear();
    std::string token;
    do {
      wsv1::GetWorkflowExecutionHistoryRequest request;
      request.set_namespace_("default");
      request.mutable_execution()->set_workflow_id(workflow_id);
      request.mutable_execution()->set_run_id(run_id);
      request.set_next_page_token(token);
      wsv1::GetWorkflowExecutionHistoryResponse response;
      grpc::Status status = stub_->GetWorkflowExecutionHistory(context_for().get(), request, &response);
      if (!status.ok()) return status;
      for (const auto& e : response.history().events()) *out->add_events() = e;
      token = response.next_page_token();
    } while (!token.empty());
    return grpc::Status::OK;
  }

  // Workflow workers: each task answers with no command, or completes the run once a
  // "finish" signal is in its history. A refused poll is dropped: the server re-dispatches
  // what a refused write left undone.
  void start_workers() {
    for (int i = 0; i < 2; ++i) {
      workers_.emplace_back([this] {
        auto stub = wsv1::WorkflowService::NewStub(
            grpc::CreateChannel(server_->address(), grpc::InsecureChannelCredentials()));
        while (!workers_stop_) {
          wsv1::PollWorkflowTaskQueueRequest poll;
          poll.set_namespace_("default");
          poll.mutable_task_queue()->set_name(kQueue);
          poll.set_identity("disk-fault-test");
          wsv1::PollWorkflowTaskQueueResponse task;
          if (!stub->PollWorkflowTaskQueue(context_for(2s).get(), poll, &task).ok() || task.task_token().empty())
            continue;
          wsv1::RespondWorkflowTaskCompletedRequest done;
          done.set_namespace_("default");
          done.set_task_token(task.task_token());
          done.set_identity("disk-fault-test");
          if (count_signals(task.history(), "finish") > 0)
            *done.add_commands() = itest::complete_workflow(DataConverter{}.to_payloads(std::string("done")));
          // As SDK workers do, a refused completion is sent again (the task's start is durable,
          // so its token stays valid); dropped, the task would wait for its timeout.
          for (;;) {
            wsv1::RespondWorkflowTaskCompletedResponse ignored;
            grpc::Status status = stub->RespondWorkflowTaskCompleted(context_for().get(), done, &ignored);
            if (status.error_code() != grpc::StatusCode::UNAVAILABLE || workers_stop_) break;
            std::this_thread::sleep_for(20ms);
          }
        }
      });
    }
  }
  void stop_workers() {
    workers_stop_ = true;
    for (auto& t : workers_) t.join();
    workers_.clear();
  }

  // Client threads that start workflows and signal the ones they started, recording what
  // the server acknowledged. Every refusal must be UNAVAILABLE.
  void start_load() {
    for (int t = 0; t < 3; ++t) {
      load_.emplace_back([this, t] {
        std::vector<std::string> mine;
        for (int i = 0; !load_stop_; ++i) {
          std::string id = "wf-" + std::to_string(t) + "-" + std::to_string(i);
          std::string run_id;
          note(start(id, &run_id), [&] { acked_runs_[id] = run_id; });
          if (!run_id.empty()) mine.push_back(id);
          if (!mine.empty()) {
            const std::string& target = mine[static_cast<size_t>(i) % mine.size()];
            note(signal(target, "step"), [&] { ++acked_steps_[target]; });
          }
        }
      });
    }
  }
  template <class OnOk>
  void note(const grpc::Status& status, OnOk on_ok) {
    std::lock_guard lock(mu_);
    if (status.ok()) {
      ++acked_;
      on_ok();
    } else if (status.error_code() == grpc::StatusCode::UNAVAILABLE) {
      ++refused_;
      if (status.error_message().find("database write failed: ") == std::string::npos) unclear_.push_back(status.error_message());
    } else {
      unexpected_.push_back(std::to_string(status.error_code()) + ": " + status.error_message());
    }
  }
  void stop_load() {
    load_stop_ = true;
    for (auto& t : load_) t.join();
    load_.clear();
  }
  // Waits (bounded) until `done` holds; returns whether it did.
  bool wait_until(const std::function<bool()>& done) {
    for (auto deadline = std::chrono::steady_clock::now() + 60s; std::chrono::steady_clock::now() < deadline;) {
      if (done()) return true;
      std::this_thread::sleep_for(20ms);
    }
    return done();
  }
  size_t acked() {
    std::lock_guard lock(mu_);
    return acked_;
  }
  size_t refused() {
    std::lock_guard lock(mu_);
    return refused_;
  }

  std::string dir_, db_;
  bool mounted_ = false;
  bool capturing_ = false;
  std::unique_ptr<Server> server_;
  std::unique_ptr<wsv1::WorkflowService::Stub> stub_;
  std::atomic<int> signal_seq_{0};
  std::vector<std::thread> workers_, load_;
  std::atomic<bool> workers_stop_{false}, load_stop_{false};
  std::mutex mu_;
  size_t acked_ = 0, refused_ = 0;                 // guarded by mu_
  std::map<std::string, std::string> acked_runs_;  // workflow id -> run id; guarded by mu_
  std::map<std::string, size_t> acked_steps_;      // "step" signals acknowledged; guarded by mu_
  std::vector<std::string> unclear_, unexpected_;  // guarded by mu_
};

TEST_P(DiskFaultTest, WritesAnswerUnavailableReadsWorkAndWritingResumesWithNothingLost) {
  ::testing::internal::CaptureStderr();  // the server's log: one line per outage, not per request
  capturing_ = true;
  start_server();
  start_workers();
  start_load();
  ASSERT_TRUE(wait_until([&] { return acked() >= 30; })) << "the load did not get going";

  // ---- The fault: every write now fails in SQLite (on the tmpfs: once a write needs a block).
  const bool real_disk = GetParam() == Fault::kTmpfsFull;
  std::map<std::string, std::string> durable;  // acknowledged before the fault: all of it is on disk
  {
    std::lock_guard lock(mu_);
    durable = acked_runs_;
  }
  if (real_disk) {
    ASSERT_GT(fill_disk(), 0u) << "the filler file could not be written";
    ASSERT_TRUE(wait_until([&] { return refused() > 0; })) << "the full tmpfs never refused a write";
  } else {
    g_fault = GetParam();
  }
  // On the tmpfs a write that fits in blocks SQLite already holds still succeeds, so the probes
  // are repeated (bounded) until one is refused.
  grpc::Status refused_start;
  int probes = 0;
  do {
    refused_start = start("probe-during-fault-" + std::to_string(probes));
  } while (real_disk && refused_start.ok() && ++probes < 200);
  EXPECT_EQ(refused_start.error_code(), grpc::StatusCode::UNAVAILABLE) << refused_start.error_message();
  EXPECT_NE(refused_start.error_message().find(std::string("database write failed: ") + cause()), std::string::npos)
      << refused_start.error_message();
  grpc::Status refused_signal;
  probes = 0;
  do {
    refused_signal = signal(durable.begin()->first, "step");
  } while (real_disk && refused_signal.ok() && ++probes < 200);
  EXPECT_EQ(refused_signal.error_code(), grpc::StatusCode::UNAVAILABLE) << refused_signal.error_message();

  // Reads keep working: Describe, GetHistory and List see every acknowledged workflow.
  {
    const auto& [id, run_id] = *durable.begin();
    wsv1::DescribeWorkflowExecutionRequest request;
    request.set_namespace_("default");
    request.mutable_execution()->set_workflow_id(id);
    wsv1::DescribeWorkflowExecutionResponse response;
    grpc::Status status = stub_->DescribeWorkflowExecution(context_for().get(), request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(response.workflow_execution_info().execution().run_id(), run_id);
    temporal::api::history::v1::History h;
    status = history(id, run_id, &h);
    ASSERT_TRUE(status.ok()) << status.error_message();
    ASSERT_GT(h.events_size(), 0);
    EXPECT_EQ(h.events(0).event_type(), enums::EVENT_TYPE_WORKFLOW_EXECUTION_STARTED);
  }
  {
    std::set<std::string> listed;
    std::string token;
    do {
      wsv1::ListWorkflowExecutionsRequest request;
      request.set_namespace_("default");
      request.set_page_size(1000);
      request.set_next_page_token(token);
      wsv1::ListWorkflowExecutionsResponse response;
      grpc::Status status = stub_->ListWorkflowExecutions(context_for().get(), request, &response);
      ASSERT_TRUE(status.ok()) << status.error_message();
      for (const auto& info : response.executions()) listed.insert(info.execution().workflow_id());
      token = response.next_page_token();
    } while (!token.empty());
    for (const auto& [id, run_id] : durable) EXPECT_TRUE(listed.count(id)) << id << " missing from the list";
  }

  // The load keeps hitting the fault for a while.
  const size_t refused_before = refused();
  ASSERT_TRUE(wait_until([&] { return refused() >= refused_before + 30; })) << "the load stopped during the fault";
  if (!real_disk) {
    EXPECT_GT(g_injected.load(), 0);
  }

  // ---- The fault ends: writes succeed again, without a restart.
  if (real_disk) {
    free_disk();
  } else {
    g_fault = Fault::kNone;
  }
  std::string probe_run;
  grpc::Status accepted = start("probe-after-fault", &probe_run);
  ASSERT_TRUE(accepted.ok()) << accepted.error_message();
  const size_t acked_after = acked();
  ASSERT_TRUE(wait_until([&] { return acked() >= acked_after + 30; })) << "the load did not resume";
  stop_load();

  std::map<std::string, std::string> runs;
  std::map<std::string, size_t> steps;
  {
    std::lock_guard lock(mu_);
    EXPECT_TRUE(unexpected_.empty()) << "a write failed with another code than UNAVAILABLE: " << unexpected_.front();
    EXPECT_TRUE(unclear_.empty()) << "UNAVAILABLE without the cause: " << unclear_.front();
    runs = acked_runs_;
    steps = acked_steps_;
  }
  runs["probe-after-fault"] = probe_run;
  for (const auto& [id, run_id] : durable) EXPECT_EQ(runs[id], run_id);

  // Every acknowledged workflow finishes: the runs the fault interrupted were reloaded and
  // their workflow tasks dispatched again.
  for (const auto& [id, run_id] : runs) {
    grpc::Status status;
    ASSERT_TRUE(wait_until([&] { return (status = signal(id, "finish")).ok(); })) << id << ": " << status.error_message();
  }
  std::map<std::string, temporal::api::history::v1::History> histories;
  for (const auto& [id, run_id] : runs) {
    auto& h = histories[id];
    ASSERT_TRUE(wait_until([&] {
      return history(id, run_id, &h).ok() && h.events_size() > 0 &&
             h.events(h.events_size() - 1).event_type() == enums::EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED;
    })) << id << " did not complete: " << h.DebugString();
    // Gapless, one close event (the last), every acknowledged signal present.
    int closes = 0;
    for (int i = 0; i < h.events_size(); ++i) {
      EXPECT_EQ(h.events(i).event_id(), i + 1) << id;
      if (h.events(i).event_type() == enums::EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED) ++closes;
    }
    EXPECT_EQ(closes, 1) << id;
    EXPECT_GE(count_signals(h, "step"), steps[id]) << id;
  }

  // One line when writes began failing and one when they succeeded again, however many
  // requests were refused in between.
  stop_workers();
  stop_server();
  const std::string log = ::testing::internal::GetCapturedStderr();
  capturing_ = false;
  auto count = [&log](const std::string& needle) {
    size_t n = 0;
    for (size_t at = log.find(needle); at != std::string::npos; at = log.find(needle, at + 1)) ++n;
    return n;
  };
  // A real full disk may let a commit through now and then (one that fits in blocks SQLite
  // already has), so there it is one line per outage, each ended.
  const size_t outages = count(std::string("database write failed: ") + cause() + " (");
  if (real_disk) {
    EXPECT_GE(outages, 1u) << log;
  } else {
    EXPECT_EQ(outages, 1u) << log;
  }
  EXPECT_EQ(count("writes to the affected workflows answer UNAVAILABLE"), outages) << log;
  EXPECT_EQ(count("database writes succeed again"), outages) << log;

  EXPECT_EQ(integrity_check(db_), std::vector<std::string>{"ok"});
  std::printf("disk fault %s%s: %zu workflows, %zu requests acknowledged, %zu refused, %zu outages\n", cause(),
              real_disk ? " (tmpfs)" : "", runs.size(), acked(), refused(), outages);

  // ---- A restart on the same file finds every acknowledged workflow as it was.
  start_server();
  for (const auto& [id, run_id] : runs) {
    temporal::api::history::v1::History h;
    grpc::Status status = history(id, run_id, &h);
    ASSERT_TRUE(status.ok()) << id << ": " << status.error_message();
    EXPECT_EQ(h.SerializeAsString(), histories[id].SerializeAsString()) << id;
  }
  stop_server();
  EXPECT_EQ(integrity_check(db_), std::vector<std::string>{"ok"});
}

INSTANTIATE_TEST_SUITE_P(Faults, DiskFaultTest, ::testing::Values(Fault::kDiskFull, Fault::kFsync, Fault::kTmpfsFull),
                         [](const ::testing::TestParamInfo<Fault>& info) {
                           switch (info.param) {
                             case Fault::kDiskFull: return std::string("DiskFull");
                             case Fault::kFsync: return std::string("FailedFsync");
                             default: return std::string("FullTmpfs");
                           }
                         });

}  // namespace
}  // namespace stead
