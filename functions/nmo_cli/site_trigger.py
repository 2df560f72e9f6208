"""The cloud's publishing trigger (Lambda `nmo-portal-<stage>-site-trigger`, infra/publishing.yaml):
after a moderator's publish, edit or cancellation, or a catalog import, it starts the CodeBuild
project that runs `nmo site build` and `nmo site publish`. The local stand-in is site_refresh.py.

Every change to the published catalog bumps catalog-version[published] in the change's own
transaction (catalog_repo). The table's stream, filtered to that item and batched for up to a
minute, invokes this function: a burst of decisions is one invocation, and the build reads the
catalog as it is when it runs, so one build publishes them all. EventBridge invokes it again when
a build of the project ends, so changes made during a build are published right after it.

One build at a time (two builds publishing at once could leave older pages last): the item
catalog-version[site-build] records the version handed to the latest build and whether it is
still running, and it is claimed with a conditional write, so concurrent invocations never start
two builds. A failed build is not retried by itself (its alarm goes to the operator); the next
change, or a manual `aws codebuild start-build`, publishes everything.

Only the standard library and boto3 (which the Lambda runtime provides): the function's zip is
this one file, outside the API's package, with its own role.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

PUBLISHED = "published"  # chalicelib.db.catalog_repo.PUBLISHED (a test keeps the two equal)
STATE = "site-build"
# A build the project's limits (queued 30 min + running 20 min) would have ended long ago: its end
# event was lost, and waiting for it would stop publishing for good.
STALE_SECONDS = 3600

START, WAIT, NOTHING = "start", "wait", "nothing"


@dataclass(frozen=True)
class BuildState:
    version: int = 0  # the catalog version handed to the latest build
    build_id: str = ""  # the build's ARN, as EventBridge names it in the build's end event
    building: bool = False
    started_at: float = 0.0


def decide(published: int, state: BuildState, now: float, stale_seconds: float) -> str:
    """The debounce: never a second build while one runs; a build only for a newer version."""
    if state.building and now - state.started_at < stale_seconds:
        return WAIT
    if published > state.version:
        return START
    return NOTHING


def _log(**fields: Any) -> None:
    print(json.dumps({"logger": "nmo.site_trigger", **fields}, ensure_ascii=False))


class SiteTrigger:
    def __init__(
        self,
        dynamodb: Any,
        codebuild: Any,
        *,
        table: str,
        project: str,
        clock: Callable[[], float] = time.time,
        stale_seconds: float = STALE_SECONDS,
    ) -> None:
        self.dynamodb = dynamodb
        self.codebuild = codebuild
        self.table = table
        self.project = project
        self.clock = clock
        self.stale_seconds = stale_seconds

    def published_version(self) -> int:
        item = self.dynamodb.get_item(
            TableName=self.table, Key={"name": {"S": PUBLISHED}}, ConsistentRead=True
        ).get("Item", {})
        return int(item.get("version", {}).get("N", "0"))

    def state(self) -> BuildState | None:
        item = self.dynamodb.get_item(
            TableName=self.table, Key={"name": {"S": STATE}}, ConsistentRead=True
        ).get("Item")
        if item is None:
            return None
        return BuildState(
            version=int(item["version"]["N"]),
            build_id=item["build_id"]["S"],
            building=item["building"]["BOOL"],
            started_at=float(item["started_at"]["N"]),
        )

    def _write_state(self, new: BuildState, *, expected: BuildState | None) -> bool:
        """Replace the state if it is still `expected` (None: there is none yet)."""
        names = {"#v": "version", "#id": "build_id", "#b": "building"}
        values: dict[str, Any] = {
            ":v": {"N": str(new.version)},
            ":id": {"S": new.build_id},
            ":b": {"BOOL": new.building},
            ":t": {"N": repr(new.started_at)},
        }
        if expected is None:
            condition = "attribute_not_exists(#n)"
            names["#n"] = "name"  # a reserved word in expressions
        else:
            condition = "#v = :old_v AND #id = :old_id"
            values |= {":old_v": {"N": str(expected.version)}, ":old_id": {"S": expected.build_id}}
        try:
            self.dynamodb.update_item(
                TableName=self.table,
                Key={"name": {"S": STATE}},
                UpdateExpression="SET #v = :v, #id = :id, #b = :b, started_at = :t",
                ConditionExpression=condition,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
        except self.dynamodb.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def poke(self) -> str:
        """Start a build if the published catalog is newer than the last build and none runs."""
        published = self.published_version()
        state = self.state()
        now = self.clock()
        action = decide(published, state or BuildState(), now, self.stale_seconds)
        if action != START:
            _log(action=action, published=published, built=state.version if state else 0)
            return action
        claim = BuildState(published, f"claim-{uuid.uuid4()}", True, now)
        if not self._write_state(claim, expected=state):
            _log(action="claimed-elsewhere", published=published)
            return WAIT  # another invocation took it between our read and our write
        try:
            build = self.codebuild.start_build(
                projectName=self.project,
                environmentVariablesOverride=[
                    {"name": "NMO_CATALOG_VERSION", "value": str(published), "type": "PLAINTEXT"}
                ],
            )["build"]
        except Exception:
            # Give the claim back so the next invocation (the stream retries) tries again.
            self._write_state(state or BuildState(), expected=claim)
            raise
        self._write_state(BuildState(published, str(build["arn"]), True, now), expected=claim)
        _log(action=START, published=published, build=build["arn"])
        return START

    def build_ended(self, build_arn: str, status: str) -> str:
        """A build of the project ended: free the slot (only if it is ours), then look again."""
        state = self.state()
        if state is not None and state.build_id == build_arn and state.building:
            self._write_state(
                BuildState(state.version, build_arn, False, state.started_at), expected=state
            )
        _log(action="build-ended", build=build_arn, status=status)
        return self.poke()


def handler(event: dict[str, Any], context: Any) -> str:
    import boto3

    trigger = SiteTrigger(
        boto3.client("dynamodb"),
        boto3.client("codebuild"),
        table=os.environ["NMO_CATALOG_VERSION_TABLE"],
        project=os.environ["NMO_SITE_BUILD_PROJECT"],
    )
    if event.get("source") == "aws.codebuild":  # "CodeBuild Build State Change"
        detail = event.get("detail", {})
        return trigger.build_ended(str(detail.get("build-id", "")), str(detail.get("build-status")))
    # A batch of stream records: they only say "the published catalog changed".
    return trigger.poke()
