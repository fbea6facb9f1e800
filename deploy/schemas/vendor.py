#!/usr/bin/env python3
"""Re-creates the vendored schemas from local clones of the upstream repositories (see README.md).

Usage: vendor.py K8S_SCHEMAS_CLONE CNPG_CLONE RMQ_CLUSTER_CLONE RMQ_TOPOLOGY_CLONE PROM_OPERATOR_CLONE
Each clone is a git directory; files are read at the tags named below. Descriptions are dropped (size only):
validation keywords are kept exactly. Strictness (unknown fields refused) is added by the test at load time,
the way openapi2jsonschema --strict does, so the files stay as published.
"""
import json, subprocess, sys, yaml, os

HERE = os.path.dirname(os.path.abspath(__file__))
K8S_COMMIT = "36d89d6e89b528e5153c0d3527577d4870da3b95"  # ricoberger/kubernetes-json-schema, Kubernetes v1.34.0
K8S_KINDS = ["deployment-apps-v1", "service-v1", "configmap-v1", "secret-v1", "namespace-v1", "serviceaccount-v1",
             "networkpolicy-networking-v1", "ingress-networking-v1", "horizontalpodautoscaler-autoscaling-v2",
             "poddisruptionbudget-policy-v1"]
CRDS = [  # (clone index, tag, path)
    (1, "v1.30.0", "config/crd/bases/postgresql.cnpg.io_clusters.yaml"),
    (1, "v1.30.0", "config/crd/bases/postgresql.cnpg.io_scheduledbackups.yaml"),
    (2, "v2.22.3", "config/crd/bases/rabbitmq.com_rabbitmqclusters.yaml"),
    (3, "v1.20.1", "config/crd/bases/rabbitmq.com_vhosts.yaml"),
    (3, "v1.20.1", "config/crd/bases/rabbitmq.com_users.yaml"),
    (3, "v1.20.1", "config/crd/bases/rabbitmq.com_permissions.yaml"),
    (3, "v1.20.1", "config/crd/bases/rabbitmq.com_policies.yaml"),
    (4, "v0.93.0", "example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml"),
    (4, "v0.93.0", "example/prometheus-operator-crd/monitoring.coreos.com_prometheusrules.yaml"),
    (4, "v0.93.0", "example/prometheus-operator-crd/monitoring.coreos.com_alertmanagerconfigs.yaml"),
]

class Loader(yaml.SafeLoader):
    """PyYAML resolves a bare '=' to YAML 1.1's value tag, which it cannot construct; CRDs list '=' as an enum value."""

Loader.yaml_implicit_resolvers = {k: [r for r in v if r[0] != "tag:yaml.org,2002:value"] for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}

def show(repo, rev, path):
    return subprocess.run(["git", "-C", repo, "show", f"{rev}:{path}"], check=True, capture_output=True, text=True).stdout

def trim(node):
    if isinstance(node, dict):
        return {k: trim(v) for k, v in node.items() if k != "description"}
    if isinstance(node, list):
        return [trim(v) for v in node]
    return node

def write(name, schema):
    with open(os.path.join(HERE, name), "w") as f:
        json.dump(trim(schema), f, separators=(",", ":"), sort_keys=True)
        f.write("\n")

repos = sys.argv[1:]
os.makedirs(os.path.join(HERE, "kubernetes-v1.34.0"), exist_ok=True)
for kind in K8S_KINDS:
    write(f"kubernetes-v1.34.0/{kind}.json", json.loads(show(repos[0], K8S_COMMIT, f"schemas/{kind}.json")))
for idx, tag, path in CRDS:
    crd = yaml.load(show(repos[idx], tag, path), Loader=Loader)
    group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
    for v in crd["spec"]["versions"]:
        if not v.get("served", True):
            continue
        folder = f"crds/{group}"
        os.makedirs(os.path.join(HERE, folder), exist_ok=True)
        write(f"{folder}/{kind.lower()}-{v['name']}.json", v["schema"]["openAPIV3Schema"])
