"""The Milvus vector store on the real engine (Milvus Lite, and its gRPC server standing in for a Milvus server).

Same answers as FAISS, incremental re-indexing, the atomic-swap guarantee, and the
errors a user can meet (store mismatch, bad URI, unreachable server, refused token, missing collection,
another dimension, a database open in another process): one ``error:`` line each.
"""
from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pymilvus")
pytest.importorskip("milvus_lite")

from corpus import default_corpus_dir  # noqa: E402
from index.backends import StoreChoice  # noqa: E402
from index.store import build_index, load_index  # noqa: E402
from qa.engine import Engine  # noqa: E402
from qa.indexing import update_index  # noqa: E402
from qa.settings import Settings  # noqa: E402

QA = str(Path(sys.executable).with_name("qa"))
DATA = Path(__file__).parent.parent / "data"
HARBOUR = DATA / "harbour.txt"  # a third document, added by the incremental re-index tests
# The shared dev set when this checkout sits beside it; the bundled questions always.
DEV = Path(__file__).resolve().parents[3] / "shared" / "eval" / "dev.jsonl"
MILVUS = StoreChoice("milvus")


def run(*args: str, env_extra: dict | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", **(env_extra or {})}
    return subprocess.run([QA, *args], capture_output=True, text=True, env=env, timeout=300)


def one_error(result: subprocess.CompletedProcess, *needles: str) -> str:
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    for needle in needles:
        assert needle in errors[0], errors[0]
    return errors[0]


@pytest.fixture(scope="module")
def milvus_index_dir(tmp_path_factory, seed_documents, encoder, annotator) -> Path:
    """The bundled corpus indexed into Milvus Lite inside the index folder (closed after the build)."""
    folder = tmp_path_factory.mktemp("milvus") / "index"
    build_index(seed_documents, folder, encoder, annotator, store=MILVUS)
    return folder


def questions() -> list[str]:
    """Dev questions (if present), the bundled gold questions, and one probe per paragraph (its first words)."""
    files = [DATA / "gold_small.jsonl", *([DEV] if DEV.exists() else [])]
    asked = [json.loads(line)["question"] for f in files for line in f.read_text("utf-8").splitlines() if line.strip()]
    from corpus import load_corpus

    paragraphs = [p for d in load_corpus(default_corpus_dir(), warn=lambda m: None) for p in d.paragraphs]
    return asked + [" ".join(p.text.split()[:12]) for p in paragraphs if len(p.text.split()) >= 6]


def test_milvus_gives_the_same_top_5_passages_as_faiss(engine, milvus_index_dir, encoder):
    settings = Settings.resolve(env={}, index=str(milvus_index_dir), store="milvus")
    milvus = Engine.open(settings, encoder=encoder, build_if_missing=False)
    try:
        asked = questions()
        same = 0
        for question in asked:
            faiss_answer, milvus_answer = engine.ask(question, k=5), milvus.ask(question, k=5)
            faiss_ids = [h.paragraph.id for h in faiss_answer.passages]
            milvus_ids = [h.paragraph.id for h in milvus_answer.passages]
            same += faiss_ids == milvus_ids
            if faiss_ids == milvus_ids:
                scores = [(a.score, b.score) for a, b in zip(faiss_answer.passages, milvus_answer.passages)]
                assert np.allclose(*zip(*scores), atol=1e-4)
        assert len(asked) >= 50
        assert same / len(asked) >= 0.95, f"{same} of {len(asked)} questions have the same top 5"
    finally:
        milvus.index.close()


def test_the_milvus_index_records_its_store_and_holds_the_faiss_vectors(milvus_index_dir, seed_index_dir):
    manifest = json.loads((milvus_index_dir / "manifest.json").read_text())
    assert manifest["store"] == "milvus"
    assert manifest["vector_store"]["index_type"] == "FLAT"
    assert manifest["vector_store"]["uri"].startswith("milvus-")
    assert set(manifest["vector_store"]["collections"]) == {"vectors", "sentence_vectors"}
    assert (milvus_index_dir / manifest["vector_store"]["uri"]).is_dir()
    faiss, milvus = load_index(seed_index_dir), load_index(milvus_index_dir, store=MILVUS)
    try:
        assert milvus.vectors.documents() == faiss.vectors.documents()
        assert milvus.vectors.ntotal == faiss.vectors.ntotal
        rows = np.array([5, 0, 17, 5])
        assert np.allclose(milvus.vectors.rows(rows), faiss.vectors.rows(rows), atol=1e-6)
        assert np.allclose(milvus.sentence_vectors.rows(rows), faiss.sentence_vectors.rows(rows), atol=1e-6)
        doc = faiss.vectors.documents()[1]
        assert np.allclose(milvus.vectors.vectors_of(doc), faiss.vectors.vectors_of(doc), atol=1e-6)
        scores, found = milvus.vectors.search(faiss.vectors.rows(np.array([17]))[0], 3)
        assert found[0] == 17
        assert scores[0] == pytest.approx(1.0, abs=1e-5)
        assert list(milvus.vectors.search(faiss.vectors.rows(np.array([0]))[0], 200)[1][-5:]) == [-1] * 5
    finally:
        milvus.close()



def test_add_edit_delete_re_index_incrementally_and_equal_faiss(tmp_path, encoder, annotator):
    corpus = tmp_path / "docs"
    shutil.copytree(default_corpus_dir(), corpus)
    milvus = Settings.resolve(env={}, corpus=str(corpus), index=str(tmp_path / "milvus"), store="milvus")
    faiss = Settings.resolve(env={}, corpus=str(corpus), index=str(tmp_path / "faiss"))
    assert update_index(milvus, encoder, annotator=annotator).changes["added"] == 2

    shutil.copy(HARBOUR, corpus / "harbour.txt")
    small = corpus / "002_9584fc23a3ef617f.txt"
    small.write_text(small.read_text("utf-8").replace("Thirty countries", "Thirty-one countries"), "utf-8")
    second = update_index(milvus, encoder, annotator=annotator)
    assert (second.changes["added"], second.changes["changed"], second.changes["unchanged"]) == (1, 1, 1)

    small.unlink()
    third = update_index(milvus, encoder, annotator=annotator)
    assert (third.changes["removed"], third.changes["unchanged"]) == (1, 2)
    assert update_index(milvus, encoder, annotator=annotator).built is False

    update_index(faiss, encoder, annotator=annotator)
    got, want = load_index(milvus.index, store=milvus.store_choice), load_index(faiss.index)
    try:
        assert [p.id for p in got.paragraphs] == [p.id for p in want.paragraphs]
        assert got.vectors.documents() == want.vectors.documents() == ["000_d2885f09925ae4a5.txt", "harbour.txt"]
        every = np.arange(want.vectors.ntotal)
        assert np.allclose(got.vectors.rows(every), want.vectors.rows(every), atol=1e-5)
        assert len(list(milvus.index.glob("milvus-*.db"))) == 1  # the previous builds' databases left with their folders
        assert not list(tmp_path.glob(".milvus.building-*"))
        engine = Engine(milvus, got, encoder)
        assert "nine million" in engine.ask("What capacity does the new container terminal give the harbour?").text
    finally:
        got.close()


def test_switching_store_reuses_the_vectors_and_rebuilds(tmp_path, encoder, annotator):
    settings = Settings.resolve(env={}, index=str(tmp_path / "index"))
    update_index(settings, encoder, annotator=annotator)
    switched = Settings.resolve(env={}, index=str(tmp_path / "index"), store="milvus")
    report = update_index(switched, encoder, annotator=annotator)
    assert report.built
    assert report.changes["unchanged"] == 2  # the FAISS index's vectors were copied, not computed again
    assert report.manifest.store == "milvus"


def test_a_failure_mid_build_leaves_the_previous_index_answering(tmp_path, encoder, annotator, monkeypatch):
    settings = Settings.resolve(env={}, index=str(tmp_path / "index"), store="milvus")
    update_index(settings, encoder, annotator=annotator)
    before = json.loads((settings.index / "manifest.json").read_text())

    def crash(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("index.store.similarity_percentiles", crash)  # after both collections are written
    with pytest.raises(RuntimeError, match="disk full"):
        update_index(settings, encoder, annotator=annotator, force=True)
    monkeypatch.undo()
    assert json.loads((settings.index / "manifest.json").read_text()) == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".index.building-")]
    index = load_index(settings.index, store=settings.store_choice)
    try:
        assert "2002" in Engine(settings, index, encoder).ask("When was the Global Partnership launched?").text
    finally:
        index.close()


def test_asking_with_another_store_than_the_index_was_built_with(milvus_index_dir, seed_index_dir):
    one_error(run("ask", "--index", str(milvus_index_dir), "Who met in Naples?"),
              "built with the milvus vector store, not faiss", "--store milvus")
    one_error(run("ask", "--store", "milvus", "--index", str(seed_index_dir), "Who met in Naples?"),
              "built with the faiss vector store, not milvus")


def test_the_cli_answers_from_milvus_lite(milvus_index_dir):
    result = run("ask", "--index", str(milvus_index_dir), "--json", "When was the Global Partnership launched?",
                 env_extra={"QA_STORE": "milvus", "QA_DEBUG_MODULES": "1"})
    assert result.returncode == 0, result.stderr
    assert "2002" in json.loads(result.stdout)["answer"]
    assert "pymilvus" in result.stderr  # QA_DEBUG_MODULES lists it: the Milvus path loads it (the FAISS path does not)


@pytest.mark.parametrize(("uri", "needle"), [
    ("not-a-uri", "neither http(s)://host:port"),
    ("/nonexistent/folder/x.db", "cannot open Milvus at /nonexistent/folder/x.db"),
])
def test_a_bad_milvus_uri_is_one_error_line(tmp_path, uri, needle):
    one_error(run("index", "--store", "milvus", "--milvus-uri", uri, "--index", str(tmp_path / "index")), needle)
    assert not (tmp_path / "index").exists()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_unreachable_server_is_one_error_line_without_the_token(tmp_path):
    uri = f"http://127.0.0.1:{free_port()}"
    result = run("index", "--store", "milvus", "--milvus-uri", uri, "--index", str(tmp_path / "index"),
                 env_extra={"QA_MILVUS_TOKEN": "root:s3cret-token"})
    one_error(result, f"cannot open Milvus at {uri}", "QA_MILVUS_TOKEN")
    assert "s3cret" not in result.stderr + result.stdout


# What a Milvus server with authentication answers a wrong token, on every call, Connect included
# (status.Error(codes.Unauthenticated, ...) in its proxy's AuthenticationInterceptor).
AUTH_FAILURE = "auth check failure, please check username and password are correct"


@pytest.fixture(params=["every call", "after connecting"])
def refusing_server(request):
    """A real gRPC server on the Milvus service that refuses calls with the status a Milvus server gives a wrong token.

    Milvus Lite has no authentication (``milvus-lite server`` serves an insecure port and
    ignores the ``authorization`` header), and Docker cannot run here. "every call" is what
    a server with authentication does; "after connecting" accepts Connect and refuses the
    rest, as a server does when the token is revoked while connected (pymilvus passes that
    status through as a raw grpc.RpcError). Yields the URI and the (method, authorization
    header) of every call it received.
    """
    from concurrent import futures

    import grpc
    from pymilvus.grpc_gen import common_pb2, milvus_pb2

    calls: list[tuple[str, str]] = []

    def connect(req, context):
        return milvus_pb2.ConnectResponse(status=common_pb2.Status(code=0), identifier=1)

    def refuse(req, context):
        context.abort(grpc.StatusCode.UNAUTHENTICATED, AUTH_FAILURE)

    class Refusing(grpc.GenericRpcHandler):
        def service(self, details):
            calls.append((details.method, dict(details.invocation_metadata).get("authorization", "")))
            if request.param == "after connecting" and details.method.endswith("/Connect"):
                return grpc.unary_unary_rpc_method_handler(
                    connect, request_deserializer=milvus_pb2.ConnectRequest.FromString,
                    response_serializer=milvus_pb2.ConnectResponse.SerializeToString)
            return grpc.unary_unary_rpc_method_handler(refuse)

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    server.add_generic_rpc_handlers((Refusing(),))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        yield f"http://127.0.0.1:{port}", calls
    finally:
        server.stop(grace=None)


def test_a_refused_token_is_one_error_line_naming_qa_milvus_token(tmp_path, refusing_server):
    uri, calls = refusing_server
    token = "root:wr0ng-s3cret"
    result = run("index", "--store", "milvus", "--milvus-uri", uri, "--index", str(tmp_path / "index"),
                 env_extra={"QA_MILVUS_TOKEN": token})
    error = one_error(result, f"Milvus at {uri}", f"the server refused the token ({AUTH_FAILURE})",
                      "set QA_MILVUS_TOKEN to a user:password (or an API key) that this server accepts")
    assert "s3cret" not in result.stderr + result.stdout
    assert not (tmp_path / "index").exists()
    # The token reached the server as Milvus reads it: base64 of user:password in the authorization header.
    assert calls[0] == ("/milvus.proto.milvus.MilvusService/Connect", base64.b64encode(token.encode()).decode())
    if len(calls) > 1:  # connected, then refused at the first call on a collection
        assert "failed (" in error


def _collection_with_another_dimension(folder: Path, drop_only: bool) -> str:
    from pymilvus import DataType, MilvusClient

    manifest = json.loads((folder / "manifest.json").read_text())
    collection = manifest["vector_store"]["collections"]["vectors"]
    database = str(folder / manifest["vector_store"]["uri"])
    client = MilvusClient(database)
    try:
        client.drop_collection(collection)
        if not drop_only:
            schema = MilvusClient.create_schema(auto_id=False)
            schema.add_field("row", DataType.INT64, is_primary=True)
            schema.add_field("doc", DataType.VARCHAR, max_length=64)
            schema.add_field("vector", DataType.FLOAT_VECTOR, dim=8)
            client.create_collection(collection, schema=schema)
    finally:
        client.close()
        from milvus_lite.server_manager import server_manager_instance

        server_manager_instance.release_server(database)
    return collection


@pytest.mark.parametrize(("drop_only", "needle"), [(False, "holds 8-d vectors, the index 384-d ones"),
                                                    (True, "does not hold")])
def test_a_missing_collection_or_one_of_another_dimension_is_one_error_line(milvus_index_dir, tmp_path, drop_only,
                                                                               needle):
    folder = tmp_path / "index"
    shutil.copytree(milvus_index_dir, folder)
    collection = _collection_with_another_dimension(folder, drop_only)
    error = one_error(run("ask", "--store", "milvus", "--index", str(folder), "Who met in Naples?"), needle, collection)
    assert "rebuild it with: qa index" in error


def test_a_lite_database_open_in_another_process_is_one_error_line(milvus_index_dir):
    index = load_index(milvus_index_dir, store=MILVUS)
    try:
        one_error(run("ask", "--store", "milvus", "--index", str(milvus_index_dir), "Who met in Naples?"),
                  "is open in another process", "Milvus server")
    finally:
        index.close()


@pytest.fixture
def lite_server(tmp_path):
    """Milvus Lite's own gRPC server (``milvus-lite server``): a Milvus server for pymilvus, without Docker."""
    port = free_port()
    server = subprocess.Popen([str(Path(sys.executable).with_name("milvus-lite")), "server", "--data-dir",
                               str(tmp_path / "server-data"), "--host", "127.0.0.1", "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(30)


def test_a_server_gets_new_collections_per_build_and_the_old_ones_dropped(tmp_path, lite_server, encoder, annotator,
                                                                          monkeypatch):
    from pymilvus import MilvusClient

    settings = Settings.resolve(env={}, index=str(tmp_path / "index"), store="milvus", milvus_uri=lite_server)
    first = update_index(settings, encoder, annotator=annotator).manifest
    assert first.vector_store["uri"] == lite_server
    assert not list(settings.index.glob("*.db"))
    second = update_index(settings, encoder, annotator=annotator, force=True).manifest
    client = MilvusClient(lite_server)
    try:
        assert sorted(client.list_collections()) == sorted(second.vector_store["collections"].values())

        monkeypatch.setattr("index.store.similarity_percentiles", lambda *a: (_ for _ in ()).throw(RuntimeError("crash")))
        with pytest.raises(RuntimeError, match="crash"):
            update_index(settings, encoder, annotator=annotator, force=True)
        monkeypatch.undo()
        # The failed build's collections are gone; the previous ones still answer.
        assert sorted(client.list_collections()) == sorted(second.vector_store["collections"].values())
    finally:
        client.close()
    # Without --milvus-uri the index's recorded server is used.
    reopened = Settings.resolve(env={}, index=str(settings.index), store="milvus")
    index = load_index(reopened.index, store=reopened.store_choice)
    try:
        assert "2002" in Engine(reopened, index, encoder).ask("When was the Global Partnership launched?").text
    finally:
        index.close()
