"""Least privilege of the agent's AWS role, proven by the calls real Airflow makes.

1. ``scripts/aws-policy.ts --stack prod`` runs the Pulumi program offline and prints the IAM documents it
   generates for the prod example stack (the same pure functions the deployment uses), twice: as the
   stack is (task logs in the XCom bucket) and with ``backend.taskLogs.bucket`` set (task logs in their own
   bucket, created with S3 Object Lock in GOVERNANCE mode, which makes it versioned and makes S3 refuse a
   PutObject without a checksum header).
2. A local AWS (moto on 127.0.0.1, see aws_recorder.py) gets what the stack creates: the bucket named by
   the rendered XCom path (and the log bucket named by the rendered remote log folder, with its Object
   Lock default retention) with the stack's default encryption (SSE-KMS under the customer key), and
   secrets under the rendered prefixes encrypted with that key, as the program seeds them. The one value
   the mock runtime cannot know, the key's ARN, is bound to the emulator's key.
3. aws_scenario.py runs the agent's real Airflow code, configured only by the rendered chart values,
   while the emulator enforces the generated role policy on every recorded call.

Then: every step works and no call is denied; every granted (statement, action, resource) is used by some
recorded call; the granted set is exactly ``EXPECTED_GRANTS``; and dropping any one granted action makes
the evaluator reject at least one recorded call *and* makes the real Airflow run fail (or leave an XCom
object behind). The trust policies are judged the same way for IRSA and EKS Pod Identity.

``AWS_PROOF_REPORT=<file>`` writes the recorded calls and the grant each one needs to that file.
"""
from __future__ import annotations

import copy
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from aws_recorder import AwsEmulator, Call
from ci_guard import cannot_run
from iam_eval import Request, action_match, evaluate, granted_actions, statement_matches, without_action

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
SCENARIO = HERE / "aws_scenario.py"
STACK = "prod"
ACCOUNT = "123456789012"  # the mock runtime's account id, and moto's default account
KEY_ARN = re.compile(r"arn:aws:kms:[a-z0-9-]+:\d{12}:key/[A-Za-z0-9-]+")
SCENARIO_TIMEOUT = 300

#: Every action the prod stack's inline policy grants, by statement. Not one more, not one fewer: a change
#: to the policy must change this list, and every entry must survive the drop test below.
EXPECTED_GRANTS = [
    ("ReadAirflowSecrets", "secretsmanager:GetSecretValue"),
    ("ListAgentBucket", "s3:ListBucket"),
    ("ReadWriteXComObjects", "s3:GetObject"),
    ("ReadWriteXComObjects", "s3:PutObject"),
    ("ReadWriteXComObjects", "s3:DeleteObject"),
    ("ReadWriteTaskLogs", "s3:GetObject"),
    ("ReadWriteTaskLogs", "s3:PutObject"),
    ("DecryptThroughS3AndSecretsManager", "kms:Decrypt"),
    ("EncryptThroughS3", "kms:GenerateDataKey"),
]

GIT_CONNECTION = {
    "conn_type": "git",
    "login": "bot",
    "password": "proof-pat-4c3b2a19",
    "host": "https://github.com/example-org/data-platform-dags.git",
}
VARIABLE = ("environment", "production")


def _aws_policy(*extra: str) -> dict[str, Any]:
    npx = shutil.which("npx")
    if npx is None or not (REPO / "node_modules").is_dir():
        cannot_run("npx or node_modules missing: cannot run scripts/aws-policy.ts")
    out = subprocess.run(
        [npx, "tsx", "scripts/aws-policy.ts", "--stack", STACK, *extra],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "CI": "true"},
    )
    assert out.returncode == 0, f"scripts/aws-policy.ts failed:\n{out.stderr[-3000:]}"
    return json.loads(out.stdout)


#: The stack as it is, and with task logs in their own Object Lock bucket: every check below runs for both.
VARIANTS = {
    "shared-bucket": [],
    "log-bucket": [
        "--set",
        "backend.taskLogs.bucket.bucketName=agent-task-logs",
        "--set",
        "backend.taskLogs.bucket.objectLock.mode=GOVERNANCE",
        "--set",
        "backend.taskLogs.bucket.objectLock.days=30",
    ],
}


@pytest.fixture(scope="module", params=list(VARIANTS), ids=list(VARIANTS))
def documents(request: pytest.FixtureRequest) -> dict[str, Any]:
    return _aws_policy(*VARIANTS[request.param])


@dataclass
class Run:
    ok: bool
    steps: list[dict[str, Any]]
    calls: list[Call]
    failures: list[str]


class Proof:
    """The emulator prepared like the prod stack, and the scenario runner."""

    def __init__(self, em: AwsEmulator, docs: dict[str, Any]) -> None:
        self.em = em
        env = docs["chart"]["commonEnv"]
        self.env = env
        self.bucket = env["AIRFLOW__COMMON_IO__XCOM_OBJECTSTORAGE_PATH"].split("/")[2]
        log_folder = env.get("AIRFLOW__LOGGING__REMOTE_BASE_LOG_FOLDER", "")
        self.log_bucket = log_folder.split("/")[2] if log_folder else self.bucket
        placeholders = set(KEY_ARN.findall(json.dumps(docs)))
        assert len(placeholders) == 1, f"expected the one created key, found {placeholders}"
        self.key_placeholder = placeholders.pop()
        self.key_arn = em.admin("kms").create_key(Description="agent key (proof)")["KeyMetadata"]["Arn"]
        bound = json.loads(json.dumps(docs).replace(self.key_placeholder, self.key_arn))
        self.policy = bound["roles"][0]["inlinePolicies"][0]["document"]
        assert len(bound["roles"]) == 1 and len(bound["roles"][0]["inlinePolicies"]) == 1
        self.kwargs = json.loads(env["AIRFLOW__SECRETS__BACKEND_KWARGS"])
        self._create_bucket(bound)
        sm = em.admin("secretsmanager")
        sm.create_secret(
            Name=f"{self.kwargs['connections_prefix']}/git_data_platform",
            SecretString=json.dumps(GIT_CONNECTION),
            KmsKeyId=self.key_arn,
        )
        sm.create_secret(
            Name=f"{self.kwargs['variables_prefix']}/{VARIABLE[0]}", SecretString=VARIABLE[1], KmsKeyId=self.key_arn
        )
        self.spec = {
            "env": {
                **{k: v for k, v in env.items() if k.startswith(("AIRFLOW__", "AWS_"))},
                "AIRFLOW__SECRETS__BACKEND": docs["chart"]["secretBackend"],
                "AIRFLOW__CORE__XCOM_BACKEND": docs["chart"]["xcomBackend"],
                "AWS_ENDPOINT_URL": em.endpoint,
                "AWS_ACCESS_KEY_ID": "agent-role-session",
                "AWS_SECRET_ACCESS_KEY": "agent-role-session",
            },
            "connection": {"id": "git_data_platform", "expect": GIT_CONNECTION},
            "variable": {"key": VARIABLE[0], "expect": VARIABLE[1]},
            "missing_variable": "not_configured_anywhere",
            "large_bytes": 7 * 2**20,
            "block_size": 5 * 2**20,
            "task_logs": env.get("AIRFLOW__LOGGING__REMOTE_LOGGING") == "True",
        }

    def _create_bucket(self, bound: dict[str, Any]) -> None:
        s3 = self.em.admin("s3")
        # Every created bucket is encrypted the same way (the one customer key).
        rules = [enc["rules"] for enc in bound["bucketEncryption"]]
        assert len(rules) == len({self.bucket, self.log_bucket}) and all(r == rules[0] for r in rules), rules
        (rule,) = rules[0]
        default = rule["applyServerSideEncryptionByDefault"]
        locks = bound["bucketObjectLock"]
        assert len(locks) == (0 if self.log_bucket == self.bucket else 1), locks
        for bucket in sorted({self.bucket, self.log_bucket}):
            locked = bucket != self.bucket and bool(locks)
            s3.create_bucket(
                Bucket=bucket,
                CreateBucketConfiguration={"LocationConstraint": self.em.region},
                **({"ObjectLockEnabledForBucket": True} if locked else {}),
            )
            if locked:
                retention = locks[0]["rule"]["defaultRetention"]
                s3.put_object_lock_configuration(
                    Bucket=bucket,
                    ObjectLockConfiguration={
                        "ObjectLockEnabled": "Enabled",
                        "Rule": {"DefaultRetention": {"Mode": retention["mode"], "Days": retention["days"]}},
                    },
                )
            self._encrypt(s3, bucket, rule, default)

    @staticmethod
    def _encrypt(s3: Any, bucket: str, rule: dict[str, Any], default: dict[str, Any]) -> None:
        s3.put_bucket_encryption(
            Bucket=bucket,
            ServerSideEncryptionConfiguration={
                "Rules": [
                    {
                        "ApplyServerSideEncryptionByDefault": {
                            "SSEAlgorithm": default["sseAlgorithm"],
                            **({"KMSMasterKeyID": default["kmsMasterKeyId"]} if "kmsMasterKeyId" in default else {}),
                        },
                        "BucketKeyEnabled": bool(rule.get("bucketKeyEnabled")),
                    }
                ]
            },
        )

    def objects(self, bucket: str | None = None) -> list[str]:
        out = self.em.admin("s3").list_objects_v2(Bucket=bucket or self.bucket)
        return [o["Key"] for o in out.get("Contents", [])]

    def run(self, policy: dict[str, Any] | None) -> Run:
        """One fresh Airflow process under ``policy`` (enforced), starting from empty buckets (in the
        Object Lock bucket a delete leaves a delete marker over the locked version: the log is gone for
        readers, as after expiry)."""
        s3 = self.em.admin("s3")
        for bucket in {self.bucket, self.log_bucket}:
            for key in self.objects(bucket):
                s3.delete_object(Bucket=bucket, Key=key)
        self.em.take_calls()
        self.em.policies = None if policy is None else {"agent-inline": policy}
        with tempfile.TemporaryDirectory() as tmp:
            spec_path, result_path = Path(tmp, "spec.json"), Path(tmp, "result.json")
            spec_path.write_text(json.dumps(self.spec))
            proc = subprocess.run(
                [sys.executable, str(SCENARIO), str(spec_path), str(result_path)],
                capture_output=True,
                text=True,
                timeout=SCENARIO_TIMEOUT,
            )
            if not result_path.exists():
                raise AssertionError(f"aws_scenario.py wrote no result (exit {proc.returncode}):\n{proc.stderr[-4000:]}")
            steps = json.loads(result_path.read_text())["steps"]
        self.em.policies = None
        calls = self.em.take_calls()
        failures = [f"{s['name']}: {s['error']}" for s in steps if not s["ok"]]
        for s in steps:
            if s["ok"] and s["name"].startswith("xcom"):
                key = s["path"].split("/", 3)[3]
                if key in self.objects():
                    failures.append(f"{s['name']}: the purged XCom object {key} is still in the bucket")
        failures += [f"unmapped call {c.http}" for c in calls if c.operation == "UNMAPPED"]
        return Run(not failures, steps, calls, failures)


@pytest.fixture(scope="module")
def proof(documents: dict[str, Any]) -> Any:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    region = documents["chart"]["commonEnv"]["AWS_REGION"]
    with AwsEmulator(region, account=ACCOUNT) as em:
        yield Proof(em, documents)


@pytest.fixture(scope="module")
def baseline(proof: Proof) -> Run:
    run = proof.run(proof.policy)
    report = os.environ.get("AWS_PROOF_REPORT")
    if report:
        Path(report).write_text(_report(proof.policy, run))
    return run


def _grant_of(policy: dict[str, Any], call: Call) -> list[str]:
    out = []
    for i, st in enumerate(policy["Statement"]):
        if statement_matches(st, call.request()):
            out.append(str(st.get("Sid", i)))
    return out


def _report(policy: dict[str, Any], run: Run) -> str:
    lines = [f"scenario ok: {run.ok} {run.failures}"]
    lines += [f"  step {json.dumps({k: v for k, v in s.items() if k != 'trace'})}" for s in run.steps]
    lines += ["", "seq status allowed  statement(s)  call"]
    for c in run.calls:
        lines.append(f"{c.seq:>3} {c.status} {str(c.allowed):<7} {','.join(_grant_of(policy, c)):<34} {c.describe()}")
    lines += ["", "first recorded call needing each granted action:"]
    for i, sid, action in granted_actions(policy):
        first = next(
            (c for c in run.calls if c.allowed and action_match(action, c.action) and statement_matches(policy["Statement"][i], c.request())),
            None,
        )
        lines.append(f"  {sid:<34} {action:<30} <- {first.describe() if first else 'NONE'}")
    return "\n".join(lines) + "\n"


# ----- the generated documents ----------------------------------------------------------------------------


def test_granted_actions_are_exactly_the_expected_set(proof: Proof) -> None:
    granted = [(sid, action) for _, sid, action in granted_actions(proof.policy)]
    assert granted == EXPECTED_GRANTS
    assert all(st["Effect"] == "Allow" for st in proof.policy["Statement"])
    assert "secretsmanager:DescribeSecret" not in json.dumps(proof.policy)


# ----- the real Airflow run under the generated policy ----------------------------------------------------


def test_airflow_works_under_the_generated_policy(baseline: Run) -> None:
    assert baseline.ok, "\n".join(baseline.failures + [s.get("trace", "") for s in baseline.steps if not s["ok"]])
    names = [s["name"] for s in baseline.steps]
    assert names == ["secrets", "xcom", "xcom-multipart", "task-logs"], names


def test_every_recorded_call_is_allowed(baseline: Run) -> None:
    denied = [c.describe() for c in baseline.calls if c.allowed is not True]
    assert not denied, "denied or unjudged calls:\n" + "\n".join(denied)


def test_the_run_exercises_push_pull_purge_multipart_secrets_logs_and_kms(proof: Proof, baseline: Run) -> None:
    ops = {c.operation for c in baseline.calls}
    for op in (
        "GetSecretValue",
        "HeadBucket",
        "HeadObject",
        "ListObjectsV2",
        "PutObject",
        "GetObject",
        "DeleteObjects",
        "CreateMultipartUpload",
        "UploadPart",
        "CompleteMultipartUpload",
    ):
        assert op in ops, f"no {op} recorded: {sorted(ops)}"
    kms = {(c.operation, c.action) for c in baseline.calls if c.action.startswith("kms:")}
    assert kms == {
        ("GetSecretValue", "kms:Decrypt"),
        ("GetObject", "kms:Decrypt"),
        ("UploadPart", "kms:Decrypt"),
        ("PutObject", "kms:GenerateDataKey"),
        ("CreateMultipartUpload", "kms:GenerateDataKey"),
    }, kms
    logs = [c for c in baseline.calls if "/logs/" in c.resource]
    assert {c.operation for c in logs} >= {"PutObject", "GetObject", "HeadObject"}, [c.describe() for c in logs]
    log_bucket = f"arn:aws:s3:::{proof.log_bucket}/"
    assert all(c.resource.startswith(log_bucket) for c in logs), [c.describe() for c in logs]


def test_task_logs_land_in_the_log_bucket_and_xcom_in_the_xcom_bucket(proof: Proof, baseline: Run) -> None:
    """With a log bucket, every log write goes there (under Object Lock each upload is a new version) and
    no call of the run touches a log key in the XCom bucket; without one, both share the XCom bucket."""
    puts = [c for c in baseline.calls if c.operation == "PutObject" and c.allowed]
    log_puts = [c for c in puts if "/logs/" in c.resource]
    assert log_puts and all(c.resource.startswith(f"arn:aws:s3:::{proof.log_bucket}/logs/") for c in log_puts)
    xcom_puts = [c for c in puts if "/xcom/" in c.resource]
    assert xcom_puts and all(c.resource.startswith(f"arn:aws:s3:::{proof.bucket}/xcom/") for c in xcom_puts)
    if proof.log_bucket != proof.bucket:
        versions = proof.em.admin("s3").list_object_versions(Bucket=proof.log_bucket).get("Versions", [])
        assert len(versions) >= 2, f"two uploads of one log should leave two locked versions: {versions}"


def test_no_granted_action_or_resource_is_unused(proof: Proof, baseline: Run) -> None:
    unused = []
    for i, st in enumerate(proof.policy["Statement"]):
        for action in st["Action"] if isinstance(st["Action"], list) else [st["Action"]]:
            for resource in st["Resource"] if isinstance(st["Resource"], list) else [st["Resource"]]:
                narrowed = {**st, "Action": action, "Resource": resource}
                if not any(c.allowed and statement_matches(narrowed, c.request()) for c in baseline.calls):
                    unused.append(f"{st.get('Sid', i)}: {action} on {resource}")
    assert not unused, "granted but never needed by a recorded call:\n" + "\n".join(unused)


@pytest.mark.parametrize("sid,action", EXPECTED_GRANTS, ids=[f"{s}-{a}" for s, a in EXPECTED_GRANTS])
def test_dropping_a_granted_action_breaks_the_agent(proof: Proof, baseline: Run, sid: str, action: str) -> None:
    index = next(i for i, st in enumerate(proof.policy["Statement"]) if st.get("Sid") == sid)
    reduced = without_action(proof.policy, index, action)
    # 1. the evaluator rejects at least one call the real run made and the full policy allowed
    rejected = [
        c for c in baseline.calls if c.allowed and not evaluate({"agent-inline": reduced}, c.request()).allowed
    ]
    assert rejected, f"no recorded call needs {action} from {sid}"
    # 2. and real Airflow under the reduced policy fails (or silently leaves an XCom object behind)
    run = proof.run(reduced)
    assert not run.ok, f"Airflow still works without {action} in {sid}: the grant is not needed"
    print(f"without {sid}/{action}: {rejected[0].describe()} is denied; the run fails: {run.failures}")


def test_the_previously_shipped_prefix_conditioned_listbucket_breaks_xcom_push(proof: Proof) -> None:
    """Regression (issue 9.1): ListBucket limited by s3:prefix leaves HeadBucket and the 404 check denied."""
    old = copy.deepcopy(proof.policy)
    for st in old["Statement"]:
        if st.get("Sid") == "ListAgentBucket":
            st["Condition"] = {"StringLike": {"s3:prefix": ["xcom", "xcom/*"]}}
    run = proof.run(old)
    assert any(f.startswith("xcom:") and "PermissionError" in f for f in run.failures), run.failures


# ----- trust: exactly the agent's ServiceAccounts ----------------------------------------------------------


def test_irsa_trust_admits_exactly_the_agent_service_accounts(documents: dict[str, Any]) -> None:
    trust = documents["roles"][0]["trustPolicy"]
    (st,) = trust["Statement"]
    provider = st["Principal"]["Federated"]
    issuer = provider.split(":oidc-provider/", 1)[1]
    sas = documents["serviceAccounts"]
    assert sas and {sa["namespace"] for sa in sas} == {"astro-agent"}

    def assume(namespace: str, name: str, *, aud: str = "sts.amazonaws.com", who: str = provider) -> bool:
        ctx = {f"{issuer}:sub": f"system:serviceaccount:{namespace}:{name}", f"{issuer}:aud": aud}
        req = Request("sts:AssumeRoleWithWebIdentity", "arn:aws:iam::123456789012:role/agent", ctx, {"Federated": who})
        return evaluate({"trust": trust}, req).allowed

    for sa in sas:
        assert assume(sa["namespace"], sa["name"]), sa
    assert not assume("astro-agent", "default")
    assert not assume("other-namespace", sas[0]["name"])
    assert not assume("astro-agent", sas[0]["name"], aud="other")
    assert not assume("astro-agent", sas[0]["name"], who=provider.replace("EXAMPLE", "OTHERCL"))


def test_pod_identity_trust_admits_exactly_this_clusters_agent_service_accounts() -> None:
    docs = _aws_policy("--set", "backend.identity=podIdentity")
    trust = docs["roles"][0]["trustPolicy"]
    sas = docs["serviceAccounts"]
    cluster = f"arn:aws:eks:eu-west-1:{ACCOUNT}:cluster/data-platform-prod"
    assert {(a["namespace"], a["serviceAccount"]) for a in docs["podIdentityAssociations"]} == {
        (sa["namespace"], sa["name"]) for sa in sas
    }
    assert all(a["disableSessionTags"] is False for a in docs["podIdentityAssociations"])

    def assume(action: str, namespace: str, name: str, *, account: str = ACCOUNT, arn: str = cluster) -> bool:
        # the six session tags Pod Identity sets, and the account it acts for
        ctx = {
            "aws:SourceAccount": account,
            "aws:RequestTag/eks-cluster-arn": arn,
            "aws:RequestTag/eks-cluster-name": arn.rsplit("/", 1)[1],
            "aws:RequestTag/kubernetes-namespace": namespace,
            "aws:RequestTag/kubernetes-service-account": name,
            "aws:RequestTag/kubernetes-pod-name": f"{name}-7d9f8-abcde",
            "aws:RequestTag/kubernetes-pod-uid": "0c1e2d3f-4a5b-6c7d-8e9f-a0b1c2d3e4f5",
        }
        req = Request(action, "arn:aws:iam::123456789012:role/agent", ctx, {"Service": "pods.eks.amazonaws.com"})
        return evaluate({"trust": trust}, req).allowed

    for action in ("sts:AssumeRole", "sts:TagSession"):
        for sa in sas:
            assert assume(action, sa["namespace"], sa["name"]), (action, sa)
        first = sas[0]["name"]
        assert not assume(action, "astro-agent", "default")
        assert not assume(action, "kube-system", first)
        assert not assume(action, "astro-agent", first, arn=cluster.replace("data-platform-prod", "other-cluster"))
        assert not assume(action, "astro-agent", first, account="999999999999")
