#!/usr/bin/env python3
"""Writes the binary seed corpora of the fuzz targets, serialized with the official Python
SDK's protos (build/python-venv, made by scripts/install-python-peer):
- corpus/grpc_request/: valid requests, each prefixed with its method's index in METHODS (the
  order of kMethods in grpc_request_fuzz.cc);
- corpus/payload/: payloads of every encoding (byte 0 even) and failures (byte 0 odd), as
  payload_fuzz.cc reads them.

    build/python-venv/bin/python tests/fuzz/make_seeds.py
"""
import json
import os
import zlib

from google.protobuf import duration_pb2
from temporalio.api.common.v1 import Payload, Payloads, WorkflowExecution, WorkflowType, RetryPolicy
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.command.v1 import Command, ScheduleActivityTaskCommandAttributes, StartTimerCommandAttributes
from temporalio.api.enums.v1 import CommandType
from temporalio.api.workflowservice import v1 as ws

METHODS = [
    "StartWorkflowExecution", "SignalWorkflowExecution", "SignalWithStartWorkflowExecution", "QueryWorkflow",
    "DescribeWorkflowExecution", "GetWorkflowExecutionHistory", "RequestCancelWorkflowExecution",
    "TerminateWorkflowExecution", "ListWorkflowExecutions", "CountWorkflowExecutions",
    "RespondWorkflowTaskCompleted", "RespondWorkflowTaskFailed", "RespondActivityTaskCompleted",
    "RespondActivityTaskFailed", "RespondActivityTaskCanceled", "RecordActivityTaskHeartbeat",
    "RespondActivityTaskCompletedById", "RecordActivityTaskHeartbeatById", "UpdateWorkflowExecution",
    "PollWorkflowExecutionUpdate", "RegisterNamespace", "DescribeNamespace", "UpdateNamespace", "ListNamespaces",
    "GetSystemInfo", "PollWorkflowTaskQueue", "PollActivityTaskQueue", "RespondQueryTaskCompleted",
    "RespondActivityTaskFailedById", "RespondActivityTaskCanceledById", "GetClusterInfo", "ShutdownWorker",
]

NS = "fuzz"
EXEC = WorkflowExecution(workflow_id="wf-1")
PAYLOAD = Payloads(payloads=[Payload(metadata={"encoding": b"json/plain"}, data=b'"hello"')])


def dur(seconds, nanos=0):
    return duration_pb2.Duration(seconds=seconds, nanos=nanos)


START = dict(namespace=NS, workflow_id="wf-1", workflow_type=WorkflowType(name="Greet"),
             task_queue=TaskQueue(name="q"), input=PAYLOAD, request_id="r-1",
             workflow_execution_timeout=dur(3600), workflow_run_timeout=dur(600), workflow_task_timeout=dur(10),
             retry_policy=RetryPolicy(initial_interval=dur(1), backoff_coefficient=2.0, maximum_attempts=3))

SEEDS = {
    "start": ("StartWorkflowExecution", ws.StartWorkflowExecutionRequest(**START)),
    "start_delay_1000y": ("StartWorkflowExecution", ws.StartWorkflowExecutionRequest(
        **{**START, "workflow_id": "wf-late", "request_id": "r-2"}, workflow_start_delay=dur(31_557_600_000))),
    "start_negative_timeout": ("StartWorkflowExecution", ws.StartWorkflowExecutionRequest(
        **{**START, "workflow_id": "wf-neg", "request_id": "r-3", "workflow_run_timeout": dur(-5, -1)})),
    "signal": ("SignalWorkflowExecution", ws.SignalWorkflowExecutionRequest(
        namespace=NS, workflow_execution=EXEC, signal_name="go", input=PAYLOAD, request_id="s-1")),
    "signal_with_start": ("SignalWithStartWorkflowExecution", ws.SignalWithStartWorkflowExecutionRequest(
        namespace=NS, workflow_id="wf-2", workflow_type=WorkflowType(name="Greet"), task_queue=TaskQueue(name="q"),
        signal_name="go", signal_input=PAYLOAD, request_id="sws-1")),
    "query": ("QueryWorkflow", ws.QueryWorkflowRequest(namespace=NS, execution=EXEC)),
    "describe": ("DescribeWorkflowExecution", ws.DescribeWorkflowExecutionRequest(namespace=NS, execution=EXEC)),
    "history": ("GetWorkflowExecutionHistory", ws.GetWorkflowExecutionHistoryRequest(
        namespace=NS, execution=EXEC, maximum_page_size=2, next_page_token=b"\x01\x02")),
    "cancel": ("RequestCancelWorkflowExecution", ws.RequestCancelWorkflowExecutionRequest(
        namespace=NS, workflow_execution=EXEC, reason="fuzz")),
    "terminate": ("TerminateWorkflowExecution", ws.TerminateWorkflowExecutionRequest(
        namespace=NS, workflow_execution=WorkflowExecution(workflow_id="wf-2"), reason="fuzz")),
    "list": ("ListWorkflowExecutions", ws.ListWorkflowExecutionsRequest(
        namespace=NS, page_size=5, query="WorkflowType = 'Greet' AND ExecutionStatus = 'Running' ORDER BY StartTime")),
    "count": ("CountWorkflowExecutions", ws.CountWorkflowExecutionsRequest(
        namespace=NS, query="GROUP BY ExecutionStatus")),
    "wft_completed": ("RespondWorkflowTaskCompleted", ws.RespondWorkflowTaskCompletedRequest(
        namespace=NS, task_token=b"\x08\x01\x12\x04fuzz", commands=[
            Command(command_type=CommandType.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK,
                    schedule_activity_task_command_attributes=ScheduleActivityTaskCommandAttributes(
                        activity_id="1", start_to_close_timeout=dur(10), heartbeat_timeout=dur(-1))),
            Command(command_type=CommandType.COMMAND_TYPE_START_TIMER,
                    start_timer_command_attributes=StartTimerCommandAttributes(
                        timer_id="t", start_to_fire_timeout=dur(315_576_000_000)))])),
    "wft_failed": ("RespondWorkflowTaskFailed", ws.RespondWorkflowTaskFailedRequest(namespace=NS, task_token=b"junk")),
    "activity_completed": ("RespondActivityTaskCompleted", ws.RespondActivityTaskCompletedRequest(
        namespace=NS, task_token=b"\x08\x02", result=PAYLOAD)),
    "activity_failed": ("RespondActivityTaskFailed", ws.RespondActivityTaskFailedRequest(namespace=NS, task_token=b"")),
    "activity_canceled": ("RespondActivityTaskCanceled", ws.RespondActivityTaskCanceledRequest(
        namespace=NS, task_token=b"\xff" * 8)),
    "heartbeat": ("RecordActivityTaskHeartbeat", ws.RecordActivityTaskHeartbeatRequest(
        namespace=NS, task_token=b"\x08\x02\x12\x00", details=PAYLOAD)),
    "completed_by_id": ("RespondActivityTaskCompletedById", ws.RespondActivityTaskCompletedByIdRequest(
        namespace=NS, workflow_id="wf-1", activity_id="1", result=PAYLOAD)),
    "heartbeat_by_id": ("RecordActivityTaskHeartbeatById", ws.RecordActivityTaskHeartbeatByIdRequest(
        namespace=NS, workflow_id="wf-1", activity_id="1")),
    "update": ("UpdateWorkflowExecution", ws.UpdateWorkflowExecutionRequest(namespace=NS, workflow_execution=EXEC)),
    "poll_update": ("PollWorkflowExecutionUpdate", ws.PollWorkflowExecutionUpdateRequest(namespace=NS)),
    "register_namespace": ("RegisterNamespace", ws.RegisterNamespaceRequest(
        namespace="fuzz-2", workflow_execution_retention_period=dur(86400))),
    "describe_namespace": ("DescribeNamespace", ws.DescribeNamespaceRequest(namespace=NS)),
    "update_namespace": ("UpdateNamespace", ws.UpdateNamespaceRequest(namespace=NS)),
    "list_namespaces": ("ListNamespaces", ws.ListNamespacesRequest(page_size=1, next_page_token=b"x")),
    "system_info": ("GetSystemInfo", ws.GetSystemInfoRequest()),
    "poll_workflow_task": ("PollWorkflowTaskQueue", ws.PollWorkflowTaskQueueRequest(
        namespace=NS, task_queue=TaskQueue(name="q"), identity="fuzz")),
    "poll_activity_task": ("PollActivityTaskQueue", ws.PollActivityTaskQueueRequest(
        namespace=NS, task_queue=TaskQueue(name="q"), identity="fuzz")),
    "query_task_completed": ("RespondQueryTaskCompleted", ws.RespondQueryTaskCompletedRequest(
        namespace=NS, task_token=b"q")),
    "failed_by_id": ("RespondActivityTaskFailedById", ws.RespondActivityTaskFailedByIdRequest(
        namespace=NS, workflow_id="wf-1", activity_id="1")),
    "canceled_by_id": ("RespondActivityTaskCanceledById", ws.RespondActivityTaskCanceledByIdRequest(
        namespace=NS, workflow_id="wf-1", activity_id="1")),
    "cluster_info": ("GetClusterInfo", ws.GetClusterInfoRequest()),
    "shutdown_worker": ("ShutdownWorker", ws.ShutdownWorkerRequest(namespace=NS, identity="fuzz")),
}


def payload(encoding, data, **metadata):
    meta = {"encoding": encoding.encode(), **{k: v.encode() for k, v in metadata.items()}}
    return Payload(metadata=meta, data=data)


def zlib_payload(inner):
    return Payload(metadata={"encoding": b"binary/zlib"}, data=zlib.compress(inner.SerializeToString()))


def failure_chain():
    from temporalio.api.failure.v1 import ApplicationFailureInfo, Failure
    root = Failure(message="card declined", source="TypeScriptSDK", stack_trace="at x",
                   application_failure_info=ApplicationFailureInfo(type="CardDeclined", non_retryable=True,
                                                                   details=PAYLOAD))
    return Failure(message="activity failed", cause=root, encoded_attributes=payload(
        "json/plain", json.dumps({"message": "hidden", "stack_trace": ""}).encode()))


PAYLOADS = {
    "json_object": payload("json/plain", b'{"a":[1,2.5,"x",null,true],"b":{"c":"\\u00e9"}}'),
    "json_string": payload("json/plain", b'"hello"'),
    "json_int": payload("json/plain", b"9223372036854775807"),
    "json_float": payload("json/plain", b"1e308"),
    "binary": payload("binary/plain", b"\x00\x01\xff"),
    "null": payload("binary/null", b""),
    "proto_json": payload("json/protobuf", b'{"workflowId":"wf","runId":"r"}',
                          messageType="temporal.api.common.v1.WorkflowExecution"),
    "proto_binary": payload("binary/protobuf", WorkflowExecution(workflow_id="wf").SerializeToString(),
                            messageType="temporal.api.common.v1.WorkflowExecution"),
    "zlib_json": zlib_payload(payload("json/plain", b'{"spec":true}')),
    "zlib_nested": zlib_payload(zlib_payload(payload("json/plain", b"[1,2,3]"))),
}


def write(corpus, name, data):
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", corpus)
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)


def main():
    for name, (method, message) in SEEDS.items():
        write("grpc_request", name, bytes([METHODS.index(method)]) + message.SerializeToString())
    for name, p in PAYLOADS.items():
        write("payload", name, b"\x00" + p.SerializeToString())
    write("payload", "failure_chain", b"\x01" + failure_chain().SerializeToString())
    print(f"wrote {len(SEEDS)} grpc_request and {len(PAYLOADS) + 1} payload seeds")


if __name__ == "__main__":
    main()
