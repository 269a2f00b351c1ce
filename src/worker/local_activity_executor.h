// Runs local activities for a worker's workflow tasks: the registered activity, on the calling
// workflow thread, retried per its retry policy (Temporal's retry rules, shared with the
// server: src/common/retry_policy.h). See stead::LocalActivityOptions for the limits.
#pragma once

#include <memory>
#include <string>

#include "stead/activity.h"
#include "stead/converter.h"
#include "worker/workflow/workflow_runtime.h"

namespace stead::worker {

LocalActivityExecutor make_local_activity_executor(std::shared_ptr<const ActivityRegistry> registry,
                                                   DataConverter converter, std::string task_queue);

}  // namespace stead::worker
