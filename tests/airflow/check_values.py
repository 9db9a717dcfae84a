#!/usr/bin/env python3
"""Let real Apache Airflow judge the Airflow-facing strings in rendered agent chart values.

Usage (run with the interpreter printed by tests/airflow/venv.sh):

    python tests/airflow/check_values.py [--json] VALUES.yaml [VALUES.yaml ...]

For every values file it checks, with Airflow's own code and without any network access:

* ``secretBackend`` imports (Airflow's ``import_string``) and is a secrets backend; the
  ``AIRFLOW__SECRETS__BACKEND_KWARGS`` env entry parses as a JSON object; every kwarg is accepted by the
  class (signature of the class, its bases and where it forwards ``**kwargs`` — see FORWARDS); the backend is
  instantiated through ``conf._get_custom_secret_backend()`` exactly like Airflow does.
* ``xcomBackend`` imports and is a ``BaseXCom``; for ``XComObjectStorageBackend`` the
  ``AIRFLOW__COMMON_IO__XCOM_OBJECTSTORAGE_*`` entries are read back through common-io's own helpers
  (``_get_base_path`` / ``_get_threshold`` / ``_get_compression`` / ``_get_compression_suffix``).
* ``dagBundleConfigList`` is parsed by ``DagBundlesManager`` (env ``AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST``)
  and each bundle is built with ``manager.get_bundle(name)`` after its kwargs were checked against the signature.
* every ``AIRFLOW_CONN_*`` env value (commonEnv, workers[].env, triggerer.env, dagProcessor.env) deserialises as
  an Airflow Connection; every ``AIRFLOW__SECTION__KEY`` env name is an option of Airflow's or a provider's
  config schema (typed options are read back with ``conf.getint``/``getboolean``/``getfloat``).

Exit status 1 when any check fails. The last line of the text output is ``files: N passed, N failed``.
"""
from __future__ import annotations

import argparse
import contextlib
import inspect
import io
import json
import logging
import os
import re
import socket
import sys
import tempfile
import traceback
import warnings
from dataclasses import asdict, dataclass, field
from typing import Any, Callable

import yaml

# --------------------------------------------------------------------------------------------------------------
# Process isolation. Must run before Airflow is imported: Airflow reads AIRFLOW_HOME and env config at import.
# --------------------------------------------------------------------------------------------------------------

_NETWORK_ATTEMPTS: list[str] = []


def _isolate_process() -> None:
    for name in list(os.environ):
        if name.startswith(("AIRFLOW__", "AIRFLOW_CONN_", "AIRFLOW_VAR_")) or name in (
            "GOOGLE_APPLICATION_CREDENTIALS",
            "VAULT_TOKEN",
            "VAULT_ADDR",
        ):
            del os.environ[name]
    home = tempfile.mkdtemp(prefix="astro-airflow-check-")
    os.environ.update(
        {
            "AIRFLOW_HOME": home,
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
            "AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_STORAGE_PATH": os.path.join(home, "bundles"),
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "CRITICAL",
            # keep cloud SDKs from probing instance-metadata endpoints or reading the user's credentials
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_CONFIG_FILE": os.path.join(home, "no-aws-config"),
            "AWS_SHARED_CREDENTIALS_FILE": os.path.join(home, "no-aws-credentials"),
            "NO_GCE_CHECK": "True",
            "CLOUDSDK_CONFIG": os.path.join(home, "no-gcloud"),
        }
    )

    # Hard guard: no IP traffic and no DNS from this process. Attempts are recorded and reported.
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def _blocked(self: socket.socket, address: Any, real: Callable) -> Any:
        if self.family in (socket.AF_INET, socket.AF_INET6):
            _NETWORK_ATTEMPTS.append(repr(address))
            raise OSError(f"network access blocked by check_values.py: {address!r}")
        return real(self, address)

    socket.socket.connect = lambda self, address: _blocked(self, address, real_connect)  # type: ignore[method-assign]
    socket.socket.connect_ex = lambda self, address: _blocked(self, address, real_connect_ex)  # type: ignore[method-assign]

    def _no_dns(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host in (None, "localhost") or (isinstance(host, str) and re.fullmatch(r"[\d.:]+", host)):
            return _real_getaddrinfo(host, *args, **kwargs)
        _NETWORK_ATTEMPTS.append(f"dns:{host}")
        raise socket.gaierror(f"DNS lookup of {host!r} blocked by check_values.py")

    _real_getaddrinfo = socket.getaddrinfo
    socket.getaddrinfo = _no_dns  # type: ignore[assignment]


_isolate_process()
_BASE_ENV = dict(os.environ)

# --------------------------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------------------------

PASS, FAIL, WARN, SKIP = "pass", "fail", "warn", "skip"


@dataclass
class Result:
    status: str
    check: str
    path: str
    message: str = ""


@dataclass
class FileReport:
    file: str
    results: list[Result] = field(default_factory=list)

    def add(self, status: str, check: str, path: str, message: str = "") -> None:
        self.results.append(Result(status, check, path, message))

    @property
    def passed(self) -> int:
        return sum(r.status == PASS for r in self.results)

    @property
    def failed(self) -> int:
        return sum(r.status == FAIL for r in self.results)

    @property
    def warned(self) -> int:
        return sum(r.status == WARN for r in self.results)

    @property
    def ok(self) -> bool:
        return self.failed == 0


# --------------------------------------------------------------------------------------------------------------
# Airflow imports (after isolation)
# --------------------------------------------------------------------------------------------------------------

with contextlib.redirect_stderr(io.StringIO()), warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import airflow
    from airflow.configuration import conf
    from airflow._shared.module_loading import import_string

logging.disable(logging.CRITICAL)

AIRFLOW_VERSION = airflow.__version__

KNOWN_XCOM_SCHEMES = {"s3": "s3", "gs": "gcs", "gcs": "gcs", "abfs": "azure", "abfss": "azure", "file": "file"}
OBJECT_STORAGE_XCOM = "airflow.providers.common.io.xcom.backend.XComObjectStorageBackend"

# Classes whose __init__ is never a target for user kwargs even if **kwargs reaches them.
_NOT_A_KWARGS_TARGET = {"builtins.object", "abc.ABC", "airflow.utils.log.logging_mixin.LoggingMixin"}


def _qual(obj: Any) -> str:
    return f"{obj.__module__}.{obj.__qualname__}"


# ----- allow-lists for **kwargs that inspection cannot follow -------------------------------------------------


def _aws_connection_extra_keys() -> set[str]:
    """Keys AwsConnectionWrapper reads from a connection's extra (SecretsManager/SSM forward **kwargs there).

    Named parameters of ``_get_credentials`` / ``_get_assume_role_configs`` are inspected; the remaining keys are
    read with ``extra[...]`` / ``extra.get(...)`` in ``AwsConnectionWrapper.__post_init__`` and ``BaseSessionFactory``
    and are listed here (each is verified to still occur in the provider source, see _self_check).
    """
    from airflow.providers.amazon.aws.utils.connection_wrapper import AwsConnectionWrapper

    keys = set(AWS_EXTRA_STATIC)
    for fn in (AwsConnectionWrapper._get_credentials, AwsConnectionWrapper._get_assume_role_configs):
        keys |= {
            p.name
            for p in inspect.signature(fn).parameters.values()
            if p.name != "self" and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
        }
    return keys


AWS_EXTRA_STATIC = {
    "region_name",
    "verify",
    "profile_name",
    "config_kwargs",
    "endpoint_url",
    "service_config",
    "assume_role_with_saml",
    "assume_role_with_web_identity_federation",
    "assume_role_with_web_identity_token_file",
    "assume_role_with_web_identity_federation_audience",
}
AWS_EXTRA_SOURCES = (
    "airflow.providers.amazon.aws.utils.connection_wrapper",
    "airflow.providers.amazon.aws.hooks.base_aws",
)

# AzureKeyVaultBackend stores **kwargs and passes them to azure.keyvault.secrets.SecretClient(**kwargs), which
# pops api_version / verify_challenge_resource and hands everything else to the azure-core pipeline, which
# silently ignores unknown names. Only documented SecretClient / azure-core transport options are allowed.
AZURE_SECRET_CLIENT_KWARGS = {
    "api_version",
    "verify_challenge_resource",
    "logging_enable",
    "retry_total",
    "retry_connect",
    "retry_read",
    "retry_status",
    "retry_backoff_factor",
    "retry_backoff_max",
    "retry_mode",
    "timeout",
    "connection_timeout",
    "read_timeout",
    "connection_verify",
    "connection_cert",
    "proxies",
    "user_agent",
    "headers",
}

# Where a class does not pass **kwargs to its base class. Values:
#   ("call", "<dotted callable>")  - forwarded to that callable's signature (followed recursively)
#   ("allow", fn-or-set)           - explicit allow-list
FORWARDS: dict[str, tuple[str, Any]] = {
    "airflow.providers.amazon.aws.secrets.secrets_manager.SecretsManagerBackend": ("allow", _aws_connection_extra_keys),
    "airflow.providers.amazon.aws.secrets.systems_manager.SystemsManagerParameterStoreBackend": (
        "allow",
        _aws_connection_extra_keys,
    ),
    "airflow.providers.microsoft.azure.secrets.key_vault.AzureKeyVaultBackend": ("allow", AZURE_SECRET_CLIENT_KWARGS),
    "airflow.providers.hashicorp.secrets.vault.VaultBackend": (
        "call",
        "airflow.providers.hashicorp._internal_client.vault_client._VaultClient",
    ),
    # _VaultClient keeps **kwargs and calls hvac.Client(url=self.url, **self.kwargs)
    "airflow.providers.hashicorp._internal_client.vault_client._VaultClient": ("call", "hvac.Client"),
    # hvac.Client passes its **kwargs to the adapter class (JSONAdapter by default)
    "hvac.v1.Client": ("call", "hvac.adapters.JSONAdapter"),
}


@dataclass
class Signature:
    accepted: set[str]
    required: set[str]
    sources: list[str]


def accepted_kwargs(target: Any, supplied: set[str] = frozenset()) -> Signature:  # type: ignore[assignment]
    """Keyword arguments ``target`` (class or callable) accepts, following **kwargs (see FORWARDS)."""
    accepted: set[str] = set()
    required: set[str] = set()
    sources: list[str] = []
    seen: set[str] = set()

    def visit(obj: Any, top: bool) -> None:
        if inspect.isclass(obj):
            # next class in the MRO that defines __init__
            owner = next((c for c in obj.__mro__ if "__init__" in c.__dict__), object)
            key = _qual(owner)
            func = owner.__init__
            mro_rest = obj.__mro__[obj.__mro__.index(owner) + 1 :]
        else:
            key, func, mro_rest = _qual(obj), obj, ()
        if key in seen or key in _NOT_A_KWARGS_TARGET:
            return
        seen.add(key)
        sources.append(key)
        sig = inspect.signature(func)
        has_var_kw = False
        for p in sig.parameters.values():
            if p.name == "self" or p.kind == p.VAR_POSITIONAL or p.kind == p.POSITIONAL_ONLY:
                continue
            if p.kind == p.VAR_KEYWORD:
                has_var_kw = True
                continue
            accepted.add(p.name)
            if top and p.default is p.empty:
                required.add(p.name)
        if not has_var_kw:
            return
        # keys the function itself takes out of **kwargs (kwargs.pop("x") / kwargs.get("x") / kwargs["x"])
        var_kw = next(p.name for p in sig.parameters.values() if p.kind == p.VAR_KEYWORD)
        try:
            src = inspect.getsource(func)
            accepted.update(re.findall(rf"\b{var_kw}\s*(?:\.(?:pop|get)\(\s*|\[\s*)[\"']([A-Za-z_][A-Za-z0-9_]*)[\"']", src))
        except (OSError, TypeError):
            pass
        forward = FORWARDS.get(key) or (FORWARDS.get(_qual(obj)) if inspect.isclass(obj) else None)
        if forward is None:
            # default: **kwargs goes to super().__init__
            nxt = next((c for c in mro_rest if "__init__" in c.__dict__), None)
            if nxt is not None:
                visit(nxt, top)
            return
        kind, spec = forward
        if kind == "allow":
            accepted.update(spec() if callable(spec) else spec)
            sources.append(f"allow-list[{key.rsplit('.', 1)[-1]}]")
        else:
            visit(import_string(spec), False)

    visit(target, True)
    return Signature(accepted - set(supplied), required - set(supplied), sources)


# --------------------------------------------------------------------------------------------------------------
# Values helpers
# --------------------------------------------------------------------------------------------------------------


@dataclass
class EnvEntry:
    name: str
    value: str | None  # None when valueFrom / not a string
    path: str  # e.g. commonEnv[AIRFLOW__SECRETS__BACKEND_KWARGS]
    raw: Any = None


def _env_lists(values: dict) -> list[tuple[str, Any]]:
    lists: list[tuple[str, Any]] = [("commonEnv", values.get("commonEnv"))]
    for i, w in enumerate(values.get("workers") or []):
        if isinstance(w, dict):
            lists.append((f"workers[{i}]({w.get('name', '?')}).env", w.get("env")))
    for comp in ("triggerer", "dagProcessor"):
        c = values.get(comp)
        if isinstance(c, dict):
            lists.append((f"{comp}.env", c.get("env")))
    return lists


def _parse_env_list(prefix: str, lst: Any, report: FileReport) -> list[EnvEntry]:
    out: list[EnvEntry] = []
    if lst is None:
        return out
    if not isinstance(lst, list):
        report.add(FAIL, "env", prefix, f"must be a list of {{name, value}} objects, got {type(lst).__name__}")
        return out
    names: dict[str, int] = {}
    for i, item in enumerate(lst):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            report.add(FAIL, "env", f"{prefix}[{i}]", f"not a {{name, value}} object: {item!r}")
            continue
        name = item["name"]
        path = f"{prefix}[{name}]"
        if name in names:
            report.add(FAIL, "env", path, f"duplicate env name (also at index {names[name]}); the last one wins")
        names[name] = i
        if "valueFrom" in item:
            out.append(EnvEntry(name, None, path, item))
            continue
        value = item.get("value")
        if not isinstance(value, str):
            report.add(
                FAIL,
                "env",
                path,
                f"value must be a string (Kubernetes EnvVar.value), got {type(value).__name__} {value!r}",
            )
            out.append(EnvEntry(name, None, path, item))
            continue
        out.append(EnvEntry(name, value, path, item))
    return out


@contextlib.contextmanager
def airflow_env(entries: dict[str, str]):
    """Make os.environ = isolated base env + entries for the duration (conf reads env at call time)."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(_BASE_ENV)
    os.environ.update(entries)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@contextlib.contextmanager
def quiet():
    """Silence Airflow's logging/stdout chatter and collect warnings raised by Airflow code."""
    caught: list[warnings.WarningMessage] = []
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            yield caught
            caught.extend(w)


def _err(e: BaseException) -> str:
    msg = str(e).strip().splitlines()
    first = msg[0] if msg else ""
    return f"{type(e).__name__}: {first}" if first else type(e).__name__


def _short(cls: Any) -> str:
    return getattr(cls, "__name__", str(cls))


def _mro_names(cls: type) -> set[str]:
    return {c.__name__ for c in inspect.getmro(cls)}


# --------------------------------------------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------------------------------------------


class Checker:
    def __init__(self, path: str):
        self.path = path
        self.report = FileReport(path)
        self.values: dict = {}
        self.env_by_list: list[tuple[str, list[EnvEntry]]] = []

    # -------------------------------------------------------------------------------------------------- driver
    def run(self) -> FileReport:
        try:
            with open(self.path, encoding="utf-8") as fh:
                values = yaml.safe_load(fh)
        except (OSError, yaml.YAMLError) as e:
            self.report.add(FAIL, "yaml", self.path, _err(e))
            return self.report
        if not isinstance(values, dict):
            self.report.add(FAIL, "yaml", self.path, "top level must be a mapping")
            return self.report
        self.values = values
        for prefix, lst in _env_lists(values):
            self.env_by_list.append((prefix, _parse_env_list(prefix, lst, self.report)))
        # Sentinel and the logging sidecar run no Airflow code: their env lists only get the structural
        # checks (objects with string values, no duplicate names).
        for comp in ("sentinel", "loggingSidecar"):
            c = values.get(comp)
            if isinstance(c, dict):
                _parse_env_list(f"{comp}.env", c.get("env"), self.report)

        _NETWORK_ATTEMPTS.clear()
        for fn in (self.check_env_names, self.check_connections, self.check_secrets, self.check_xcom, self.check_bundles):
            try:
                fn()
            except Exception as e:  # a checker bug must not look like a pass
                self.report.add(FAIL, fn.__name__, "-", f"checker crashed: {_err(e)}\n{traceback.format_exc()}")
        if _NETWORK_ATTEMPTS:
            self.report.add(
                WARN, "network", "-", "Airflow code tried to reach the network (blocked): " + ", ".join(_NETWORK_ATTEMPTS[:5])
            )
        return self.report

    # ------------------------------------------------------------------------------------------- env helpers
    def common_env(self) -> list[EnvEntry]:
        return self.env_by_list[0][1] if self.env_by_list else []

    def contexts(self, names: set[str]) -> list[tuple[str, dict[str, EnvEntry]]]:
        """commonEnv, plus each component whose own env overrides one of ``names`` (merged over commonEnv)."""
        base = {e.name: e for e in self.common_env()}
        out = [("commonEnv", base)]
        for prefix, entries in self.env_by_list[1:]:
            own = {e.name: e for e in entries}
            if names & own.keys():
                out.append((prefix.rsplit(".env", 1)[0], {**base, **own}))
        return out

    def all_conn_env(self) -> dict[str, str]:
        """Every AIRFLOW_CONN_* that some component sees (so hooks can resolve them like at runtime)."""
        env: dict[str, str] = {}
        for _, entries in self.env_by_list:
            for e in entries:
                if e.name.startswith("AIRFLOW_CONN_") and e.value is not None:
                    env.setdefault(e.name, e.value)
        return env

    # ------------------------------------------------------------------------------ Azure workload identity
    def workload_identity_annotations(self) -> dict[str, str]:
        """The client and tenant ids the ServiceAccounts are annotated with (what the webhook federates)."""
        sa = self.values.get("serviceAccount")
        annotations = sa.get("annotations") if isinstance(sa, dict) else None
        if not isinstance(annotations, dict):
            return {}
        return {k: str(v) for k, v in annotations.items() if k in (WI_CLIENT_ANNOTATION, WI_TENANT_ANNOTATION)}

    def webhook_env(self) -> dict[str, str]:
        """What the AKS workload-identity webhook injects into a pod labelled for it: the projected token
        file and the authority host. AZURE_CLIENT_ID / AZURE_TENANT_ID are left out on purpose, so the
        ids the credential uses must come from the rendered kwargs and connection themselves."""
        labels = self.values.get("labels")
        if not (isinstance(labels, dict) and str(labels.get(WI_LABEL)) == "true"):
            return {}
        return {"AZURE_FEDERATED_TOKEN_FILE": _federated_token_file(), "AZURE_AUTHORITY_HOST": "https://login.microsoftonline.com/"}

    def _check_workload_identity(self, check: str, path: str, what: str, identity: tuple | None) -> None:
        annotations = self.workload_identity_annotations()
        if not annotations:
            return  # not a workload-identity setup
        if not self.webhook_env():
            self.report.add(
                FAIL, check, path, f"pods are not labelled {WI_LABEL}: 'true', so the webhook injects no token for {what}"
            )
            return
        if identity is None:
            self.report.add(FAIL, check, path, f"{what} has no WorkloadIdentityCredential (client and tenant ids missing?)")
            return
        client_id, tenant_id = identity
        want_client = annotations.get(WI_CLIENT_ANNOTATION)
        want_tenant = annotations.get(WI_TENANT_ANNOTATION)
        if client_id != want_client or (want_tenant is not None and tenant_id != want_tenant):
            self.report.add(
                FAIL,
                check,
                path,
                f"{what} authenticates as client {client_id} in tenant {tenant_id}, but the ServiceAccounts are "
                f"federated for client {want_client} in tenant {want_tenant}: token exchange would fail (AADSTS700211)",
            )
            return
        self.report.add(
            PASS, check, path, f"{what} uses WorkloadIdentityCredential(client_id={client_id}, tenant_id={tenant_id}) = the ServiceAccount annotations"
        )

    def _check_azure_fs(self, fs: Any, path: str, identity: tuple | None) -> None:
        keys = [n for n in ("account_key", "sas_token", "connection_string", "client_secret") if getattr(fs, n, None)]
        if keys:
            self.report.add(FAIL, "xcom.path", path, f"AzureBlobFileSystem carries {', '.join(keys)}: use workload identity, no key")
            return
        if fs.anon is not False:
            self.report.add(FAIL, "xcom.path", path, "AzureBlobFileSystem is anonymous: set anon false in the connection extra")
            return
        self.report.add(PASS, "xcom.path", path, f"AzureBlobFileSystem(account_name={fs.account_name}, anon=False) has no key, SAS or connection string")
        self._check_workload_identity("xcom.path", path, "AzureBlobFileSystem", identity)

    # ------------------------------------------------------------------------------------- AIRFLOW__ options
    def check_env_names(self) -> None:
        with quiet():
            desc = conf.configuration_description  # core + provider config (lazily includes providers)
        options: dict[str, tuple[str, str, str | None]] = {}
        for section, sdesc in desc.items():
            for key, odesc in (sdesc.get("options") or {}).items():
                options[conf._env_var_name(section, key)] = (section, key, (odesc or {}).get("type"))
        deprecated = {
            conf._env_var_name(old_s, old_k): (new_s, new_k, ver)
            for (new_s, new_k), (old_s, old_k, ver) in conf.deprecated_options.items()
        }
        sensitive = {conf._env_var_name(s, k) for s, k in conf.sensitive_config_values}
        kwarg_prefixes = ("AIRFLOW__SECRETS__BACKEND_KWARG__", "AIRFLOW__WORKERS__SECRETS_BACKEND_KWARG__")

        for _, entries in self.env_by_list:
            for e in entries:
                name = e.name
                if not name.startswith("AIRFLOW__"):
                    continue
                check = "config-option"
                base = name
                if "___" in name:  # team scoped: AIRFLOW__<TEAM>___<SECTION>__<KEY>
                    base = "AIRFLOW__" + name.split("___", 1)[1]
                if base.startswith(kwarg_prefixes):
                    self.report.add(PASS, check, e.path, "per-key secrets backend kwarg (Airflow >= 3.2 style)")
                    continue
                if base in options:
                    section, key, typ = options[base]
                    if name in ("AIRFLOW__SECRETS__BACKEND", "AIRFLOW__CORE__XCOM_BACKEND"):
                        top = "secretBackend" if "SECRETS" in name else "xcomBackend"
                        self.report.add(
                            WARN, check, e.path, f"the chart already sets {name} from top-level '{top}'; set it there"
                        )
                        continue
                    self._check_typed_option(e, section, key, typ)
                    continue
                if base in deprecated:
                    ns, nk, ver = deprecated[base]
                    self.report.add(
                        WARN,
                        check,
                        e.path,
                        f"deprecated since Airflow {ver}; use {conf._env_var_name(ns, nk)} ([{ns}] {nk})",
                    )
                    continue
                m = re.fullmatch(r"(.+?)_(CMD|SECRET)", base)
                if m and m.group(1) in options:
                    if m.group(1) in sensitive:
                        self.report.add(PASS, check, e.path, f"_{m.group(2)} variant of a sensitive option")
                    else:
                        self.report.add(
                            FAIL,
                            check,
                            e.path,
                            f"Airflow honours _{m.group(2)} only for sensitive options; "
                            f"[{options[m.group(1)][0]}] {options[m.group(1)][1]} is not one, so this is ignored",
                        )
                    continue
                hint = self._suggest(base, options)
                self.report.add(
                    FAIL,
                    check,
                    e.path,
                    f"unknown Airflow config option {name} (not in Airflow {AIRFLOW_VERSION} or installed "
                    f"providers' config schema){hint}",
                )

    def _check_typed_option(self, e: EnvEntry, section: str, key: str, typ: str | None) -> None:
        getter = {"integer": conf.getint, "boolean": conf.getboolean, "float": conf.getfloat}.get(typ or "")
        if getter is None or e.value is None:
            self.report.add(PASS, "config-option", e.path, f"[{section}] {key}")
            return
        try:
            with airflow_env({e.name: e.value}), quiet():
                getter(section, key)
            self.report.add(PASS, "config-option", e.path, f"[{section}] {key} ({typ})")
        except Exception as ex:
            self.report.add(FAIL, "config-option", e.path, f"[{section}] {key} expects {typ}: {_err(ex)}")

    @staticmethod
    def _suggest(name: str, options: dict) -> str:
        import difflib

        close = difflib.get_close_matches(name, options.keys(), n=1, cutoff=0.8)
        return f"; did you mean {close[0]}?" if close else ""

    # ----------------------------------------------------------------------------------------- connections
    def check_connections(self) -> None:
        from airflow._shared.secrets_backend.base import BaseSecretsBackend as SharedBase
        from airflow.sdk import Connection as SdkConnection

        for _, entries in self.env_by_list:
            for e in entries:
                if not e.name.startswith("AIRFLOW_CONN_"):
                    continue
                conn_id = e.name[len("AIRFLOW_CONN_") :].lower()
                if e.value is None:
                    self.report.add(SKIP, "connection", e.path, "valueFrom: value not in the values file")
                    continue
                if not conn_id:
                    self.report.add(FAIL, "connection", e.path, "empty connection id")
                    continue
                if not e.value.strip():
                    self.report.add(FAIL, "connection", e.path, "empty value")
                    continue
                try:
                    with quiet():
                        conn = SharedBase._deserialize_connection_value(SdkConnection, conn_id, e.value)
                except Exception as ex:
                    fmt = "JSON" if e.value.strip().startswith("{") else "URI"
                    self.report.add(FAIL, "connection", e.path, f"not a valid Airflow connection {fmt}: {_err(ex)}")
                    continue
                problems = []
                if not conn.conn_type:
                    problems.append("no conn_type")
                if conn.extra:
                    try:
                        if not isinstance(json.loads(conn.extra), dict):
                            problems.append("extra is not a JSON object")
                    except ValueError as ex:
                        problems.append(f"extra is not valid JSON ({ex})")
                if problems:
                    self.report.add(FAIL, "connection", e.path, f"connection '{conn_id}': " + "; ".join(problems))
                    continue
                self.report.add(PASS, "connection", e.path, f"conn_id={conn_id} conn_type={conn.conn_type}")
                self._check_conn_type(e, conn_id, conn.conn_type)

    def _check_conn_type(self, e: EnvEntry, conn_id: str, conn_type: str) -> None:
        try:
            from airflow.providers_manager import ProvidersManager

            with quiet():
                hooks = ProvidersManager().hooks
                known = set(hooks.keys())
        except Exception:
            return
        if conn_type not in known:
            self.report.add(
                WARN,
                "connection",
                e.path,
                f"conn_type '{conn_type}' of '{conn_id}' is not registered by any installed provider",
            )

    # -------------------------------------------------------------------------------------- secrets backend
    def check_secrets(self) -> None:
        cls_path = self.values.get("secretBackend")
        if not cls_path:
            self.report.add(FAIL, "secretBackend", "secretBackend", "missing: the chart install fails without it")
            return
        if not isinstance(cls_path, str):
            self.report.add(FAIL, "secretBackend", "secretBackend", f"must be a class path string, got {cls_path!r}")
            return
        cls = self._import_class(cls_path, "secretBackend", "secretBackend", "BaseSecretsBackend", "secrets backend")
        kw_name = "AIRFLOW__SECRETS__BACKEND_KWARGS"
        kw_prefix = "AIRFLOW__SECRETS__BACKEND_KWARG__"
        watched = {kw_name} | {e.name for _, l in self.env_by_list for e in l if e.name.startswith(kw_prefix)}
        for label, env in self.contexts(watched):
            self._check_backend_kwargs(cls, cls_path, env, kw_name, kw_prefix, "secrets", "backend", label)
        # Airflow 3.1+: optional workers-only backend
        for label, env in self.contexts({"AIRFLOW__WORKERS__SECRETS_BACKEND"}):
            w = env.get("AIRFLOW__WORKERS__SECRETS_BACKEND")
            if w and w.value:
                wcls = self._import_class(w.value, "workers.secrets_backend", w.path, "BaseSecretsBackend", "secrets backend")
                self._check_backend_kwargs(
                    wcls,
                    w.value,
                    env,
                    "AIRFLOW__WORKERS__SECRETS_BACKEND_KWARGS",
                    "AIRFLOW__WORKERS__SECRETS_BACKEND_KWARG__",
                    "workers",
                    "secrets_backend",
                    label,
                )

    def _import_class(self, cls_path: str, check: str, path: str, base_name: str, what: str) -> type | None:
        try:
            with quiet():
                cls = import_string(cls_path)
        except Exception as e:
            self.report.add(FAIL, check, path, f"cannot import '{cls_path}': {_err(e)}")
            return None
        if not inspect.isclass(cls) or base_name not in _mro_names(cls):
            self.report.add(FAIL, check, path, f"'{cls_path}' is not a {what} (no {base_name} in its bases)")
            return None
        self.report.add(PASS, check, path, f"imports {cls_path}")
        return cls

    def _check_backend_kwargs(
        self,
        cls: type | None,
        cls_path: str,
        env: dict[str, EnvEntry],
        kw_name: str,
        kw_prefix: str,
        section: str,
        key: str,
        label: str,
    ) -> None:
        check = f"{section}.{key}_kwargs"
        entry = env.get(kw_name)
        path = entry.path if entry else f"{label}[{kw_name}]"
        kwargs: dict[str, Any] = {}
        if entry is not None and entry.value is None:
            self.report.add(SKIP, check, path, "valueFrom: kwargs not in the values file")
            return
        if entry is not None:
            try:
                kwargs = json.loads(entry.value)
            except ValueError as e:
                self.report.add(
                    FAIL,
                    check,
                    path,
                    f"not valid JSON ({e}); Airflow would log a warning and silently use NO kwargs",
                )
                return
            if not isinstance(kwargs, dict):
                self.report.add(
                    FAIL, check, path, f"must be a JSON object, got {type(kwargs).__name__}; Airflow would ignore it"
                )
                return
        # per-key overrides AIRFLOW__SECRETS__BACKEND_KWARG__<KEY> (take precedence over the JSON blob)
        per_key = {n[len(kw_prefix) :].lower(): e for n, e in env.items() if n.startswith(kw_prefix) and n != kw_prefix}
        for k, e in per_key.items():
            kwargs[k] = e.value
        if cls is None:
            return
        sig = accepted_kwargs(cls)
        cname = _short(cls)
        bad = False
        for k in kwargs:
            if k not in sig.accepted:
                kpath = per_key[k].path if k in per_key else path
                hint = self._suggest(k, {a: 1 for a in sig.accepted})
                self.report.add(
                    FAIL,
                    check,
                    kpath,
                    f"unknown kwarg '{k}' for {cname}{hint} (accepted: {', '.join(sorted(sig.accepted))})",
                )
                bad = True
        for r in sorted(sig.required - kwargs.keys()):
            self.report.add(FAIL, check, path, f"missing required kwarg '{r}' for {cname}")
            bad = True
        if bad:
            return
        self.report.add(PASS, check, path, f"{len(kwargs)} kwargs accepted by {cname}: {', '.join(sorted(kwargs))}")
        self._instantiate_backend(cls, cls_path, kwargs, env, path, section, key, kw_name, label)

    def _instantiate_backend(self, cls, cls_path, kwargs, env, path, section, key, kw_name, label) -> None:
        check = f"{section}.{key}.instantiate"
        env_vars = {f"AIRFLOW__{section.upper()}__{key.upper()}": cls_path}
        env_vars.update({n: e.value for n, e in env.items() if e.value is not None and n.startswith("AIRFLOW__")})
        env_vars.update(self.all_conn_env())
        env_vars[f"AIRFLOW__{section.upper()}__{key.upper()}"] = cls_path
        with airflow_env({**env_vars, **self.webhook_env()}), _offline_patches(), quiet() as caught:
            try:
                # Airflow's own loader: getimport + getjson + per-key overrides + cls(**kwargs)
                backend = conf._get_custom_secret_backend(worker_mode=(section == "workers"))
                if backend is None:
                    raise RuntimeError("Airflow did not configure a backend")
                extra = _backend_offline_probe(backend)
                identity = _workload_identity_of(_pipeline_credential(backend)) if _short(cls) == "AzureKeyVaultBackend" else None
            except Exception as e:
                self.report.add(FAIL, check, path, f"{_short(cls)}(**kwargs) raised {_err(e)}")
                return
        for w in caught:
            if issubclass(w.category, (DeprecationWarning, FutureWarning)) or "Deprecat" in w.category.__name__:
                self.report.add(WARN, check, path, f"{w.category.__name__}: {str(w.message).splitlines()[0]}")
        self.report.add(PASS, check, path, f"Airflow instantiated {_short(cls)}{extra}")
        if _short(cls) == "AzureKeyVaultBackend":
            self._check_workload_identity(check, path, "SecretClient", identity)
        for msg in _backend_semantics(backend):
            self.report.add(FAIL if msg.startswith("!") else WARN, check, path, msg.lstrip("!"))

    # -------------------------------------------------------------------------------------------- XCom
    def check_xcom(self) -> None:
        cls_path = self.values.get("xcomBackend")
        if not cls_path:
            self.report.add(FAIL, "xcomBackend", "xcomBackend", "missing: Remote Execution needs an external XCom backend")
            return
        cls = self._import_class(str(cls_path), "xcomBackend", "xcomBackend", "BaseXCom", "XCom backend")
        if cls is None:
            return
        if not any(_qual(c) == OBJECT_STORAGE_XCOM for c in cls.__mro__):
            self.report.add(
                WARN, "xcomBackend", "xcomBackend", f"{_short(cls)} is not XComObjectStorageBackend; settings not checked"
            )
            return
        names = {
            "AIRFLOW__COMMON_IO__XCOM_OBJECTSTORAGE_PATH",
            "AIRFLOW__COMMON_IO__XCOM_OBJECTSTORAGE_THRESHOLD",
            "AIRFLOW__COMMON_IO__XCOM_OBJECTSTORAGE_COMPRESSION",
        }
        for label, env in self.contexts(names):
            self._check_xcom_settings(env, label)

    def _check_xcom_settings(self, env: dict[str, EnvEntry], label: str) -> None:
        from urllib.parse import urlsplit

        from airflow.providers.common.io.xcom import backend as xb
        from airflow.sdk.io.fs import has_fs
        from airflow.sdk.io.store import attach

        def entry(suffix: str) -> tuple[EnvEntry | None, str]:
            n = f"AIRFLOW__COMMON_IO__XCOM_OBJECTSTORAGE_{suffix}"
            e = env.get(n)
            return e, (e.path if e else f"{label}[{n}]")

        # Filesystems are cached by their constructor arguments, not by the env they were built in (one
        # checker run judges several files): start from empty caches.
        _clear_filesystem_caches()
        # The webhook's env from the start: the filesystem is built (and cached) when the path is parsed.
        env_vars = {**{n: e.value for n, e in env.items() if e.value is not None}, **self.webhook_env()}
        # -- path
        e, path = entry("PATH")
        if e is None:
            self.report.add(FAIL, "xcom.path", path, "missing: XComObjectStorageBackend needs a base path")
        elif e.value is None:
            self.report.add(SKIP, "xcom.path", path, "valueFrom")
        elif urlsplit(e.value).scheme not in KNOWN_XCOM_SCHEMES:
            scheme = urlsplit(e.value).scheme
            self.report.add(
                FAIL,
                "xcom.path",
                path,
                f"scheme '{scheme or '(none)'}' in {e.value!r} is not one the agent supports "
                f"(known: {', '.join(sorted(KNOWN_XCOM_SCHEMES))})",
            )
        else:
            with airflow_env(env_vars), _offline_patches(), quiet():
                xb._get_base_path.cache_clear()
                try:
                    p = xb._get_base_path()
                    err = None
                except Exception as ex:
                    p, err = None, ex
            if p is None:
                self.report.add(FAIL, "xcom.path", path, f"ObjectStoragePath({e.value!r}) failed: {_err(err)}")
            else:
                self._check_xcom_path(p, e, path, env_vars, has_fs, attach)
        # -- threshold
        e, path = entry("THRESHOLD")
        with airflow_env(env_vars), quiet():
            xb._get_threshold.cache_clear()
            try:
                thr, err = xb._get_threshold(), None
            except Exception as ex:
                thr, err = None, ex
        if err is not None:
            self.report.add(FAIL, "xcom.threshold", path, f"{e.value if e else ''!r} is not an integer: {_err(err)}")
        elif thr < -1:
            self.report.add(FAIL, "xcom.threshold", path, f"{thr} < -1 (-1 = never object storage, 0 = always)")
        elif e is None or thr == -1:
            self.report.add(
                WARN,
                "xcom.threshold",
                path,
                "threshold -1 (default) keeps every XCom in the metadata DB; Remote Execution recommends 0",
            )
        else:
            self.report.add(PASS, "xcom.threshold", path, f"{thr} bytes")
        # -- compression
        e, path = entry("COMPRESSION")
        with airflow_env(env_vars), quiet():
            xb._get_compression.cache_clear()
            comp = xb._get_compression()
        if comp is None:
            self.report.add(PASS, "xcom.compression", path, "none")
        else:
            try:
                suffix = xb._get_compression_suffix(comp)
                self.report.add(PASS, "xcom.compression", path, f"{comp} (suffix .{suffix})")
            except ValueError as ex:
                import fsspec.utils

                avail = sorted(set(fsspec.utils.compressions.values()))
                self.report.add(FAIL, "xcom.compression", path, f"{ex} (fsspec accepts: {', '.join(avail)})")

    def _check_xcom_path(self, p, e: EnvEntry, path: str, env_vars: dict, has_fs, attach) -> None:
        from urllib.parse import urlsplit

        scheme = urlsplit(e.value).scheme
        if scheme not in KNOWN_XCOM_SCHEMES:
            self.report.add(
                FAIL,
                "xcom.path",
                path,
                f"scheme '{scheme or '(none)'}' in {e.value!r} is not one the agent supports "
                f"(known: {', '.join(sorted(KNOWN_XCOM_SCHEMES))})",
            )
            return
        with quiet():
            registered = has_fs(scheme)
        if not registered:
            self.report.add(FAIL, "xcom.path", path, f"no filesystem registered for scheme '{scheme}' (provider missing?)")
            return
        netloc = urlsplit(e.value).netloc.rpartition("@")[2]
        if scheme != "file" and not netloc:
            self.report.add(FAIL, "xcom.path", path, f"{e.value!r} has no bucket/container (expected {scheme}://<bucket>/<path>)")
            return
        if scheme == "file" and not p.path.startswith("/"):
            self.report.add(FAIL, "xcom.path", path, f"{e.value!r}: file:// path must be absolute")
            return
        conn_id = p.conn_id
        self.report.add(PASS, "xcom.path", path, f"scheme={scheme} conn_id={conn_id} path={p.path}")
        if scheme == "file":
            self.report.add(WARN, "xcom.path", path, "file:// XCom only works if every agent pod mounts the same volume there")
        if conn_id is None:
            if scheme in ("abfs", "abfss"):
                self.report.add(
                    WARN, "xcom.path", path, "abfs without a conn id uses AzureBlobFileSystem() with no account name"
                )
            if scheme in ("gs", "gcs"):
                self._check_gcs_adc(scheme, path, env_vars, attach)
            return
        env_name = f"AIRFLOW_CONN_{conn_id.upper()}"
        conn_env = self.all_conn_env()
        if env_name not in conn_env:
            self.report.add(
                WARN,
                "xcom.path",
                path,
                f"conn id '{conn_id}' has no {env_name} in the values; it must exist in the secrets backend",
            )
            return
        with airflow_env({**env_vars, **conn_env, **self.webhook_env()}), _offline_patches(), quiet():
            try:
                fs = attach(scheme, conn_id).fs
                identity = _workload_identity_of(getattr(fs, "sync_credential", None))
                err = None
            except Exception as ex:
                fs, err = None, ex
        if err is not None:
            self.report.add(FAIL, "xcom.path", path, f"provider could not build a filesystem from connection '{conn_id}': {_err(err)}")
        else:
            self.report.add(PASS, "xcom.path", path, f"connection '{conn_id}' -> {type(fs).__name__}")
            if type(fs).__name__ == "AzureBlobFileSystem":
                self._check_azure_fs(fs, path, identity)

    def _check_gcs_adc(self, scheme: str, path: str, env_vars: dict, attach) -> None:
        """gs:// without a conn id: the provider's filesystem must authenticate with Application Default
        Credentials (Workload Identity on GKE), not a key file or anonymously. ``google.auth.default`` is
        stubbed (it would reach the metadata server) and must be what gcsfs used."""
        with airflow_env(env_vars), _offline_patches(), quiet():
            try:
                fs = attach(scheme, None).fs
                err = None
            except Exception as ex:
                fs, err = None, ex
        if err is not None:
            self.report.add(FAIL, "xcom.path", path, f"the provider could not build the gs:// filesystem: {_err(err)}")
            return
        from gcsfs import GCSFileSystem  # noqa: PLC0415

        method = getattr(getattr(fs, "credentials", None), "method", None)
        # `method` is how gcsfs authenticated when the filesystem was built (attach caches it per process,
        # so google.auth.default is called only for the first file checked)
        if not isinstance(fs, GCSFileSystem) or method != "google_default":
            self.report.add(
                FAIL,
                "xcom.path",
                path,
                f"gs:// without a conn id built {type(fs).__name__} authenticated by {method!r}, "
                "not GCSFileSystem with Application Default Credentials",
            )
            return
        self.report.add(
            PASS, "xcom.path", path, f"no conn id -> {type(fs).__name__} (gcsfs) with Application Default Credentials"
        )

    # -------------------------------------------------------------------------------------------- bundles
    def check_bundles(self) -> None:
        raw = self.values.get("dagBundleConfigList")
        top = "dagBundleConfigList"
        if raw is None:
            self.report.add(FAIL, "dagBundleConfigList", top, "missing: required to run DAGs")
            return
        if not isinstance(raw, str):
            self.report.add(FAIL, "dagBundleConfigList", top, f"must be a JSON string, got {type(raw).__name__}")
            return
        try:
            items = json.loads(raw)
        except ValueError as e:
            self.report.add(FAIL, "dagBundleConfigList", top, f"not valid JSON: {e}")
            return
        if not isinstance(items, list) or not items:
            self.report.add(FAIL, "dagBundleConfigList", top, "must be a non-empty JSON list of {name, classpath, kwargs}")
            return

        from airflow.dag_processing.bundles.manager import DagBundlesManager

        env_vars = {e.name: e.value for _, l in self.env_by_list for e in l if e.value is not None and e.name.startswith("AIRFLOW_CONN_")}
        env_vars["AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST"] = raw
        # pre-pass: name the bundle whose class does not import (the manager raises on the first one)
        ok_classes = True
        for i, it in enumerate(items):
            if isinstance(it, dict) and isinstance(it.get("classpath"), str):
                bpath = f"{top}[{it.get('name', i)}].classpath"
                try:
                    with quiet():
                        import_string(it["classpath"])
                except Exception as e:
                    self.report.add(FAIL, "dagBundle", bpath, f"cannot import '{it['classpath']}': {_err(e)}")
                    ok_classes = False
        if not ok_classes:
            return
        with airflow_env(env_vars), quiet():
            try:
                manager = DagBundlesManager()
                err = None
            except Exception as e:
                manager, err = None, e
        if err is not None:
            self.report.add(FAIL, "dagBundleConfigList", top, f"DagBundlesManager rejected it: {_err(err)}")
            return
        self.report.add(PASS, "dagBundleConfigList", top, f"{len(manager._bundle_config)} bundle(s): {', '.join(manager._bundle_config)}")
        for name, cfg in manager._bundle_config.items():
            self._check_bundle(manager, name, cfg, env_vars, f"{top}[{name}]")

    def _check_bundle(self, manager, name: str, cfg, env_vars: dict, path: str) -> None:
        cls = cfg.bundle_class
        cname = _short(cls)
        if "BaseDagBundle" not in _mro_names(cls):
            self.report.add(FAIL, "dagBundle", f"{path}.classpath", f"{cname} is not a BaseDagBundle")
            return
        reserved = {"name", "version"} & cfg.kwargs.keys()
        if reserved:
            self.report.add(FAIL, "dagBundle", f"{path}.kwargs", f"kwargs must not set {sorted(reserved)}: the manager passes them")
            return
        sig = accepted_kwargs(cls, supplied={"name", "version"})
        bad = False
        for k in cfg.kwargs:
            if k not in sig.accepted:
                hint = self._suggest(k, {a: 1 for a in sig.accepted})
                self.report.add(
                    FAIL, "dagBundle", f"{path}.kwargs", f"unknown kwarg '{k}' for {cname}{hint} (accepted: {', '.join(sorted(sig.accepted))})"
                )
                bad = True
        for r in sorted(sig.required - cfg.kwargs.keys()):
            self.report.add(FAIL, "dagBundle", f"{path}.kwargs", f"missing required kwarg '{r}' for {cname}")
            bad = True
        if bad:
            return
        self.report.add(PASS, "dagBundle", f"{path}.kwargs", f"{cname} accepts {', '.join(sorted(cfg.kwargs)) or '(none)'}")
        placeholder = {}
        conn_id = cfg.kwargs.get("git_conn_id", "git_default") if "git_conn_id" in sig.accepted else None
        if conn_id and "git_conn_id" not in cfg.kwargs and cfg.kwargs.get("repo_url"):
            conn_id = None  # GitDagBundle treats the connection as optional when repo_url is set (public repo)
        if conn_id and f"AIRFLOW_CONN_{conn_id.upper()}" not in env_vars:
            hint = "" if cfg.kwargs.get("repo_url") else ", with the full repository URL as its host (there is no repo_url)"
            self.report.add(
                WARN,
                "dagBundle",
                f"{path}.kwargs.git_conn_id",
                f"connection '{conn_id}' is not in the values env; it must exist in the secrets backend{hint}",
            )
            placeholder[f"AIRFLOW_CONN_{conn_id.upper()}"] = json.dumps(
                {"conn_type": "git", "host": cfg.kwargs.get("repo_url") or "https://example.invalid/placeholder.git"}
            )
        with airflow_env({**env_vars, **placeholder}), _offline_patches(), quiet():
            try:
                bundle = manager.get_bundle(name)
                err = None
            except Exception as e:
                bundle, err = None, e
        if err is not None:
            self.report.add(FAIL, "dagBundle", path, f"{cname}(name={name!r}, **kwargs) raised {_err(err)}")
            return
        detail = ""
        if getattr(bundle, "repo_url", None):
            detail = f" repo_url={bundle.repo_url}"
        elif cname == "LocalDagBundle":
            # Without a path kwarg LocalDagBundle reads settings.DAGS_FOLDER ([core] dags_folder).
            where = "" if "path" in cfg.kwargs else " ([core] dags_folder of this checker; the image's own applies at runtime)"
            detail = f" path={bundle.path}{where}"
        if "git_conn_id" in sig.accepted and not cfg.kwargs.get("repo_url") and not placeholder:
            # No repo_url: GitDagBundle clones the connection's host (GitHook: repo_url or connection.host).
            # A bare host such as "github.com" (Astronomer's connection example, written for use with
            # repo_url) is then taken as a local path.
            url = getattr(bundle, "repo_url", None) or ""
            if not re.match(r"^(https?://[^/\s]+/\S+|ssh://\S+|git@[^:\s]+:\S+|file://\S+|/\S+)$", url):
                self.report.add(
                    FAIL,
                    "dagBundle",
                    f"{path}.kwargs",
                    f"no repo_url, so {cname} clones connection '{conn_id}' host {url or '(empty)'!r}, which is not a "
                    "repository URL; put the full repository URL in the connection's host or set repo_url",
                )
                return
        self.report.add(PASS, "dagBundle", path, f"Airflow built {cname}{detail}")
        ri = cfg.kwargs.get("refresh_interval")
        if ri is not None and (not isinstance(ri, int) or ri < 0):
            self.report.add(FAIL, "dagBundle", f"{path}.kwargs.refresh_interval", f"must be a non-negative int, got {ri!r}")


# --------------------------------------------------------------------------------------------------------------
# Offline helpers for backend instantiation
# --------------------------------------------------------------------------------------------------------------


WI_LABEL = "azure.workload.identity/use"
WI_CLIENT_ANNOTATION = "azure.workload.identity/client-id"
WI_TENANT_ANNOTATION = "azure.workload.identity/tenant-id"
_TOKEN_FILE: list[str] = []


def _federated_token_file() -> str:
    """A stand-in for the projected ServiceAccount token (never read: nothing requests a token here)."""
    if not _TOKEN_FILE:
        fd, name = tempfile.mkstemp(prefix="astro-federated-token-")
        os.write(fd, b"not-a-token")
        os.close(fd)
        _TOKEN_FILE.append(name)
    return _TOKEN_FILE[0]


def _clear_filesystem_caches() -> None:
    """Forget filesystems built for an earlier file (fsspec instance cache, Airflow's store cache)."""
    from fsspec.spec import AbstractFileSystem

    from airflow.sdk.io import store

    pending = [AbstractFileSystem]  # every imported filesystem class (providers import them directly)
    while pending:
        cls = pending.pop()
        cls.clear_instance_cache()
        pending.extend(cls.__subclasses__())
    getattr(store, "_STORE_CACHE", {}).clear()


def _pipeline_credential(backend: Any) -> Any:
    """The credential in the SecretClient's pipeline (azure-keyvault-secrets keeps it in its auth policy)."""
    pipeline = getattr(getattr(getattr(backend.client, "_client", None), "_client", None), "_pipeline", None)
    for policy in getattr(pipeline, "_impl_policies", []):
        if getattr(policy, "_credential", None) is not None:
            return policy._credential
    return None


def _workload_identity_of(credential: Any) -> tuple[str | None, str | None] | None:
    """(client id, tenant id) of the WorkloadIdentityCredential in a DefaultAzureCredential chain, or None."""
    for c in getattr(credential, "credentials", ()) or ():
        if type(c).__name__ == "WorkloadIdentityCredential":
            client = getattr(c, "_client", None)
            return getattr(client, "_client_id", None), getattr(client, "_tenant_id", None)
    return None


@contextlib.contextmanager
def _offline_patches():
    """Stub what talks to the network: CloudSecretManagerBackend resolves Google credentials (ADC -> metadata
    server) in __init__ (key-file kwargs are passed to the stub and not read), and gcsfs calls
    ``google.auth.default`` (ADC). Yields the list of ``google.auth.default`` calls."""
    patches = []
    try:
        import airflow.providers.google.cloud.secrets.secret_manager as gsm  # noqa: PLC0415
        from google.auth.credentials import AnonymousCredentials

        orig = gsm.get_credentials_and_project_id

        def fake(*args, **kwargs):
            return AnonymousCredentials(), None

        gsm.get_credentials_and_project_id = fake
        patches.append((gsm, "get_credentials_and_project_id", orig))
    except Exception:
        pass
    adc_calls: list[tuple] = []
    try:
        import google.auth  # noqa: PLC0415
        from google.auth.credentials import AnonymousCredentials

        orig_default = google.auth.default

        def fake_default(*args, **kwargs):
            adc_calls.append((args, kwargs))
            return AnonymousCredentials(), None

        google.auth.default = fake_default
        patches.append((google.auth, "default", orig_default))
    except Exception:
        pass
    try:
        yield adc_calls
    finally:
        for mod, name, orig in patches:
            setattr(mod, name, orig)


def _backend_offline_probe(backend: Any) -> str:
    """Exercise the part of client construction that runs without network, to catch bad forwarded kwargs."""
    name = type(backend).__name__
    if name in ("SecretsManagerBackend", "SystemsManagerParameterStoreBackend"):
        from airflow.providers.amazon.aws.utils.connection_wrapper import AwsConnectionWrapper

        w = AwsConnectionWrapper.from_connection_metadata(conn_id=f"{name}__connection", extra=backend.kwargs)
        return f" (AWS connection config: region={w.region_name}, role_arn={w.role_arn})"
    if name == "AzureKeyVaultBackend":
        client = backend.client  # SecretClient + credential objects; no token is requested
        return f" (SecretClient for {client.vault_url})"
    return ""


def _backend_semantics(backend: Any) -> list[str]:
    """Rules from the reference docs that Airflow itself does not enforce. '!' prefix = error, else warning."""
    out: list[str] = []
    name = type(backend).__name__
    if name == "AzureKeyVaultBackend":
        if backend.sep != "-":
            out.append(f"!AzureKeyVaultBackend sep {backend.sep!r}: Key Vault secret names allow only [0-9A-Za-z-]")
        if not re.fullmatch(r"https://[A-Za-z][A-Za-z0-9-]{1,22}[A-Za-z0-9]\.vault\.azure\.net/?", backend.vault_url or ""):
            out.append(f"!vault_url {backend.vault_url!r} is not https://<vault-name>.vault.azure.net/")
        for p in (backend.connections_prefix, backend.variables_prefix, backend.config_prefix):
            if p and not re.fullmatch(r"[0-9A-Za-z-]+", p):
                out.append(f"!prefix {p!r} has characters Key Vault does not allow (only [0-9A-Za-z-])")
    elif name == "CloudSecretManagerBackend":
        if backend.sep == "/":
            out.append("!GCP Secret Manager secret ids cannot contain '/'; use sep '-'")
    elif name == "VaultBackend":
        vc = backend.vault_client
        if not vc.url:
            out.append("!VaultBackend needs 'url'")
        if vc.auth_type == "kubernetes" and not vc.kubernetes_role:
            out.append("!kubernetes auth needs 'kubernetes_role'")
    return out


# --------------------------------------------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------------------------------------------


def _self_check() -> list[str]:
    """Verify allow-list entries still occur in the provider source they were taken from."""
    import importlib

    msgs = []
    try:
        src = "".join(inspect.getsource(importlib.import_module(m)) for m in AWS_EXTRA_SOURCES)
        for k in sorted(AWS_EXTRA_STATIC):
            if f'"{k}"' not in src:
                msgs.append(f"AWS extra allow-list key '{k}' no longer appears in {', '.join(AWS_EXTRA_SOURCES)}")
    except Exception as e:  # provider missing
        msgs.append(f"cannot self-check AWS allow-list: {_err(e)}")
    return msgs


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("files", nargs="+", help="rendered chart values YAML files")
    ap.add_argument("--json", action="store_true", help="print one JSON document instead of text lines")
    ap.add_argument("--quiet-pass", action="store_true", help="text mode: do not print PASS lines")
    args = ap.parse_args(argv)

    reports = [Checker(f).run() for f in args.files]
    internal = _self_check()

    if args.json:
        doc = {
            "airflow_version": AIRFLOW_VERSION,
            "checker_warnings": internal,
            "files": [
                {
                    "file": r.file,
                    "ok": r.ok,
                    "passed": r.passed,
                    "failed": r.failed,
                    "warnings": r.warned,
                    "results": [asdict(x) for x in r.results],
                }
                for r in reports
            ],
            "passed": sum(r.ok for r in reports),
            "failed": sum(not r.ok for r in reports),
        }
        print(json.dumps(doc, indent=2))
    else:
        print(f"# Airflow {AIRFLOW_VERSION}")
        for m in internal:
            print(f"CHECKER-WARN {m}")
        for r in reports:
            for x in r.results:
                if x.status == PASS and args.quiet_pass:
                    continue
                tag = {PASS: "PASS", FAIL: "FAIL", WARN: "WARN", SKIP: "SKIP"}[x.status]
                sep = ": " if x.message else ""
                print(f"{tag} {r.file} [{x.check}] {x.path}{sep}{x.message}")
            print(f"{'OK  ' if r.ok else 'BAD '} {r.file}: {r.passed} checks passed, {r.failed} failed, {r.warned} warnings")
        print(f"checks: {sum(r.passed for r in reports)} passed, {sum(r.failed for r in reports)} failed")
        print(f"files: {sum(r.ok for r in reports)} passed, {sum(not r.ok for r in reports)} failed")
    return 0 if all(r.ok for r in reports) else 1


if __name__ == "__main__":
    sys.exit(main())
