"""The encoder exported once to ONNX, in a cache keyed by the model files' hash.

Layout of one export (``<cache>/citeqa/encoders/<fingerprint>/``)::

    model.onnx       the transformer: token ids -> last hidden states (its inputs are the
                     model's: input_ids, attention_mask and, for BERT-likes, token_type_ids)
    tokenizer.json   the model's tokenizer, for the ``tokenizers`` library
    export.json      format, model, fingerprint, dimension, token limit, input names, graph
                     size, and the sentence-transformers vector of a probe text

Writing an export needs PyTorch and sentence-transformers (done when an index is built,
or the first time a question needs it); reading one needs ONNX Runtime and
``tokenizers`` only. Every open checks the graph's SHA-256 (damage) and re-encodes the
probe text, comparing it with the vector sentence-transformers gave at export time (a
runtime that computes differently), before a question is encoded.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from index.atomic import replace_dir
from index.encoder import PooledEncoder

EXPORT_FORMAT = 1
GRAPH, TOKENIZER, META = "model.onnx", "tokenizer.json", "export.json"
PROBE = "A probe sentence, 2024: does the exported encoder still give sentence-transformers' vectors?"
TOLERANCE = 1e-5  # largest difference from sentence-transformers' vector an export may show


class ExportProblem(Exception):
    """An export that is missing, stale or damaged; the message says which (one line)."""

    def __init__(self, message: str, *, missing: bool = False):
        super().__init__(message)
        self.missing = missing  # never written (or the cache was cleared): nothing to warn about


def cache_home() -> Path:
    """This program's cache folder: ``$XDG_CACHE_HOME/citeqa`` or ``~/.cache/citeqa``."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "citeqa"


def export_folder(fingerprint: str) -> Path:
    """Where the export of the model with ``fingerprint`` lives."""
    return cache_home() / "encoders" / fingerprint[:32]


def model_fingerprint(model_path: str | Path) -> str:
    """SHA-256 over the names and bytes of every file of a model folder (hidden ones skipped)."""
    root = Path(model_path)
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        relative = path.relative_to(root)
        if any(part.startswith(".") for part in relative.parts):
            continue
        digest.update(str(relative).encode() + b"\0")
        digest.update(bytes.fromhex(file_sha256(path)))
    return digest.hexdigest()


def file_sha256(path: Path) -> str:
    """The SHA-256 hex digest of the file at ``path``, read in chunks."""
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def open_export(fingerprint: str, name: str, *, threads: int | None = None) -> PooledEncoder:
    """The encoder of the export of model ``name`` with ``fingerprint``, checked against its probe.

    Raises :class:`ExportProblem` when the export is missing, was written by another
    format or for another model, or is damaged (unreadable, truncated, wrong vectors).
    """
    folder = export_folder(fingerprint)
    if not (folder / META).exists():
        raise ExportProblem(f"no ONNX export of {name} in {folder.parent} yet", missing=True)
    try:
        meta = json.loads((folder / META).read_text("utf-8"))
        if meta.get("format") != EXPORT_FORMAT or meta.get("fingerprint") != fingerprint:
            raise ExportProblem(f"the ONNX export of {name} at {folder} is stale (format {meta.get('format')})")
        graph = folder / GRAPH
        # The whole graph is hashed (0.07 s for the bundled model): the probe text reaches few
        # rows of the token embedding table, and a damaged row would change only the vectors
        # of texts with that token.
        if graph.stat().st_size != meta["graph_bytes"] or file_sha256(graph) != meta["graph_sha256"]:
            raise ExportProblem(f"the ONNX export of {name} at {folder} is damaged ({GRAPH} has changed)")
        from index.onnx_runtime import OnnxBackend

        backend = OnnxBackend(graph, folder / TOKENIZER, max_length=int(meta["max_length"]),
                              pad_id=int(meta["pad_id"]), threads=threads)
        encoder = PooledEncoder(backend, name=name, dimension=int(meta["dimension"]), runtime="onnx",
                                fingerprint=fingerprint)
        probe = encoder.encode([PROBE])[0]
        expected = np.asarray(meta["probe_vector"], dtype=np.float32)
    except ExportProblem:
        raise
    except Exception as e:  # unreadable JSON, missing keys or files, a graph ONNX Runtime refuses
        raise ExportProblem(f"the ONNX export of {name} at {folder} is damaged ({type(e).__name__})") from e
    if probe.shape != expected.shape or float(np.abs(probe - expected).max()) > TOLERANCE:
        # An intact graph that this ONNX Runtime computes differently from PyTorch.
        raise ExportProblem(f"the ONNX export of {name} at {folder} is stale (its vectors differ from the model's)")
    return encoder


def write_export(model: Any, name: str, fingerprint: str, *, threads: int | None = None) -> PooledEncoder:
    """Export a loaded, mean-pooled sentence-transformers ``model`` and return its encoder.

    The export is written beside the cache and swapped in whole, so a reader never sees
    half of one and two processes exporting at once both end with a complete export.
    Raises :class:`ExportProblem` when the export cannot be written or does not check out.
    """
    import torch

    from index.torch_encoder import LastHiddenState, transformer_inputs

    folder = export_folder(fingerprint)
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    except OSError as e:
        raise ExportProblem(f"cannot write the ONNX export of {name} into {folder.parent} ({e.strerror})") from e
    try:
        transformer = model[0]
        inputs = transformer_inputs(model)
        example = tuple((torch.zeros if name == "token_type_ids" else torch.ones)((1, 8), dtype=torch.long)
                        for name in inputs)
        axes = {axis: {0: "batch", 1: "tokens"} for axis in (*inputs, "hidden")}
        with torch.inference_mode(False), torch.no_grad():
            import warnings

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                torch.onnx.export(LastHiddenState(transformer.auto_model, inputs).eval(),
                                  example, str(work / GRAPH), dynamo=False,
                                  input_names=list(inputs),
                                  output_names=["hidden"], dynamic_axes=axes, opset_version=17)
        transformer.tokenizer.backend_tokenizer.save(str(work / TOKENIZER))
        probe = model.encode([PROBE], normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)[0]
        meta = {
            "format": EXPORT_FORMAT,
            "model": name,
            "fingerprint": fingerprint,
            "dimension": int(probe.shape[0]),
            "max_length": int(transformer.max_seq_length),
            "pad_id": int(transformer.tokenizer.pad_token_id or 0),
            "inputs": list(inputs),  # for people: the runtime takes the names from the graph itself
            "graph_bytes": (work / GRAPH).stat().st_size,
            "graph_sha256": file_sha256(work / GRAPH),
            "exporter": {"torch": torch.__version__, "onnx": _version("onnx"), "opset": 17},
            "probe_vector": [float(x) for x in probe],
        }
        (work / META).write_text(json.dumps(meta) + "\n", "utf-8")
        replace_dir(work, folder)
    except ExportProblem:
        raise
    except Exception as e:  # an architecture the exporter cannot trace, a full disk
        raise ExportProblem(f"cannot export {name} to ONNX ({type(e).__name__}: {e})") from e
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return open_export(fingerprint, name, threads=threads)


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "unknown"
