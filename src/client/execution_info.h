// temporal.api.workflow.v1.WorkflowExecutionInfo -> stead::WorkflowExecutionInfo.
#pragma once

#include "stead/converter.h"
#include "stead/workflow_handle.h"
#include "temporal/api/workflow/v1/message.pb.h"

namespace stead::detail {

// Memo values are decoded with `converter`'s codecs. Throws what a codec throws.
void fill_execution_info(const temporal::api::workflow::v1::WorkflowExecutionInfo& in, const DataConverter& converter,
                         WorkflowExecutionInfo* out);

}  // namespace stead::detail
