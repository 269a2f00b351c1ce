"""Interop test 13: list and count workflows with a query filter."""

from __future__ import annotations

from temporalio.client import Client, WorkflowExecutionStatus

from interop_support import new_worker, unique_name, wait_for
from interop_workflows import ListedWorkflow

# This file's server is fresh and no other test uses the ListedWorkflow type, so the counts
# below are exact.
TYPE_FILTER = "WorkflowType = 'ListedWorkflow'"


async def test_13_list_and_count_with_filter(client: Client, task_queue: str, workflow_id: str) -> None:
    completed_ids = [f"{workflow_id}-{i}" for i in range(3)]
    async with new_worker(client, task_queue, workflows=[ListedWorkflow]):
        for i, wid in enumerate(completed_ids):
            handle = await client.start_workflow(ListedWorkflow.run, i, id=wid, task_queue=task_queue)
            assert await handle.result() == i * 2
    # A fourth execution of the same type on a task queue no worker polls: stays Running.
    running_id = f"{workflow_id}-running"
    running = await client.start_workflow(
        ListedWorkflow.run, 99, id=running_id, task_queue=unique_name("interop-no-worker")
    )

    async def list_ids(query: str) -> list[str]:
        return sorted([wf.id async for wf in client.list_workflows(query)])

    completed_query = f"{TYPE_FILTER} AND ExecutionStatus = 'Completed'"
    # Visibility may lag behind the executions a little: poll (bounded) until it catches up.
    await wait_for(
        f"list_workflows({completed_query!r}) to show 3 executions",
        lambda: _equals(list_ids(completed_query), sorted(completed_ids)),
    )
    listed = [wf async for wf in client.list_workflows(completed_query)]
    assert {wf.status for wf in listed} == {WorkflowExecutionStatus.COMPLETED}
    assert {wf.workflow_type for wf in listed} == {"ListedWorkflow"}
    assert {wf.task_queue for wf in listed} == {task_queue}

    running_query = f"{TYPE_FILTER} AND ExecutionStatus = 'Running'"
    assert await list_ids(running_query) == [running_id]
    assert await list_ids("WorkflowType = 'NoSuchWorkflow'") == []

    assert (await client.count_workflows(completed_query)).count == 3
    assert (await client.count_workflows(running_query)).count == 1
    assert (await client.count_workflows(TYPE_FILTER)).count == 4
    assert (await client.count_workflows(f"WorkflowId = '{completed_ids[1]}'")).count == 1

    await running.terminate(reason="test over")


async def _equals(actual_coro, expected) -> bool:
    return (await actual_coro) == expected
