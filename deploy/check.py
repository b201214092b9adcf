#!/usr/bin/env python3
"""Checks what the schemas cannot: that compose.yaml and deploy/kubernetes/ keep the deployment's
promises (the gateway alone published, services internal and replicated, every container probed,
secrets only by reference, the network policy's who-may-call-whom, the database reachable by the
gateway alone).

    docker-compose --env-file .env.example config > /tmp/compose.resolved.yaml
    python3 deploy/check.py /tmp/compose.resolved.yaml deploy/kubernetes

Prints one line per broken promise and exits 1 when there is any. Needs PyYAML.
"""
import pathlib
import sys

import yaml

SECRETS = {"RPC_TOKEN", "GEMINI_API_KEY", "COACH_STATE_KEY", "SUPABASE_JWT_SECRET", "DATABASE_URL"}
RPC_SERVICES = {"generation": 7101, "coach": 7102}
# Who may open connections to each RPC service (the network policy).
ALLOWED_CALLERS = {"generation": {"gateway", "coach"}, "coach": {"gateway"}}
# Where each service serves Prometheus /metrics (METRICS_ADDR: its RPC port + 1000).
METRICS_PORTS = {"generation": 8101, "coach": 8102}

problems = []


def expect(condition, message):
    if not condition:
        problems.append(message)


def check_compose(path):
    config = yaml.safe_load(pathlib.Path(path).read_text())
    services = config["services"]
    networks = config.get("networks", {})
    expect(set(services) == {"gateway", "generation", "coach", "gemini-simulator", "postgres"}, f"compose: unexpected services {sorted(services)}")
    for name, service in services.items():
        expect("healthcheck" in service and service["healthcheck"].get("test"), f"compose: {name} has no health check")
        expect(service.get("restart") in {"always", "unless-stopped", "on-failure"}, f"compose: {name} has no restart policy")
        expect(name == "gateway" or not service.get("ports"), f"compose: {name} publishes a port; only the gateway may")
        expect(service.get("read_only") is True, f"compose: {name} has a writable root file system")
        on = set(service.get("networks", {}))
        if name == "postgres":
            # The database: on internal networks only, which nothing but the gateway joins.
            for network in on:
                expect(networks.get(network, {}).get("internal") is True, f"compose: postgres is on the non-internal network {network}")
                others = sorted(n for n, s in services.items() if n not in {"postgres", "gateway"} and network in s.get("networks", {}))
                expect(not others, f"compose: {others} reach the database on {network}")
        elif name != "gateway":
            expect("edge" not in on, f"compose: {name} is on the gateway's public network")
            expect("rpc" in on, f"compose: {name} is not on the internal rpc network")
    expect(networks.get("rpc", {}).get("internal") is True, "compose: the rpc network is not internal")
    expect(bool(services["gateway"].get("ports")), "compose: the gateway is not published")
    expect(services["gemini-simulator"].get("profiles") == ["offline"], "compose: the simulator is not behind the offline profile")
    gateway_env = services["gateway"].get("environment", {})
    expect("GEMINI_API_KEY" not in gateway_env, "compose: the gateway gets the Gemini key")
    for name, port in RPC_SERVICES.items():
        replicas = services[name].get("deploy", {}).get("replicas", 1)
        expect(int(replicas) >= 2, f"compose: {name} has {replicas} replica(s)")
        # The service's DNS name, which Docker answers with every replica's address.
        expect(gateway_env.get(f"{name.upper()}_ADDR") == f"{name}:{port}", f"compose: the gateway does not reach {name} by its DNS name")
        expect("RPCHealthCheck" in " ".join(services[name]["healthcheck"]["test"]), f"compose: {name}'s health check does not speak the RPC")


def check_kubernetes(folder):
    documents = []
    for path in sorted(pathlib.Path(folder).glob("*.yaml")):
        documents += [d for d in yaml.safe_load_all(path.read_text()) if d and "kind" in d and d.get("apiVersion", "").find("kustomize") < 0]
    by_kind = {}
    for document in documents:
        by_kind.setdefault(document["kind"], {})[document["metadata"]["name"]] = document
    deployments = by_kind.get("Deployment", {})
    expect(set(deployments) == {"gateway", "generation", "coach"}, f"kubernetes: unexpected Deployments {sorted(deployments)}")
    for name, deployment in deployments.items():
        pod = deployment["spec"]["template"]["spec"]
        expect(pod.get("securityContext", {}).get("runAsNonRoot") is True, f"kubernetes: {name} may run as root")
        for container in pod["containers"]:
            for probe in ("readinessProbe", "livenessProbe"):
                expect(probe in container, f"kubernetes: {name} has no {probe}")
            resources = container.get("resources", {})
            for part in ("requests", "limits"):
                expect({"cpu", "memory"} <= set(resources.get(part, {})), f"kubernetes: {name} lacks cpu/memory {part}")
            for variable in container.get("env", []):
                if variable["name"] in SECRETS:
                    expect("secretKeyRef" in variable.get("valueFrom", {}), f"kubernetes: {name} sets {variable['name']} other than by a Secret reference")
        hpa = by_kind.get("HorizontalPodAutoscaler", {}).get(name)
        expect(hpa is not None and hpa["spec"]["scaleTargetRef"]["name"] == name, f"kubernetes: {name} has no HorizontalPodAutoscaler")
    gateway_env = {v["name"] for v in deployments["gateway"]["spec"]["template"]["spec"]["containers"][0].get("env", [])}
    expect("GEMINI_API_KEY" not in gateway_env, "kubernetes: the gateway gets the Gemini key")
    for name in RPC_SERVICES:
        service = by_kind.get("Service", {}).get(name, {})
        expect(service.get("spec", {}).get("clusterIP") == "None", f"kubernetes: the Service {name} is not headless")
    check_network_policies(by_kind.get("NetworkPolicy", {}).values())


def check_network_policies(policies):
    """Who may reach each RPC service, read from the policies that select it."""
    for policy in policies:
        if not policy["spec"].get("podSelector"):
            expect(not policy["spec"].get("ingress"), f"kubernetes: {policy['metadata']['name']} opens every pod")
    for target, allowed in ALLOWED_CALLERS.items():
        callers = set()
        selected = False
        for policy in policies:
            spec = policy["spec"]
            selector = spec.get("podSelector", {}).get("matchLabels", {})
            if selector.get("app.kubernetes.io/name") != target or "Ingress" not in spec.get("policyTypes", []):
                continue
            selected = True
            for rule in spec.get("ingress", []):
                sources = rule.get("from")
                expect(sources, f"kubernetes: a policy lets anyone reach {target}")
                # Prometheus' scrape: the metrics port alone, from its namespace; never the RPC port.
                if {port.get("port") for port in rule.get("ports", [])} == {METRICS_PORTS[target]}:
                    continue
                for source in sources or []:
                    expect(set(source) == {"podSelector"}, f"kubernetes: a policy lets a namespace or an IP range reach {target}")
                    callers.add(source.get("podSelector", {}).get("matchLabels", {}).get("app.kubernetes.io/name"))
        expect(selected, f"kubernetes: no NetworkPolicy restricts who reaches {target}")
        expect(callers == allowed, f"kubernetes: {target} is reachable from {sorted(map(str, callers))}, not {sorted(allowed)}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    check_compose(sys.argv[1])
    check_kubernetes(sys.argv[2])
    for problem in problems:
        print(problem)
    print("deployment checks:", "ok" if not problems else f"{len(problems)} problem(s)")
    sys.exit(1 if problems else 0)
