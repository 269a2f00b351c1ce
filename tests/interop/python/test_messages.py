"""Interop tests 6-8: signals, queries, signal-with-start, updates."""

from __future__ import annotations

import pytest
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from interop_support import event_names, history_events, new_worker
from interop_workflows import CounterWorkflow, MailboxWorkflow


async def test_06_signal_then_query(client: Client, task_queue: str, workflow_id: str) -> None:
    async with new_worker(client, task_queue, workflows=[MailboxWorkflow]):
        handle = await client.start_workflow(MailboxWorkflow.run, id=workflow_id, task_queue=task_queue)
        assert await handle.query(MailboxWorkflow.state) == {"status": "waiting", "payload": None}
        assert (await handle.describe()).status == WorkflowExecutionStatus.RUNNING

        await handle.signal(MailboxWorkflow.deliver, "parcel-42")
        assert await handle.query(MailboxWorkflow.state) == {
            "status": "delivered",
            "payload": "parcel-42",
        }
        assert await handle.result() == "parcel-42"

    names = await event_names(handle)
    assert names.count("WORKFLOW_EXECUTION_SIGNALED") == 1
    assert names[-1] == "WORKFLOW_EXECUTION_COMPLETED"
    signaled = [
        e.workflow_execution_signaled_event_attributes
        for e in await history_events(handle)
        if e.HasField("workflow_execution_signaled_event_attributes")
    ]
    assert signaled[0].signal_name == "deliver"


async def test_07_signal_with_start(client: Client, task_queue: str, workflow_id: str) -> None:
    async with new_worker(client, task_queue, workflows=[MailboxWorkflow]):
        handle = await client.start_workflow(
            MailboxWorkflow.run,
            id=workflow_id,
            task_queue=task_queue,
            start_signal="deliver",
            start_signal_args=["sent with start"],
        )
        assert await handle.result() == "sent with start"

    names = await event_names(handle)
    # The signal is recorded with the start, before the first workflow task.
    assert names[:3] == [
        "WORKFLOW_EXECUTION_STARTED",
        "WORKFLOW_EXECUTION_SIGNALED",
        "WORKFLOW_TASK_SCHEDULED",
    ]
    assert names[-1] == "WORKFLOW_EXECUTION_COMPLETED"


async def test_08_update_accepted_and_rejected(
    client: Client, task_queue: str, workflow_id: str
) -> None:
    async with new_worker(client, task_queue, workflows=[CounterWorkflow]):
        handle = await client.start_workflow(CounterWorkflow.run, id=workflow_id, task_queue=task_queue)
        assert await handle.execute_update(CounterWorkflow.add, 5) == 5

        with pytest.raises(WorkflowUpdateFailedError) as excinfo:
            await handle.execute_update(CounterWorkflow.add, -3)
        cause = excinfo.value.cause
        assert isinstance(cause, ApplicationError), repr(cause)
        assert "amount must be positive, got -3" in cause.message

        assert await handle.execute_update(CounterWorkflow.add, 2) == 7
        assert await handle.execute_update(CounterWorkflow.finish) == 7
        assert await handle.result() == 7

    names = await event_names(handle)
    # A rejected update leaves no trace in history; the three accepted ones do.
    assert names.count("WORKFLOW_EXECUTION_UPDATE_ACCEPTED") == 3, names
    assert names.count("WORKFLOW_EXECUTION_UPDATE_COMPLETED") == 3, names
    assert "WORKFLOW_EXECUTION_UPDATE_REJECTED" not in names
    assert names[-1] == "WORKFLOW_EXECUTION_COMPLETED"
