# Part of SoTicket. See LICENSE file for full copyright and licensing details.
"""The deployment files parse and say what the README says (no Docker engine on this machine:
what can be checked without one). nginx -t runs when nginx is installed."""
import configparser
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

DOCKER = Path(__file__).resolve().parents[1] / "docker"


def _odoo_conf(path):
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(path)
    return parser["options"]


def _compose(path):
    """compose.yaml as data, read by PyYAML (from whichever python3 on the PATH has it)."""
    try:
        import yaml
        return yaml.safe_load(path.read_text())
    except ImportError:
        pass
    for python in filter(None, [shutil.which("python3")]):
        res = subprocess.run([python, "-c", "import json, sys, yaml; print(json.dumps(yaml.safe_load(sys.stdin)))"],
                             input=path.read_text(), capture_output=True, text=True, check=False)
        if res.returncode == 0:
            return json.loads(res.stdout)
    pytest.skip("no PyYAML to parse compose files")
    return None


@pytest.mark.parametrize("conf", ["odoo.conf", "scale/odoo.conf"])
def test_odoo_conf_serves_venues_with_the_database_list_cached(conf):
    options = _odoo_conf(DOCKER / conf)
    assert options["dbfilter"] == "^%d$" and options["list_db"] == "False" and options["proxy_mode"] == "True"
    assert "soticket_hosting" in options["server_wide_modules"].split(",")
    assert int(options["workers"]) >= 2 and options["gevent_port"] == "8072"


def test_scale_compose_splits_proxy_odoo_primary_and_replica():
    compose = _compose(DOCKER / "scale" / "compose.yaml")
    services = compose["services"]
    odoos = [name for name in services if name.startswith("odoo-")]
    assert len(odoos) >= 2 and {"proxy", "db", "db-replica"} <= set(services)
    for name in odoos:
        assert "odoo-data:/var/lib/odoo" in services[name]["volumes"], "one filestore shared by every Odoo"
    crons = [name for name in odoos if "--max-cron-threads=0" not in services[name]["command"]]
    assert len(crons) == 1, "crons run in one container only"
    assert "wal_level=replica" in services["db"]["command"]
    options = _odoo_conf(DOCKER / "scale" / "odoo.conf")
    assert options["db_replica_host"] == "db-replica" and options["db_maxconn"]
    assert compose["volumes"].keys() >= {"pgdata", "pgreplica", "odoo-data"}


def test_nginx_routes_websocket_to_the_gevent_port_and_picks_the_certificate_by_host():
    text = (DOCKER / "scale" / "nginx.conf").read_text()
    assert text.count("{") == text.count("}")
    websocket = re.search(r"location /websocket \{(.*?)\}", text, re.S).group(1)
    assert "proxy_pass http://odoo_websocket;" in websocket and "Upgrade $http_upgrade" in websocket
    upstream = re.search(r"upstream odoo_websocket \{(.*?)\}", text, re.S).group(1)
    assert re.findall(r"server odoo-\d+:8072;", upstream)
    assert "ssl_certificate /etc/nginx/certs/$ssl_server_name.crt;" in text
    assert "proxy_set_header Host $host;" in text
    nginx = shutil.which("nginx")
    if nginx:  # the upstream host names do not resolve here: check the syntax only
        res = subprocess.run([nginx, "-t", "-c", str(DOCKER / "scale" / "nginx.conf")], capture_output=True,
                             text=True, check=False)
        assert res.returncode == 0 or "host not found in upstream" in res.stderr, res.stderr


@pytest.mark.parametrize("script", ["primary-init.sh", "replica-entrypoint.sh"])
def test_shell_scripts_parse(script):
    assert subprocess.run(["bash", "-n", str(DOCKER / "scale" / script)], check=False).returncode == 0
