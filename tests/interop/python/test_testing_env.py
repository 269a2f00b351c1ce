"""Interop test 14: the SDK's own test harness launches $STEAD_BIN and a workflow runs on it.

WorkflowEnvironment.start_local(dev_server_existing_path=...) has the SDK's Rust core spawn the
executable itself (it builds the command line: `server start-dev --port P ...`), wait for it to
answer, and connect a client. The test records the exact command line it launched.
"""

from __future__ import annotations

import os

from temporalio import activity
from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment

from interop_support import child_processes, new_worker, stead_bin, unique_name
from interop_workflows import GreetWorkflow


async def test_14_start_local_runs_stead(record_property) -> None:
    bin_path = stead_bin()
    before = {tuple(c) for c in child_processes().values()}
    env = await WorkflowEnvironment.start_local(dev_server_existing_path=bin_path)
    try:
        launched = [c for c in child_processes().values() if tuple(c) not in before]
        servers = [c for c in launched if c and os.path.realpath(c[0]) == os.path.realpath(bin_path)]
        assert len(servers) == 1, f"expected one child running {bin_path}, found {launched}"
        argv = servers[0]
        command_line = " ".join(argv)
        record_property("start_local_command_line", command_line)
        print(f"start_local launched: {command_line}")
        assert argv[1:3] == ["server", "start-dev"], command_line
        assert "--port" in argv, command_line
        assert env.client.service_client.config.target_host.endswith(
            f":{argv[argv.index('--port') + 1]}"
        )

        calls: list[str] = []

        @activity.defn(name="greet")
        async def greet(name: str) -> str:
            calls.append(name)
            return f"Hello, {name}!"

        task_queue = unique_name("interop-testenv")
        workflow_id = unique_name("testenv")
        async with new_worker(env.client, task_queue, workflows=[GreetWorkflow], activities=[greet]):
            handle = await env.client.start_workflow(
                GreetWorkflow.run, "Stead", id=workflow_id, task_queue=task_queue
            )
            assert await handle.result() == "Hello, Stead!"
        assert calls == ["Stead"]
        desc = await handle.describe()
        assert desc.status == WorkflowExecutionStatus.COMPLETED
        assert desc.task_queue == task_queue
    finally:
        await env.shutdown()
