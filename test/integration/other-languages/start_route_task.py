"""Start routeTask from Python by its workflow type name, wait for its result, print it as JSON.

The input is a plain dict in the shape of schemas/routeTask.input.schema.json; the result comes back
as a dict in the shape of schemas/routeTask.result.schema.json. No code of this package is needed:
only the Temporal Python SDK (`pip install temporalio`).

    python start_route_task.py --address 127.0.0.1:7233 --task-queue connect-task-router \\
        --workflow-id claim-1234 --instance-id <instance> --queue-id <queue> \\
        --transfer-flow-id <transfer-to-queue flow> --name "Call back Mrs Example"
"""

import argparse
import asyncio
import json
import os
import sys

from temporalio.client import Client, WorkflowFailureError


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--address", default="localhost:7233")
    parser.add_argument("--namespace", default="default")
    parser.add_argument("--task-queue", default="connect-task-router")
    parser.add_argument("--workflow-id", required=True, help="your key: starting twice never creates a second task")
    parser.add_argument("--instance-id", required=True)
    parser.add_argument("--queue-id", required=True)
    parser.add_argument("--transfer-flow-id", required=True, help="a transfer-to-queue flow")
    parser.add_argument("--name", default="Call back Mrs Example")
    parser.add_argument("--priority", type=int, default=5)
    args = parser.parse_args()

    client = await Client.connect(args.address, namespace=args.namespace)
    handle = await client.start_workflow(
        "routeTask",
        {
            "instanceId": args.instance_id,
            "queueId": args.queue_id,
            "transferFlowId": args.transfer_flow_id,
            "priority": args.priority,
            "contact": {"name": args.name, "attributes": {"source": "python"}},
        },
        id=args.workflow_id,
        task_queue=args.task_queue,
    )
    # While it runs: its `status` query answers where it is (schemas/routeTask.query.status.schema.json).
    status = await handle.query("status")
    print(f"started {handle.id}: {status['stage']}", file=sys.stderr)
    try:
        result = await handle.result()
    except WorkflowFailureError as error:
        # An invalid input fails at once as InvalidInput, naming each field.
        print(f"routeTask failed: {error.cause}", file=sys.stderr)
        return 1
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    code = asyncio.run(main())
    # A short-lived client process can abort in interpreter teardown while the SDK's Rust threads
    # still run ("Fatal Python error: PyGILState_Release", temporalio/sdk-python issue 300): the work
    # is done and printed, so leave without the teardown.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
