// chaos_worker: runs the chaos workload (workload.h) until SIGTERM or SIGKILL.
//
//   chaos_worker ADDRESS ATTEMPT_LOG
#include <cstdio>
#include <string>

#include "connect.h"
#include "stead/worker.h"
#include "workload.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: chaos_worker ADDRESS ATTEMPT_LOG\n");
    return 2;
  }
  std::string attempt_log = argv[2];
  stead::Worker worker(chaos::connect(argv[1]),
                       {.task_queue = chaos::kTaskQueue,
                        .max_concurrent_activities = 20,
                        // A killed worker's sticky queue is given up on quickly.
                        .sticky_queue_schedule_to_start_timeout = std::chrono::seconds(1)});
  worker.register_workflow<chaos::ChaosWorkflow>();
  worker.register_workflow<chaos::ChaosChild>();
  worker.register_activity("chaos_step", [attempt_log](stead::ActivityContext& ctx, int n) {
    return chaos::chaos_step(ctx, n, attempt_log);
  });
  worker.run_until_signal();
  return 0;
}
