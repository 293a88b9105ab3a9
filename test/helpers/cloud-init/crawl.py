#!/usr/bin/python3
"""Drives the real cloud-init (Debian 12, 22.4.2) datasource code against a metadata service and
prints what the datasource exposes as one JSON object on stdout (cloud-init's own log goes to stderr).

Run it with /usr/bin/python3 (the interpreter the cloud-init package is installed for), inside the
guest's network namespace:

    crawl.py --datasource openstack|ec2 [--platform aws|unknown] --url http://169.254.169.254

It only sets cloud-init up and reports; every request, retry and conversion is cloud-init's own
code. Only *platform detection* is replaced, because it reads the DMI of this machine, which is not
a cloud guest:
  - OpenStack: DataSourceOpenStack.detect_openstack() answers True (as on a Nova guest whose DMI says
    "OpenStack Nova").
  - Ec2: DataSourceEc2._collect_platform_data() returns the DMI/hypervisor values of the requested
    platform ("aws": a hypervisor UUID starting with "ec2"; "unknown": nothing), and cloud-init's own
    identify_platform() then decides the protocol (IMDSv2 tokens on aws only).
Two things are wrapped to *record* without changing behaviour: requests.Session.request (every HTTP
exchange: method, URL, status, the IMDSv2 headers) and BaseReader._find_working_version (the
OpenStack version cloud-init picked).

A watchdog (SIGALRM, --deadline) ends the process with an error summary if cloud-init hangs, e.g. on
a server that accepts connections and never answers (url_helper.wait_for_url can wait forever).
"""

import argparse
import base64
import json
import logging
import os
import shutil
import signal
import sys
import tempfile
import threading
import traceback

import requests

from cloudinit import distros, helpers
from cloudinit.sources import DataSourceEc2, DataSourceOpenStack
from cloudinit.sources.helpers import openstack as openstack_helper

# DMI/hypervisor values _collect_platform_data() would read on each platform (DataSourceEc2.py).
PLATFORM_DATA = {
    "aws": {
        "uuid": "ec2e1916-9099-7caf-fd21-012345abcdef",
        "uuid_source": "hypervisor",
        "serial": "ec2e1916-9099-7caf-fd21-012345abcdef",
        "asset_tag": "",
        "vendor": "amazon ec2",
        "product_name": "",
    },
    "unknown": {
        "uuid": "",
        "uuid_source": "dmi",
        "serial": "",
        "asset_tag": "",
        "vendor": "",
        "product_name": "",
    },
}

REQUESTS = []
REQUESTS_LOCK = threading.Lock()
PICKED_VERSIONS = []
WARNINGS = []
TMP_DIRS = []


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--datasource", choices=["openstack", "ec2"], required=True)
    p.add_argument("--platform", choices=sorted(PLATFORM_DATA), default="unknown")
    p.add_argument("--url", required=True, help="metadata base URL, no trailing slash")
    p.add_argument("--max-wait", type=int, default=10)
    p.add_argument("--timeout", type=int, default=5)
    p.add_argument("--retries", type=int, default=2)
    p.add_argument("--deadline", type=int, default=45, help="watchdog, seconds")
    p.add_argument(
        "--no-network-config",
        action="store_true",
        help="do not read ds.network_config (on aws without a 'network' key it re-crawls everything)",
    )
    return p.parse_args()


def emit(summary):
    sys.stdout.write(json.dumps(summary, default=to_json, sort_keys=True) + "\n")
    sys.stdout.flush()


def to_json(value):
    if isinstance(value, (bytes, bytearray)):
        return {"base64": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, (set, tuple)):
        return list(value)
    return repr(value)


def text(value):
    """A header value as sent: cloud-init passes the IMDSv2 token as the bytes of the PUT's body."""
    return value.decode("latin-1") if isinstance(value, (bytes, bytearray)) else value


def b64(value):
    if value is None:
        return None
    raw = value.encode("utf-8") if isinstance(value, str) else bytes(value)
    return base64.b64encode(raw).decode("ascii")


def start_watchdog(seconds):
    def expired(_signum, _frame):
        error = "watchdog: cloud-init did not finish within %d s" % seconds
        emit({"ok": False, "error": error, "requests": snapshot_requests(), "warnings": list(WARNINGS)})
        for tmp in TMP_DIRS:
            shutil.rmtree(tmp, ignore_errors=True)
        os._exit(3)

    signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)


def snapshot_requests():
    with REQUESTS_LOCK:
        return [dict(entry) for entry in REQUESTS]


def record_requests():
    original = requests.Session.request

    def recording(self, method, url, *args, **kwargs):
        headers = kwargs.get("headers") or {}
        entry = {
            "method": method,
            "url": url,
            "token": text(headers.get(DataSourceEc2.AWS_TOKEN_PUT_HEADER)),
            "ttl": text(headers.get(DataSourceEc2.AWS_TOKEN_REQ_HEADER)),
            "user_agent": text(headers.get("User-Agent")),
        }
        with REQUESTS_LOCK:  # before sending, so that the watchdog's summary shows a hung request
            REQUESTS.append(entry)
        try:
            response = original(self, method, url, *args, **kwargs)
        except Exception as e:  # recorded, then raised unchanged
            entry["error"] = type(e).__name__
            raise
        entry["status"] = response.status_code
        if method == "PUT":
            entry["body"] = response.text
        return response

    requests.Session.request = recording

    original_version = openstack_helper.BaseReader._find_working_version

    def recording_version(self):
        version = original_version(self)
        PICKED_VERSIONS.append(version)
        return version

    openstack_helper.BaseReader._find_working_version = recording_version


class WarningCollector(logging.Handler):
    def emit(self, record):
        WARNINGS.append("%s: %s" % (record.name, record.getMessage()))


def setup_logging():
    logging.basicConfig(
        stream=sys.stderr,
        level=logging.DEBUG,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
        force=True,
    )
    collector = WarningCollector(level=logging.WARNING)
    logging.getLogger().addHandler(collector)


def make_datasource(args, tmp):
    paths = helpers.Paths(
        {
            "cloud_dir": os.path.join(tmp, "cloud"),
            "run_dir": os.path.join(tmp, "run"),
            "templates_dir": os.path.join(tmp, "templates"),
        }
    )
    distro = distros.fetch("debian")("debian", {}, paths)
    urls = {"metadata_urls": [args.url], "max_wait": args.max_wait, "timeout": args.timeout}
    if args.datasource == "openstack":
        DataSourceOpenStack.detect_openstack = lambda accept_oracle=False: True
        sys_cfg = {
            "datasource_list": ["OpenStack"],
            "datasource": {"OpenStack": dict(urls, retries=args.retries)},
        }
        return paths, DataSourceOpenStack.DataSourceOpenStack(sys_cfg, distro, paths)
    DataSourceEc2._collect_platform_data = lambda: dict(PLATFORM_DATA[args.platform])
    sys_cfg = {"datasource_list": ["Ec2"], "datasource": {"Ec2": urls}}
    return paths, DataSourceEc2.DataSourceEc2(sys_cfg, distro, paths)


def read_instance_data(paths):
    """instance-data-sensitive.json as get_data() persisted it: the v1 keys cloud-init computed once
    (instance-id, hostname, keys, zone), without asking the datasource again (on aws each
    get_instance_id() call without an identity document re-crawls /dynamic/instance-identity)."""
    path = paths.get_runpath("instance_data_sensitive")
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def summarize(args, paths, ds, found):
    instance_data = read_instance_data(paths) or {}
    v1 = instance_data.get("v1", {})
    summary = {
        "ok": bool(found),
        "datasource": type(ds).__name__,
        "cloud_name": ds.cloud_name,
        "platform_type": ds.platform_type,
        "subplatform": ds.subplatform,
        "metadata_address": getattr(ds, "metadata_address", None),
        "v1": {
            key: v1.get(key)
            for key in (
                "instance_id",
                "local_hostname",
                "public_ssh_keys",
                "availability_zone",
                "region",
                "cloud_name",
                "platform",
            )
        },
        "userdata_raw_b64": b64(ds.userdata_raw),
        "vendordata_raw": ds.vendordata_raw,
        "vendordata2_raw": ds.vendordata2_raw,
        "metadata": ds.metadata,
    }
    if found:
        summary["fqdn"] = ds.get_hostname(fqdn=True).hostname
    if args.datasource == "openstack":
        summary["picked_version"] = PICKED_VERSIONS[-1] if PICKED_VERSIONS else None
        summary["ec2_metadata"] = ds.ec2_metadata
        summary["network_json"] = ds.network_json if found else None
    else:
        crawled = getattr(ds, "_crawled_metadata", None) or {}
        summary["api_version"] = crawled.get("_metadata_api_version")
        summary["identity"] = getattr(ds, "identity", None)
    if found and not args.no_network_config:
        summary["network_config"] = ds.network_config
    # Last, so that they include whatever reading network_config requested or logged.
    summary["requests"] = snapshot_requests()
    summary["warnings"] = list(WARNINGS)
    return summary


def main():
    args = parse_args()
    start_watchdog(args.deadline)
    setup_logging()
    record_requests()
    tmp = tempfile.mkdtemp(prefix="oimds-cloud-init-")
    TMP_DIRS.append(tmp)
    try:
        paths, ds = make_datasource(args, tmp)
        found = ds.get_data()
        summary = summarize(args, paths, ds, found)
    except Exception:
        summary = {
            "ok": False,
            "error": traceback.format_exc(),
            "requests": snapshot_requests(),
            "warnings": list(WARNINGS),
        }
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    emit(summary)
    return 0 if summary.get("ok") else 1


if __name__ == "__main__":
    sys.exit(main())
