"""Interop tests 1-5: workflows, activities, retries, start conflicts, describe."""

from __future__ import annotations

import asyncio

import pytest
from temporalio import activity
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from interop_support import event_names, history_events, new_worker, unique_name
from interop_workflows import FlakyWorkflow, GatedWorkflow, GreetWorkflow, IdleWorkflow


async def test_01_workflow_calls_one_activity(client: Client, task_queue: str, workflow_id: str) -> None:
    calls: list[str] = []

    @activity.defn(name="greet")
    async def greet(name: str) -> str:
        calls.append(name)
        return f"Hello, {name}!"

    async with new_worker(client, task_queue, workflows=[GreetWorkflow], activities=[greet]):
        handle = await client.start_workflow(
            GreetWorkflow.run, "Stead", id=workflow_id, task_queue=task_queue
        )
        assert await handle.result() == "Hello, Stead!"

    assert calls == ["Stead"]
    names = await event_names(handle)
    assert names[0] == "WORKFLOW_EXECUTION_STARTED"
    assert names[-1] == "WORKFLOW_EXECUTION_COMPLETED"
    for expected in ("ACTIVITY_TASK_SCHEDULED", "ACTIVITY_TASK_STARTED", "ACTIVITY_TASK_COMPLETED"):
        assert names.count(expected) == 1, names
    assert (
        names.index("ACTIVITY_TASK_SCHEDULED")
        < names.index("ACTIVITY_TASK_STARTED")
        < names.index("ACTIVITY_TASK_COMPLETED")
    )


async def test_02_activity_retried_by_server(client: Client, task_queue: str, workflow_id: str) -> None:
    attempts: list[int] = []

    @activity.defn(name="flaky")
    async def flaky(name: str) -> str:
        attempt = activity.info().attempt
        attempts.append(attempt)
        if attempt < 3:
            raise RuntimeError(f"boom on attempt {attempt}")
        return f"{name} ok on attempt {attempt}"

    async with new_worker(client, task_queue, workflows=[FlakyWorkflow], activities=[flaky]):
        handle = await client.start_workflow(
            FlakyWorkflow.run, "flaky", id=workflow_id, task_queue=task_queue
        )
        assert await handle.result() == "flaky ok on attempt 3"

    assert attempts == [1, 2, 3]
    events = await history_events(handle)
    scheduled = [e for e in events if e.HasField("activity_task_scheduled_event_attributes")]
    started = [e for e in events if e.HasField("activity_task_started_event_attributes")]
    # Retries happen inside the server: one scheduled event, one started event (the last attempt).
    assert len(scheduled) == 1
    retry = scheduled[0].activity_task_scheduled_event_attributes.retry_policy
    assert retry.initial_interval.ToMilliseconds() == 100
    assert retry.backoff_coefficient == 1.0
    assert len(started) == 1
    started_attrs = started[0].activity_task_started_event_attributes
    assert started_attrs.attempt == 3
    assert "boom on attempt 2" in started_attrs.last_failure.message


async def test_03_duplicate_workflow_id(client: Client, task_queue: str, workflow_id: str) -> None:
    # No worker: the first execution just stays Running.
    first = await client.start_workflow(IdleWorkflow.run, id=workflow_id, task_queue=task_queue)
    with pytest.raises(WorkflowAlreadyStartedError) as excinfo:
        await client.start_workflow(IdleWorkflow.run, id=workflow_id, task_queue=task_queue)
    err = excinfo.value
    assert err.workflow_id == workflow_id
    assert err.run_id == first.result_run_id
    desc = await client.get_workflow_handle(workflow_id).describe()
    assert desc.run_id == first.result_run_id
    assert desc.status == WorkflowExecutionStatus.RUNNING


async def test_04_unknown_workflow_not_found(client: Client) -> None:
    handle = client.get_workflow_handle(unique_name("nope"))
    with pytest.raises(RPCError) as excinfo:
        await handle.result()
    assert excinfo.value.status == RPCStatusCode.NOT_FOUND, excinfo.value
    with pytest.raises(RPCError) as excinfo:
        await handle.describe()
    assert excinfo.value.status == RPCStatusCode.NOT_FOUND, excinfo.value


async def test_05_describe_running_then_completed(
    client: Client, task_queue: str, workflow_id: str
) -> None:
    gate = asyncio.Event()
    started = asyncio.Event()

    @activity.defn(name="wait_gate")
    async def wait_gate(label: str) -> str:
        started.set()
        await gate.wait()
        return f"{label} passed the gate"

    async with new_worker(client, task_queue, workflows=[GatedWorkflow], activities=[wait_gate]):
        handle = await client.start_workflow(
            GatedWorkflow.run, "gated", id=workflow_id, task_queue=task_queue
        )
        await asyncio.wait_for(started.wait(), timeout=15)
        desc = await handle.describe()
        assert desc.status == WorkflowExecutionStatus.RUNNING
        assert desc.id == workflow_id
        assert desc.run_id == handle.result_run_id
        assert desc.workflow_type == "GatedWorkflow"
        assert desc.task_queue == task_queue
        assert desc.close_time is None
        gate.set()
        assert await handle.result() == "gated passed the gate"

    desc = await handle.describe()
    assert desc.status == WorkflowExecutionStatus.COMPLETED
    assert desc.close_time is not None
    assert desc.close_time >= desc.start_time
    assert desc.history_length == len(await history_events(handle))
