"""``dms_waiters.testing`` playing the Pulumi engine and the AWS provider (issue 9, point 5).

Previews with unknowns, autonames derived from URNs, the previous deployment's names kept
through aliases, ARNs in the provider's region and account, transforms, recorded resource
options, and names AWS would refuse twice. Each test writes the small program it needs.
"""

from __future__ import annotations

import gc
import json
import re
import threading
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest
from pulumi.runtime._callbacks import _CallbackServicer

from dms_waiters import DmsPollingWorkflow
from dms_waiters.testing import (
    DmsWaitersMocks,
    DuplicatePhysicalNameError,
    EngineError,
    PhysicalNameError,
    RecordingMockMonitor,
    is_unknown,
    run_program,
)

ACCOUNT = "246813579024"
REGION = "ap-southeast-2"
TASK_ARN = f"arn:aws:dms:{REGION}:{ACCOUNT}:task:ORDERSCDC"
QUEUE = "aws:sqs/queue:Queue"
ROLE = "aws:iam/role:Role"
TRUST = json.dumps({"Version": "2012-10-17", "Statement": []})


def polling(name: str = "orders", opts: pulumi.ResourceOptions | None = None) -> Any:
    return DmsPollingWorkflow(name, {"replication_task_arn": TASK_ARN}, opts)


# -- preview -----------------------------------------------------------------------------------


def test_preview_leaves_what_the_provider_computes_unknown() -> None:
    applied: list[tuple[str, str]] = []

    def program() -> None:
        workflow = polling()
        workflow.state_machine_arn.apply(lambda v: applied.append(("arn", v)))
        workflow.state_machine_name.apply(lambda v: applied.append(("name", v)))
        workflow.log_group_name.apply(lambda v: applied.append(("logs", v)))

    found = run_program(program, preview=True)
    machine = found.by_name("orders-state-machine")
    # Check draws the autoname before anything exists: known, and apply runs on it.
    assert machine.physical_name is not None
    assert re.fullmatch(r"orders-state-machine-[0-9a-f]{7}", machine.physical_name)
    assert applied == [("name", machine.physical_name)]
    assert machine.output("name") == machine.physical_name
    # What only creating it tells (ARN, id) is unknown; so is an input made of it.
    assert is_unknown(machine.output("arn"))
    assert machine.id == ""
    assert is_unknown(machine.inputs["roleArn"])
    assert machine.inputs["type"] == "STANDARD"  # a plain input is known
    # A name_prefix gets its unique id when the group is created: unknown at preview.
    group = found.by_name("orders-logs")
    assert group.inputs["namePrefix"] == "/aws/vendedlogs/states/orders-"
    assert group.physical_name is None
    assert is_unknown(group.output("name"))

    applied.clear()
    deployed = run_program(program)
    assert {k for k, _ in applied} == {"arn", "name", "logs"}
    assert not any(is_unknown(v) for r in deployed.created() for v in r.state.values())


def test_a_function_at_preview_has_no_version_or_arn_yet() -> None:
    def program() -> None:
        role = aws.iam.Role("fn-role", assume_role_policy=TRUST)
        aws.lambda_.Function("fn", role=role.arn, runtime="python3.13", handler="a.b", publish=True)

    found = run_program(program, preview=True)
    function = found.by_name("fn")
    assert function.physical_name is not None and function.physical_name.startswith("fn-")
    assert all(is_unknown(function.output(k)) for k in ("arn", "version", "qualifiedArn"))
    assert function.inputs["publish"] is True


# -- names ------------------------------------------------------------------------------------


def test_autonames_derive_from_the_urn() -> None:
    def program() -> None:
        for type_token in ("my:index:Alpha", "my:index:Beta"):
            parent = pulumi.ComponentResource(type_token, "x")
            aws.sqs.Queue("x-jobs", opts=pulumi.ResourceOptions(parent=parent))

    def names(found: DmsWaitersMocks) -> list[str]:
        # Sorted: the two queues register concurrently, in either order.
        return sorted(str(r.physical_name) for r in found.created(QUEUE))

    first = names(run_program(program))
    assert all(re.fullmatch(r"x-jobs-[0-9a-f]{7}", str(n)) for n in first)
    assert len(set(first)) == 2  # same logical name, parents of different types
    assert names(run_program(program)) == first  # reproducible
    assert set(names(run_program(program, stack="prod"))).isdisjoint(first)  # per stack


def test_names_the_provider_or_aws_refuse_fail_the_run() -> None:
    def function(logical: str, **args: Any) -> None:
        aws.lambda_.Function(logical, role="arn:aws:iam::1:role/r", runtime="python3.13", **args)

    run_program(lambda: function("f" * 56))  # 56 + '-' + 7 = 64, Lambda's limit
    with pytest.raises(PhysicalNameError, match=r"'f{57}-' plus 7 random chars is longer than"):
        run_program(lambda: function("f" * 57))
    with pytest.raises(PhysicalNameError, match="AWS allows at most 64"):
        run_program(lambda: function("fn", name="f" * 65))
    with pytest.raises(PhysicalNameError, match="characters AWS does not allow"):
        run_program(lambda: function("fn", name="orders.load"))
    # State machines autoname up to 255 characters, but AWS takes 80.
    with pytest.raises(PhysicalNameError, match="AWS allows at most 80"):
        run_program(lambda: aws.sfn.StateMachine("m" * 73, role_arn="arn", definition="{}"))


def test_a_resource_continuing_a_previous_one_keeps_its_name() -> None:
    before = run_program(lambda: aws.sqs.Queue("jobs"))
    (old,) = before.created(QUEUE)

    def queue(name: str, **opts: Any) -> Any:
        return lambda: aws.sqs.Queue(name, opts=pulumi.ResourceOptions(**opts))

    same = run_program(queue("jobs"), previous=before).by_name("jobs")
    by_alias = run_program(queue("work", aliases=[pulumi.Alias(name="jobs")]), previous=before)
    by_urn = run_program(queue("work", aliases=[old.urn]), previous=before)
    new = run_program(queue("work"), previous=before).by_name("work")
    for moved in (by_alias.by_name("work"), by_urn.by_name("work")):
        assert moved.physical_name == old.physical_name
        assert moved.previous is not None and moved.previous.urn == old.urn
        assert old.urn in moved.options.aliases
    assert (same.physical_name, same.previous) == (old.physical_name, old)
    assert new.previous is None
    assert new.physical_name != old.physical_name


def test_children_inherit_an_aliased_parents_alias_as_the_engine_derives_it() -> None:
    def program(name: str, aliases: list[Any]) -> None:
        parent = pulumi.ComponentResource(
            "my:index:Jobs", name, None, pulumi.ResourceOptions(aliases=aliases)
        )
        child = pulumi.ResourceOptions(parent=parent)
        aws.sqs.Queue(f"{name}-queue", opts=child)  # named after the parent: renamed along
        aws.sqs.Queue("shared", opts=child)  # not: keeps its name under the new parent

    before = run_program(lambda: program("jobs", []))
    after = run_program(lambda: program("work", [pulumi.Alias(name="jobs")]), previous=before)
    assert {r.name: r.physical_name for r in after.created(QUEUE)} == {
        "work-queue": before.by_name("jobs-queue").physical_name,
        "shared": before.by_name("shared").physical_name,
    }


def test_a_name_prefix_is_kept_only_while_it_is_unchanged_or_ignored() -> None:
    def group(prefix: str, **opts: Any) -> Any:
        options = pulumi.ResourceOptions(**opts)
        return lambda: aws.cloudwatch.LogGroup("logs", name_prefix=prefix, opts=options)

    before = run_program(group("/app/a-"))
    old = before.by_name("logs").physical_name
    assert old is not None and re.fullmatch(r"/app/a-\d{18}[0-9a-f]{8}", old)
    assert run_program(group("/app/a-"), previous=before).by_name("logs").physical_name == old
    changed = run_program(group("/app/b-"), previous=before).by_name("logs")
    assert changed.physical_name is not None and changed.physical_name.startswith("/app/b-")
    ignored = run_program(group("/app/b-", ignore_changes=["name_prefix"]), previous=before)
    assert ignored.by_name("logs").physical_name == old
    assert ignored.by_name("logs").inputs["namePrefix"] == "/app/a-"  # the engine's old input


def test_duplicate_urns_and_aliases_fail_like_the_engine() -> None:
    with pytest.raises(EngineError, match="Duplicate resource URN"):
        run_program(lambda: [aws.sqs.Queue("jobs"), aws.sqs.Queue("jobs")])
    before = run_program(lambda: aws.sqs.Queue("jobs"))
    with pytest.raises(EngineError, match="Duplicate resource alias"):
        run_program(
            lambda: [
                aws.sqs.Queue(n, opts=pulumi.ResourceOptions(aliases=[pulumi.Alias(name="jobs")]))
                for n in ("a", "b")
            ],
            previous=before,
        )


# -- names AWS refuses twice ------------------------------------------------------------------


def test_a_second_resource_with_a_name_aws_wants_unique_fails_the_run() -> None:
    def program() -> None:
        aws.sqs.Queue("a", name="jobs")
        aws.sqs.Queue("b", name="jobs")
        aws.sqs.Queue("c", name="other")

    with pytest.raises(DuplicatePhysicalNameError, match=r"named 'jobs'.*AWS refuses the second"):
        run_program(program)
    found = run_program(program, DmsWaitersMocks(reject_duplicate_names=False))
    (clash,) = found.duplicate_physical_names()
    assert clash.name == "jobs"
    assert [r.name for r in clash.resources] == ["a", "b"]
    assert clash.scope == f"{QUEUE} in account 123456789012, us-east-1"
    # A preview creates nothing, so nothing fails yet; the clash is listed all the same.
    assert len(run_program(program, preview=True).duplicate_physical_names()) == 1


def test_uniqueness_is_per_region_except_for_iam() -> None:
    def program() -> None:
        for region in ("eu-west-1", "eu-central-1"):
            provider = aws.Provider(region, region=region)
            opts = pulumi.ResourceOptions(provider=provider)
            aws.sqs.Queue(f"q-{region}", name="jobs", opts=opts)
            aws.iam.Role(f"r-{region}", name="deployer", assume_role_policy=TRUST, opts=opts)

    found = run_program(program, DmsWaitersMocks(reject_duplicate_names=False))
    (clash,) = found.duplicate_physical_names()
    assert (clash.name, clash.scope) == ("deployer", f"{ROLE} in account 123456789012")


# -- region and account -----------------------------------------------------------------------


def test_arns_follow_an_explicit_providers_region_and_account() -> None:
    def program() -> None:
        provider = aws.Provider(
            "ireland",
            region="eu-west-1",
            assume_roles=[{"role_arn": "arn:aws:iam::444455556666:role/deployer"}],
        )
        polling(opts=pulumi.ResourceOptions(providers=[provider]))

    found = run_program(program, DmsWaitersMocks(account_id=ACCOUNT, region=REGION))
    machine = found.by_name("orders-state-machine")
    assert machine.output("arn").startswith("arn:aws:states:eu-west-1:444455556666:")
    assert machine.options.provider is not None
    assert machine.options.provider.startswith(found.by_name("ireland").urn + "::")
    role = found.by_name("orders-role")
    assert role.output("arn").startswith("arn:aws:iam::444455556666:role/")
    trust = json.loads(role.inputs["assumeRolePolicy"])  # from getCallerIdentity, same provider
    assert trust["Statement"][0]["Condition"]["StringEquals"] == {
        "aws:SourceAccount": "444455556666"
    }
    assert found.by_name("orders-logs").output("arn").startswith("arn:aws:logs:eu-west-1:")


def test_a_provider_with_one_allowed_account_and_a_china_region() -> None:
    def program() -> None:
        provider = aws.Provider(
            "beijing", region="cn-north-1", allowed_account_ids=["111122223333"]
        )
        aws.sqs.Queue("jobs", opts=pulumi.ResourceOptions(provider=provider))

    queue = run_program(program).by_name("jobs")
    assert queue.output("arn").startswith("arn:aws-cn:sqs:cn-north-1:111122223333:jobs-")


def test_the_default_provider_follows_the_stacks_aws_region() -> None:
    def program() -> None:
        pulumi.runtime.set_all_config({"aws:region": "sa-east-1"})
        polling()

    found = run_program(program, DmsWaitersMocks(account_id=ACCOUNT, region=REGION))
    machine = found.by_name("orders-state-machine")
    assert machine.output("arn").startswith(f"arn:aws:states:sa-east-1:{ACCOUNT}:stateMachine:")


# -- transforms -------------------------------------------------------------------------------


def test_stack_transforms_change_what_is_registered_after_them() -> None:
    def team_tag(args: pulumi.ResourceTransformArgs) -> pulumi.ResourceTransformResult | None:
        if args.type_ not in (ROLE, "aws:sfn/stateMachine:StateMachine"):
            return None
        props = {**args.props, "tags": {**(args.props.get("tags") or {}), "team": "dms"}}
        opts = pulumi.ResourceOptions.merge(args.opts, pulumi.ResourceOptions(protect=True))
        return pulumi.ResourceTransformResult(props, opts)

    def program() -> None:
        aws.iam.Role("before", assume_role_policy=TRUST)
        pulumi.runtime.register_resource_transform(team_tag)
        polling()

    found = run_program(program)
    before = found.by_name("before")
    assert ("tags" in before.inputs, before.options.protect) == (False, None)
    for name in ("orders-role", "orders-state-machine"):
        changed = found.by_name(name)
        assert changed.inputs["tags"] == {"team": "dms"}
        assert changed.options.protect is True
    assert "tags" not in found.by_name("orders-policy").inputs


def test_transforms_run_own_then_ancestors_then_the_stacks_each_on_the_last_result() -> None:
    seen: list[tuple[str, str, list[str]]] = []

    def tagger(label: str) -> Any:
        def transform(args: pulumi.ResourceTransformArgs) -> pulumi.ResourceTransformResult:
            labels = [*(args.props.get("tags") or {}).get("by", "").split(), label]
            seen.append((label, args.name, labels))
            props = {**args.props, "tags": {"by": " ".join(labels)}}
            return pulumi.ResourceTransformResult(props, args.opts)

        return transform

    def program() -> None:
        pulumi.runtime.register_resource_transform(tagger("stack"))
        outer = pulumi.ComponentResource(
            "my:index:Outer", "outer", None, pulumi.ResourceOptions(transforms=[tagger("outer")])
        )
        inner = pulumi.ComponentResource(
            "my:index:Inner", "inner", None, pulumi.ResourceOptions(parent=outer)
        )
        aws.sqs.Queue("jobs", opts=pulumi.ResourceOptions(parent=inner, transforms=[tagger("own")]))

    found = run_program(program)
    assert found.by_name("jobs").inputs["tags"] == {"by": "own outer stack"}
    assert [(label, name) for label, name, _ in seen if name == "jobs"] == [
        ("own", "jobs"),
        ("outer", "jobs"),
        ("stack", "jobs"),
    ]


def test_transforms_need_no_callback_server_and_leave_nothing_running() -> None:
    servicers: list[Any] = []

    def program() -> None:
        pulumi.runtime.register_resource_transform(lambda args: None)
        servicers.extend(_CallbackServicer._servicers)
        aws.sqs.Queue("jobs")

    run_program(program)  # the first run starts what stays for the process
    before = set(threading.enumerate())
    run_program(program)
    gc.collect()
    assert set(threading.enumerate()) <= before
    # The SDK's callback registry, without its gRPC server on a local port: the monitor calls
    # the transforms in process. Each run's registry is shut down with it.
    assert [s._target for s in servicers] == ["in-process", "in-process"]
    assert _CallbackServicer._servicers == []


# -- options ----------------------------------------------------------------------------------


def test_options_are_recorded_with_what_is_inherited_from_the_parent() -> None:
    def program() -> None:
        dependency = aws.sqs.Queue("dependency")
        provider = aws.Provider("p", region="eu-west-1")
        parent = pulumi.ComponentResource(
            "my:index:Jobs",
            "jobs",
            None,
            pulumi.ResourceOptions(protect=True, providers=[provider]),
        )
        aws.sqs.Queue(
            "queue",
            opts=pulumi.ResourceOptions(
                parent=parent,
                retain_on_delete=True,
                depends_on=[dependency],
                ignore_changes=["name_prefix"],
                replace_on_changes=["fifo_queue"],
                delete_before_replace=True,
                additional_secret_outputs=["url"],
                custom_timeouts=pulumi.CustomTimeouts(create="5m"),
                aliases=["urn:pulumi:stack::project::aws:sqs/queue:Queue::old"],
            ),
        )

    monitor_mocks = DmsWaitersMocks()
    monitor = RecordingMockMonitor(monitor_mocks)
    found = run_program(program, monitor_mocks, monitor=monitor)
    options = found.by_name("queue").options
    assert options.protect is True  # inherited
    assert options.retain_on_delete is True
    assert options.provider is not None and "pulumi:providers:aws::p::" in options.provider
    assert found.by_name("dependency").urn in options.depends_on
    assert options.ignore_changes == ("namePrefix",)
    assert options.replace_on_changes == ("fifoQueue",)
    assert options.delete_before_replace is True
    assert options.additional_secret_outputs == ("url",)
    assert options.custom_timeouts == {"create": "5m"}
    assert "urn:pulumi:stack::project::aws:sqs/queue:Queue::old" in options.aliases
    assert found.by_name("dependency").options.protect is None
    (registration,) = [r for r in monitor.registrations if r.name == "queue"]
    assert registration.options == options
