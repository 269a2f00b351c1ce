"""Interop tests 9-12: cancellation, termination, child workflows, continue-as-new."""

from __future__ import annotations

import pytest
from temporalio import activity
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowFailureError
from temporalio.exceptions import CancelledError, TerminatedError

from interop_support import event_names, history_events, new_worker, wait_for
from interop_workflows import (
    ChainWorkflow,
    ChildWorkflow,
    CancellableWorkflow,
    IdleWorkflow,
    ParentWorkflow,
)


async def test_09_cancel_workflow_waiting_on_timer(
    client: Client, task_queue: str, workflow_id: str
) -> None:
    cleaned: list[str] = []

    @activity.defn(name="cleanup")
    async def cleanup(label: str) -> None:
        cleaned.append(label)

    async with new_worker(client, task_queue, workflows=[CancellableWorkflow], activities=[cleanup]):
        handle = await client.start_workflow(
            CancellableWorkflow.run, "tidy-up", id=workflow_id, task_queue=task_queue
        )
        # Cancel only once the 60 s timer is really running.
        await wait_for("the TIMER_STARTED event", lambda: _has_event(handle, "TIMER_STARTED"))
        await handle.cancel()
        with pytest.raises(WorkflowFailureError) as excinfo:
            await handle.result()
        assert isinstance(excinfo.value.cause, CancelledError), repr(excinfo.value.cause)

    assert cleaned == ["tidy-up"]
    assert (await handle.describe()).status == WorkflowExecutionStatus.CANCELED
    names = await event_names(handle)
    assert "WORKFLOW_EXECUTION_CANCEL_REQUESTED" in names
    assert "TIMER_CANCELED" in names
    assert "TIMER_FIRED" not in names
    assert names.index("TIMER_CANCELED") < names.index("ACTIVITY_TASK_COMPLETED")
    assert names[-1] == "WORKFLOW_EXECUTION_CANCELED"


async def test_10_terminate(client: Client, task_queue: str, workflow_id: str) -> None:
    async with new_worker(client, task_queue, workflows=[IdleWorkflow]):
        handle = await client.start_workflow(IdleWorkflow.run, id=workflow_id, task_queue=task_queue)
        # Terminate once the worker has run the first workflow task.
        await wait_for(
            "the first WORKFLOW_TASK_COMPLETED event",
            lambda: _has_event(handle, "WORKFLOW_TASK_COMPLETED"),
        )
        await handle.terminate("enough", reason="test says stop")
        with pytest.raises(WorkflowFailureError) as excinfo:
            await handle.result()
        cause = excinfo.value.cause
        assert isinstance(cause, TerminatedError), repr(cause)
        assert cause.message == "test says stop"
        assert list(cause.details) == ["enough"]

    desc = await handle.describe()
    assert desc.status == WorkflowExecutionStatus.TERMINATED
    assert desc.close_time is not None
    events = await history_events(handle)
    last = events[-1]
    assert last.HasField("workflow_execution_terminated_event_attributes")
    assert last.workflow_execution_terminated_event_attributes.reason == "test says stop"


async def test_11_child_workflow(client: Client, task_queue: str, workflow_id: str) -> None:
    async with new_worker(client, task_queue, workflows=[ParentWorkflow, ChildWorkflow]):
        handle = await client.start_workflow(
            ParentWorkflow.run, "Stead", id=workflow_id, task_queue=task_queue
        )
        result = await handle.result()

    child_id = f"{workflow_id}-child"
    assert result == f"parent got: {child_id} (parent {workflow_id}) greets Stead"
    child = await client.get_workflow_handle(child_id).describe()
    assert child.status == WorkflowExecutionStatus.COMPLETED
    assert child.workflow_type == "ChildWorkflow"
    assert child.parent_id == workflow_id
    assert child.parent_run_id == handle.result_run_id
    names = await event_names(handle)
    for expected in (
        "START_CHILD_WORKFLOW_EXECUTION_INITIATED",
        "CHILD_WORKFLOW_EXECUTION_STARTED",
        "CHILD_WORKFLOW_EXECUTION_COMPLETED",
    ):
        assert names.count(expected) == 1, names
    assert names[-1] == "WORKFLOW_EXECUTION_COMPLETED"


async def test_12_continue_as_new_chain(client: Client, task_queue: str, workflow_id: str) -> None:
    async with new_worker(client, task_queue, workflows=[ChainWorkflow]):
        handle = await client.start_workflow(
            ChainWorkflow.run, args=[[], 3], id=workflow_id, task_queue=task_queue
        )
        run_ids = await handle.result()  # follows the continue-as-new chain

    assert len(run_ids) == 3
    assert len(set(run_ids)) == 3
    assert run_ids[0] == handle.result_run_id

    first = await client.get_workflow_handle(workflow_id, run_id=run_ids[0]).describe()
    assert first.status == WorkflowExecutionStatus.CONTINUED_AS_NEW
    second = await client.get_workflow_handle(workflow_id, run_id=run_ids[1]).describe()
    assert second.status == WorkflowExecutionStatus.CONTINUED_AS_NEW
    latest = await client.get_workflow_handle(workflow_id).describe()
    assert latest.run_id == run_ids[2]
    assert latest.status == WorkflowExecutionStatus.COMPLETED

    first_events = await history_events(client.get_workflow_handle(workflow_id, run_id=run_ids[0]))
    last = first_events[-1]
    assert last.HasField("workflow_execution_continued_as_new_event_attributes")
    assert last.workflow_execution_continued_as_new_event_attributes.new_execution_run_id == run_ids[1]


async def _has_event(handle, name: str) -> bool:
    return name in await event_names(handle)
