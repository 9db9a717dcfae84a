"""The recording layer in front of moto: wire → IAM request mapping, enforcement, unmapped calls."""
from __future__ import annotations

import json
import logging

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from aws_recorder import AwsEmulator

REGION = "eu-west-1"


@pytest.fixture(scope="module")
def em():
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    with AwsEmulator(REGION) as emulator:
        s3 = emulator.admin("s3")
        s3.create_bucket(Bucket="bkt", CreateBucketConfiguration={"LocationConstraint": REGION})
        key = emulator.admin("kms").create_key()["KeyMetadata"]["Arn"]
        s3.create_bucket(Bucket="encrypted", CreateBucketConfiguration={"LocationConstraint": REGION})
        s3.put_bucket_encryption(
            Bucket="encrypted",
            ServerSideEncryptionConfiguration={
                "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key}}]
            },
        )
        emulator.admin("secretsmanager").create_secret(Name="p/connections/c", SecretString="{}", KmsKeyId=key)
        emulator.key_arn = key  # type: ignore[attr-defined]
        yield emulator


def client(em: AwsEmulator, service: str):
    return boto3.client(
        service,
        region_name=REGION,
        endpoint_url=em.endpoint,
        aws_access_key_id="agent",
        aws_secret_access_key="agent",
        config=Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"}),
    )


def test_admin_calls_are_not_recorded(em: AwsEmulator) -> None:
    em.take_calls()
    em.admin("s3").list_objects_v2(Bucket="bkt")
    assert em.take_calls() == []


def test_s3_operations_map_to_their_iam_actions_and_condition_keys(em: AwsEmulator) -> None:
    em.take_calls()
    s3 = client(em, "s3")
    s3.head_bucket(Bucket="bkt")
    s3.get_bucket_location(Bucket="bkt")
    s3.list_objects_v2(Bucket="bkt", Prefix="xcom/", Delimiter="/", MaxKeys=5)
    s3.put_object(Bucket="bkt", Key="xcom/k", Body=b"v")
    s3.get_object(Bucket="bkt", Key="xcom/k")["Body"].read()
    with pytest.raises(ClientError):
        s3.head_object(Bucket="bkt", Key="xcom/missing")
    s3.delete_objects(Bucket="bkt", Delete={"Objects": [{"Key": "xcom/k"}]})
    got = [(c.operation, c.action, c.resource, c.context) for c in em.take_calls()]
    assert got == [
        ("HeadBucket", "s3:ListBucket", "arn:aws:s3:::bkt", {}),
        ("GetBucketLocation", "s3:GetBucketLocation", "arn:aws:s3:::bkt", {}),
        (
            "ListObjectsV2",
            "s3:ListBucket",
            "arn:aws:s3:::bkt",
            {"s3:prefix": "xcom/", "s3:delimiter": "/", "s3:max-keys": "5"},
        ),
        ("PutObject", "s3:PutObject", "arn:aws:s3:::bkt/xcom/k", {}),
        ("GetObject", "s3:GetObject", "arn:aws:s3:::bkt/xcom/k", {}),
        ("HeadObject", "s3:GetObject", "arn:aws:s3:::bkt/xcom/missing", {}),
        ("HeadObject", "s3:ListBucket", "arn:aws:s3:::bkt", {}),
        ("DeleteObjects", "s3:DeleteObject", "arn:aws:s3:::bkt/xcom/k", {}),
    ]


def test_customer_keys_add_the_kms_calls_s3_and_secrets_manager_make_for_the_caller(em: AwsEmulator) -> None:
    em.take_calls()
    s3 = client(em, "s3")
    s3.put_object(Bucket="encrypted", Key="k", Body=b"v")
    s3.get_object(Bucket="encrypted", Key="k")["Body"].read()
    client(em, "secretsmanager").get_secret_value(SecretId="p/connections/c")
    kms = [(c.operation, c.action, c.resource, c.context["kms:ViaService"]) for c in em.take_calls() if c.action.startswith("kms:")]
    key = em.key_arn  # type: ignore[attr-defined]
    assert kms == [
        ("PutObject", "kms:GenerateDataKey", key, "s3.eu-west-1.amazonaws.com"),
        ("GetObject", "kms:Decrypt", key, "s3.eu-west-1.amazonaws.com"),
        ("GetSecretValue", "kms:Decrypt", key, "secretsmanager.eu-west-1.amazonaws.com"),
    ]


def test_denied_calls_get_aws_errors_and_missing_objects_403_without_list(em: AwsEmulator) -> None:
    em.policies = {
        "p": {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bkt/*"}],
        }
    }
    try:
        s3 = client(em, "s3")
        with pytest.raises(ClientError) as denied:
            s3.put_object(Bucket="bkt", Key="k", Body=b"v")
        assert denied.value.response["Error"]["Code"] == "AccessDenied"
        with pytest.raises(ClientError) as missing:
            s3.head_object(Bucket="bkt", Key="nope")
        assert missing.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
        with pytest.raises(ClientError) as sm:
            client(em, "secretsmanager").get_secret_value(SecretId="p/connections/c")
        assert sm.value.response["Error"]["Code"] == "AccessDeniedException"
        out = s3.delete_objects(Bucket="bkt", Delete={"Objects": [{"Key": "x"}]})
        assert [e["Code"] for e in out["Errors"]] == ["AccessDenied"]
    finally:
        em.policies = None
    decisions = [(c.operation, c.action, c.allowed) for c in em.take_calls()]
    assert decisions == [
        ("PutObject", "s3:PutObject", False),
        ("HeadObject", "s3:GetObject", True),
        ("HeadObject", "s3:ListBucket", False),
        ("GetSecretValue", "secretsmanager:GetSecretValue", False),
        ("GetSecretValue", "kms:Decrypt", False),
        ("DeleteObjects", "s3:DeleteObject", False),
    ]


def test_unmapped_calls_are_recorded_and_refused(em: AwsEmulator) -> None:
    em.take_calls()
    with pytest.raises(ClientError):
        client(em, "s3").get_object_tagging(Bucket="bkt", Key="k")
    with pytest.raises(ClientError):
        client(em, "secretsmanager").list_secret_version_ids(SecretId="p/connections/c")
    calls = em.take_calls()
    assert [(c.operation, c.status) for c in calls] == [("UNMAPPED", 501), ("UNMAPPED", 501)]
    assert json.dumps([c.to_json() for c in calls])
