"""The docker compose file in the README's Milvus section: it parses and starts what ``--milvus-uri`` expects.

The file lives in the README, not in a ``deploy/`` folder (the design card fixes the
top-level folders), and Docker cannot run here: this checks its shape, not a server.
PyYAML is installed with the project (gradio requires it).
"""
from __future__ import annotations

import re
from pathlib import Path

import yaml

README = Path(__file__).resolve().parents[2] / "README.md"


def compose() -> dict:
    """The one ```yaml block of the README's Milvus section, parsed."""
    text = README.read_text("utf-8")
    section = text.split("\n## Milvus", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"^```yaml\n(.*?)^```$", section, flags=re.S | re.M)
    assert len(blocks) == 1, f"{len(blocks)} yaml blocks in the README's Milvus section"
    return yaml.safe_load(blocks[0])


def test_the_compose_file_runs_etcd_minio_and_milvus_standalone():
    services = compose()["services"]
    assert set(services) == {"etcd", "minio", "standalone"}
    assert services["standalone"]["command"] == ["milvus", "run", "standalone"]
    assert services["standalone"]["environment"]["ETCD_ENDPOINTS"] == "etcd:2379"
    assert services["standalone"]["environment"]["MINIO_ADDRESS"] == "minio:9000"
    assert set(services["standalone"]["depends_on"]) == {"etcd", "minio"}


def test_milvus_listens_on_19530_as_the_readme_commands_expect():
    ports = [str(p) for p in compose()["services"]["standalone"]["ports"]]
    assert "19530:19530" in ports
    assert "--milvus-uri http://localhost:19530" in README.read_text("utf-8")


def test_every_image_is_pinned_to_a_version():
    for name, service in compose()["services"].items():
        image = service["image"]
        repository, _, tag = image.rpartition(":")
        assert repository, f"{name}: {image} has no tag"
        assert "/" not in tag, f"{name}: {image} has no tag"
        assert tag != "latest", f"{name}: {image} is not pinned"
        assert re.search(r"\d", tag), f"{name}: {image} is not pinned to a version"
    assert compose()["services"]["standalone"]["image"].startswith("milvusdb/milvus:v")


def test_every_service_has_a_healthcheck_and_keeps_its_data_in_a_volume():
    for name, service in compose()["services"].items():
        assert service["healthcheck"]["test"][0] == "CMD", name
        assert any(str(v).split(":")[-1].startswith("/") for v in service["volumes"]), name
