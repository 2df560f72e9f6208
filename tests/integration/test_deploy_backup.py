"""AWS Backup beside PITR: daily, 35 days, copied to a vault in another region, every table."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "infra"))

import deploy  # noqa: E402
import package as api_package  # noqa: E402


def test_the_plan_is_daily_for_35_days_with_a_copy_to_the_second_vault():
    resources = api_package.load_template(ROOT / "infra" / "backup.yaml")["Resources"]
    (rule,) = resources["Plan"]["Properties"]["BackupPlan"]["BackupPlanRule"]
    assert rule["ScheduleExpression"].startswith("cron(0 1 * * ? *")
    assert rule["Lifecycle"]["DeleteAfterDays"] == 35
    (copy,) = rule["CopyActions"]
    assert copy["DestinationBackupVaultArn"] == {"Ref": "CopyVaultArn"}
    assert copy["Lifecycle"]["DeleteAfterDays"] == 35
    selected = resources["Selection"]["Properties"]["BackupSelection"]["Resources"]
    assert selected == [
        {
            "Fn::Sub": "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:"
            "table/${TablePrefix}*"
        }
    ]


def test_the_copy_region_must_differ_from_the_stage_region(tmp_path):
    config = deploy.load_stage("pilot")
    same = deploy.StageConfig(**{**config.__dict__, "backup_copy_region": config.region})
    assert any("backup_copy_region совпадает" in p for p in deploy.stage_problems(same))
    assert not any("backup_copy_region" in p for p in deploy.stage_problems(config))
