"""The notification Lambdas wired in the API stack, as `chalice package` builds it (offline):
table streams → notify-changes (batched, bisected, bounded retries, a dead-letter queue with its
alarm, stream reads on exactly those streams), SES configuration set → SNS → mail-events, mail
sent only as the stage's sender, logs that expire; and `make deploy` feeding it all."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from chalicelib.db.models import ALL_MODELS

ROOT = Path(__file__).resolve().parents[2]
INFRA = ROOT / "infra"
sys.path.insert(0, str(INFRA))

import deploy  # noqa: E402
import package as api_package  # noqa: E402

# Mapping → (stream parameter, tables-stack output, logical table)
MAPPINGS = {
    "RegistrationsStreamMapping": ("RegistrationsStreamArn", "registrations"),
    "CatalogStreamMapping": ("CatalogStreamArn", "catalog"),
    "CreditsStreamMapping": ("CreditsStreamArn", "credits"),
    "ApplicationsStreamMapping": ("ApplicationsStreamArn", "applications"),
}
MAIL_SENDERS = ("APIHandler", "FinishEvents", "DailyNotifications", "NotifyChanges")
NEW_FUNCTIONS = ("DailyNotifications", "NotifyChanges", "MailEvents")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> api_package.Package:
    return api_package.package("pilot", tmp_path_factory.mktemp("notify") / "out", offline=True)


@pytest.fixture(scope="module")
def template(built: api_package.Package) -> dict[str, Any]:
    return dict(json.loads(built.template.read_text(encoding="utf-8")))


def _statements(template: dict[str, Any]) -> list[dict[str, Any]]:
    role = template["Resources"]["DefaultRole"]["Properties"]
    return [s for p in role["Policies"] for s in p["PolicyDocument"]["Statement"]]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: r for k, r in template["Resources"].items() if r["Type"] == kind}


def test_the_built_template_passes_cfn_lint(built):
    result = subprocess.run(
        [str(Path(sys.executable).parent / "cfn-lint"), str(built.template)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_four_streams_reach_notify_changes_batched_bisected_with_bounded_retries(template):
    mappings = _of_type(template, "AWS::Lambda::EventSourceMapping")
    assert set(mappings) == set(MAPPINGS)
    for logical, (parameter, _table) in MAPPINGS.items():
        props = mappings[logical]["Properties"]
        assert props["EventSourceArn"] == {"Ref": parameter}
        assert props["FunctionName"] == {"Ref": "NotifyChanges"}
        assert props["StartingPosition"] == "LATEST"
        assert 1 <= props["BatchSize"] <= 1000
        assert 0 < props["MaximumBatchingWindowInSeconds"] <= 10  # notices come right after
        assert props["BisectBatchOnFunctionError"] is True
        assert 0 <= props["MaximumRetryAttempts"] <= 5
        assert props["DestinationConfig"]["OnFailure"]["Destination"] == {
            "Fn::GetAtt": ["NotifyChangesDeadLetterQueue", "Arn"]
        }
        assert "FilterCriteria" not in props  # every change is read; the code decides
    # The applications mapping exists once the model streams (the tables stack exports it).
    assert mappings["ApplicationsStreamMapping"]["Condition"] == "ApplicationsStreams"
    assert template["Parameters"]["ApplicationsStreamArn"]["Default"] == ""
    for parameter in ("RegistrationsStreamArn", "CatalogStreamArn", "CreditsStreamArn"):
        assert "Default" not in template["Parameters"][parameter]


def test_the_streams_are_the_ones_the_tables_stack_exports_with_both_images():
    outputs = json.loads((INFRA / "tables.json").read_text("utf-8"))["Outputs"]
    by_table = {model.table: model for model in ALL_MODELS}
    for name, required in deploy.NOTIFY_STREAMS.items():
        model = by_table[name.lower()]
        view = getattr(model.Meta, "stream_view_type", None)
        if required or view:
            # change_notices reads old and new images: keys alone would tell it nothing.
            assert view == "NEW_AND_OLD_IMAGES", name
            assert outputs[f"{name}TableStreamArn"] == {
                "Value": {"Fn::GetAtt": [f"{name}Table", "StreamArn"]}
            }
    assert {n.lower() for n in deploy.NOTIFY_STREAMS} == {t for _p, t in MAPPINGS.values()}


def test_stream_reads_are_granted_on_exactly_those_streams_and_nowhere_else(template):
    stream_actions = {
        "dynamodb:GetRecords",
        "dynamodb:GetShardIterator",
        "dynamodb:DescribeStream",
        "dynamodb:ListStreams",
    }
    granting = [s for s in _statements(template) if stream_actions & set(_as_list(s["Action"]))]
    assert [s["Sid"] for s in granting] == ["NotificationStreams"]
    statement = granting[0]
    assert set(_as_list(statement["Action"])) == stream_actions
    assert statement["Resource"] == [
        {"Ref": "RegistrationsStreamArn"},
        {"Ref": "CatalogStreamArn"},
        {"Ref": "CreditsStreamArn"},
        {
            "Fn::If": [
                "ApplicationsStreams",
                {"Ref": "ApplicationsStreamArn"},
                {"Ref": "AWS::NoValue"},
            ]
        },
    ]
    # The dead-letter queue takes the failed batches' records: send, and only there.
    sqs = [
        s for s in _statements(template) if any(a.startswith("sqs:") for a in _as_list(s["Action"]))
    ]
    assert [(s["Action"], s["Resource"]) for s in sqs] == [
        ("sqs:SendMessage", {"Fn::GetAtt": ["NotifyChangesDeadLetterQueue", "Arn"]})
    ]


def test_failed_batches_land_in_an_encrypted_queue_that_pages_the_duty(template):
    queue = template["Resources"]["NotifyChangesDeadLetterQueue"]["Properties"]
    assert queue["SqsManagedSseEnabled"] is True
    assert queue["MessageRetentionPeriod"] == 14 * 24 * 3600
    alarms = _of_type(template, "AWS::CloudWatch::Alarm")
    failed = alarms["NotifyChangesFailedAlarm"]["Properties"]
    assert failed["Namespace"] == "AWS/SQS"
    assert failed["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert failed["Dimensions"] == [
        {
            "Name": "QueueName",
            "Value": {"Fn::GetAtt": ["NotifyChangesDeadLetterQueue", "QueueName"]},
        }
    ]
    assert failed["Threshold"] == 1
    assert failed["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert failed["AlarmActions"] == [{"Ref": "AlarmTopicArn"}]
    watched = {
        (a["Properties"].get("MetricName"), json.dumps(a["Properties"].get("Dimensions")))
        for a in alarms.values()
    }
    for logical in ("NotifyChanges", "MailEvents", "DailyNotifications"):
        dims = json.dumps([{"Name": "FunctionName", "Value": {"Ref": logical}}])
        metric = "IteratorAge" if logical == "NotifyChanges" else "Errors"
        assert (metric, dims) in watched, logical


def test_bounces_and_complaints_go_from_the_configuration_set_to_mail_events(template):
    resources = template["Resources"]
    assert resources["MailConfigurationSet"]["Type"] == "AWS::SES::ConfigurationSet"
    destination = resources["MailConfigurationSetEvents"]["Properties"]
    assert destination["ConfigurationSetName"] == {"Ref": "MailConfigurationSet"}
    events = destination["EventDestination"]
    assert events["Enabled"] is True
    assert sorted(events["MatchingEventTypes"]) == ["bounce", "complaint"]
    assert events["SnsDestination"] == {"TopicARN": {"Ref": "MailEventsTopic"}}
    subscription = resources["MailEventsSubscription"]["Properties"]
    assert subscription == {
        "TopicArn": {"Ref": "MailEventsTopic"},
        "Protocol": "lambda",
        "Endpoint": {"Fn::GetAtt": ["MailEvents", "Arn"]},
    }
    permission = resources["MailEventsInvokePermission"]["Properties"]
    assert permission["FunctionName"] == {"Ref": "MailEvents"}
    assert permission["Principal"] == "sns.amazonaws.com"
    assert permission["SourceArn"] == {"Ref": "MailEventsTopic"}
    # Only SES of this account, for this stage's configuration set, may publish to the topic.
    policy = resources["MailEventsTopicPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    allow = [s for s in policy if s["Effect"] == "Allow"]
    assert len(allow) == 1
    assert allow[0]["Principal"] == {"Service": "ses.amazonaws.com"}
    assert allow[0]["Action"] == "sns:Publish"
    assert allow[0]["Condition"]["StringEquals"] == {"AWS:SourceAccount": {"Ref": "AWS::AccountId"}}
    assert allow[0]["Condition"]["ArnLike"]["AWS:SourceArn"]["Fn::Sub"].endswith(
        ":configuration-set/nmo-portal-${Stage}"
    )
    assert resources["MailConfigurationSet"]["Properties"]["Name"] == {
        "Fn::Sub": "nmo-portal-${Stage}"
    }


def test_mail_is_sent_only_as_the_stages_sender_through_its_configuration_set(template):
    sending = [
        s for s in _statements(template) if any(a.startswith("ses:") for a in _as_list(s["Action"]))
    ]
    assert len(sending) == 1
    statement = sending[0]
    assert sorted(_as_list(statement["Action"])) == ["ses:SendEmail", "ses:SendRawEmail"]
    resources = [json.dumps(r, sort_keys=True) for r in statement["Resource"]]
    assert len(resources) == 3
    assert all(":ses:${AWS::Region}:${AWS::AccountId}:" in r for r in resources)
    assert any("identity/${MailFrom}" in r for r in resources)  # the address verified
    assert any("identity/${Domain}" in r and '"@"' in r for r in resources)  # or its domain
    assert any("configuration-set/${MailConfigurationSet}" in r for r in resources)
    assert statement["Condition"] == {"StringEquals": {"ses:FromAddress": {"Ref": "MailFrom"}}}
    assert "*" not in json.dumps(statement["Resource"])


def test_the_functions_get_the_mail_settings_the_code_reads(template, monkeypatch):
    from chalicelib import settings

    read: set[str] = set()

    def spy(name: str, default: str = "") -> str:
        read.add(name)
        return default

    monkeypatch.setattr(settings, "_env", spy)
    settings.load_from_environment()
    functions = _of_type(template, "AWS::Serverless::Function")
    for logical, function in functions.items():
        variables = function["Properties"]["Environment"]["Variables"]
        assert set(variables) <= read, logical
        assert variables["NMO_STAGE"] == {"Ref": "Stage"}, logical
        assert variables["NMO_TABLE_PREFIX"] == {"Ref": "TablePrefix"}, logical
        assert variables["NMO_SES_EVENTS_TOPIC_ARN"] == {"Ref": "MailEventsTopic"}, logical
    for logical in MAIL_SENDERS:
        variables = functions[logical]["Properties"]["Environment"]["Variables"]
        assert variables["NMO_MAIL_TRANSPORT"] == "ses", logical
        assert variables["NMO_MAIL_FROM"] == {"Ref": "MailFrom"}, logical
        assert variables["NMO_SES_CONFIGURATION_SET"] == {"Ref": "MailConfigurationSet"}, logical
    # mail-events only records bounces: it sends nothing.
    assert (
        "NMO_MAIL_TRANSPORT"
        not in functions["MailEvents"]["Properties"]["Environment"]["Variables"]
    )


def test_every_function_has_a_fixed_name_and_a_log_group_that_expires(template):
    resources = template["Resources"]
    logs = next(s for s in _statements(template) if s.get("Sid") == "OwnLogGroup")
    writable = {r["Fn::Sub"].rsplit("log-group:", 1)[1] for r in logs["Resource"]}
    groups = {
        r["Properties"]["LogGroupName"]["Fn::Sub"]: r["Properties"]
        for r in _of_type(template, "AWS::Logs::LogGroup").values()
    }
    for logical, function in _of_type(template, "AWS::Serverless::Function").items():
        name = function["Properties"]["FunctionName"]["Fn::Sub"]
        group = "/aws/lambda/" + name
        assert groups[group]["RetentionInDays"] == {"Ref": "LogRetentionDays"}, logical
        assert group + ":*" in writable, logical
        depends = _as_list(resources[logical].get("DependsOn", []))
        assert any(resources[d]["Type"] == "AWS::Logs::LogGroup" for d in depends), logical
    for logical in NEW_FUNCTIONS:
        assert resources[logical]["Properties"]["FunctionName"]["Fn::Sub"].startswith(
            "nmo-portal-${Stage}-"
        )


# ---- make deploy ------------------------------------------------------------------------------


def test_deploy_passes_the_tables_stacks_stream_outputs():
    outputs = {
        "RegistrationsTableStreamArn": "arn:aws:dynamodb:r:1:table/p-registrations/stream/1",
        "CatalogTableStreamArn": "arn:aws:dynamodb:r:1:table/p-catalog/stream/1",
        "CreditsTableStreamArn": "arn:aws:dynamodb:r:1:table/p-credits/stream/1",
        "CatalogVersionTableStreamArn": "arn:aws:dynamodb:r:1:table/p-catalog-version/stream/1",
    }
    assert deploy.notify_stream_parameters(outputs) == {
        "RegistrationsStreamArn": outputs["RegistrationsTableStreamArn"],
        "CatalogStreamArn": outputs["CatalogTableStreamArn"],
        "CreditsStreamArn": outputs["CreditsTableStreamArn"],
        "ApplicationsStreamArn": "",  # no stream yet: the mapping is left out
    }
    with_applications = {
        **outputs,
        "ApplicationsTableStreamArn": "arn:aws:dynamodb:r:1:table/p-applications/stream/1",
    }
    assert (
        deploy.notify_stream_parameters(with_applications)["ApplicationsStreamArn"]
        == (with_applications["ApplicationsTableStreamArn"])
    )
    del outputs["CreditsTableStreamArn"]
    with pytest.raises(deploy.DeployError, match="CreditsTableStreamArn"):
        deploy.notify_stream_parameters(outputs)


def test_the_template_parameters_deploy_sets_exist(template):
    parameters = set(template["Parameters"])
    streams = deploy.notify_stream_parameters(
        {f"{n}TableStreamArn": "arn" for n in deploy.NOTIFY_STREAMS}
    )
    assert set(streams) | {"MailFrom"} <= parameters


def test_every_function_runs_the_uploaded_zip(built, tmp_path):
    staged = deploy.stage_api_template(built, "bucket", "pilot/api/abc.zip", tmp_path / "t.json")
    template = json.loads(staged.read_text("utf-8"))
    functions = _of_type(template, "AWS::Serverless::Function")
    assert len(functions) == 5
    assert {f["Properties"]["CodeUri"] for f in functions.values()} == {
        "s3://bucket/pilot/api/abc.zip"
    }


def _config(**values: Any) -> deploy.StageConfig:
    base = deploy.load_stage("pilot")
    return deploy.StageConfig(
        **{
            **base.__dict__,
            "alarm_email": "duty@example.ru",
            "esia_signer_url": "https://signer.example.ru/sign",
            **values,
        }
    )


def test_the_sender_is_a_stage_value_checked_in_russian():
    problems = deploy.stage_problems(_config(mail_from=""))
    assert any("не задан mail_from" in p and "SES" in p for p in problems)
    problems = deploy.stage_problems(_config(mail_from="noreply"))
    assert any("mail_from «noreply» не похож на адрес почты" in p for p in problems)
    assert not [p for p in deploy.stage_problems(_config(mail_from="noreply@nmo.example.ru"))
                if "mail_from" in p]  # fmt: skip
    # The committed stage marks it as a value to replace: listed by the dry run, refused for real.
    committed = deploy.load_stage("pilot")
    assert deploy.is_placeholder(committed.mail_from)
    assert any(
        p.startswith("infra/stages/pilot.json: mail_from = ")
        for p in deploy.placeholders(committed)
    )
    with pytest.raises(deploy.DeployError, match="mail_from"):
        deploy.check_stage(committed, dry_run=False)


class _Ses:
    def __init__(self, identities: dict[str, bool]) -> None:
        self.identities = identities
        self.asked: list[str] = []

    def get_email_identity(self, EmailIdentity: str) -> dict[str, Any]:
        from botocore.exceptions import ClientError

        self.asked.append(EmailIdentity)
        if EmailIdentity not in self.identities:
            raise ClientError(
                {"Error": {"Code": "NotFoundException", "Message": "no"}}, "GetEmailIdentity"
            )
        return {"VerifiedForSendingStatus": self.identities[EmailIdentity]}


class _Session:
    def __init__(self, ses: _Ses) -> None:
        self.ses = ses

    def client(self, name: str) -> _Ses:
        assert name == "sesv2"
        return self.ses


@pytest.mark.parametrize(
    "identities",
    [{"noreply@nmo.example.ru": True}, {"nmo.example.ru": True}],
    ids=["address", "domain"],
)
def test_a_sender_verified_as_address_or_domain_lets_the_deploy_go_on(identities):
    deploy.require_mail_identity(
        _Session(_Ses(identities)), _config(mail_from="noreply@nmo.example.ru")
    )


def test_an_unverified_sender_stops_the_deploy_with_what_to_do():
    ses = _Ses({"nmo.example.ru": False})
    with pytest.raises(deploy.DeployError) as err:
        deploy.require_mail_identity(_Session(ses), _config(mail_from="noreply@nmo.example.ru"))
    assert ses.asked == ["noreply@nmo.example.ru", "nmo.example.ru"]
    assert "не подтверждён" in str(err.value)
    assert "aws sesv2 create-email-identity --email-identity nmo.example.ru" in str(err.value)
