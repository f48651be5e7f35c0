"""FaissVectorStore: per-document add/delete, save/load, exact vs approximate search."""
import numpy as np
import pytest

from index.errors import IndexFolderError
from index.vectors import FaissVectorStore, StorePlan


def unit(rows, dim=32, seed=0):
    v = np.random.default_rng(seed).normal(size=(rows, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_rows_follow_sorted_documents_whatever_the_insertion_order(tmp_path):
    a, b = unit(3, seed=1), unit(2, seed=2)
    store = FaissVectorStore(32)
    store.add("b.txt", b)
    store.add("a.txt", a)
    assert store.documents() == ["a.txt", "b.txt"]
    assert store.ntotal == 5
    assert np.allclose(store.rows(np.array([0, 3])), np.stack([a[0], b[0]]))
    scores, rows = store.search(b[1], 2)
    assert rows[0] == 4
    assert np.isclose(scores[0], 1.0, atol=1e-5)
    store.delete("a.txt")
    assert store.ntotal == 2
    assert store.search(b[1], 1)[1][0] == 1


def test_save_load_round_trip(tmp_path):
    store = FaissVectorStore(32)
    store.add("a", unit(4))
    store.save(tmp_path, "v")
    loaded = FaissVectorStore.load(tmp_path, "v")
    assert loaded.documents() == ["a"]
    assert loaded.factory == "Flat"
    assert np.allclose(loaded.vectors_of("a"), unit(4))
    with pytest.raises(ValueError):
        loaded.add("a", unit(1))


def test_large_stores_use_an_approximate_index_with_measured_recall(tmp_path):
    plan = StorePlan(exact_below=500, nprobe=16, rerank=50, recall_sample=100)
    centers = unit(20, seed=3)
    data = centers[np.random.default_rng(4).integers(0, 20, 3000)] + np.random.default_rng(5).normal(0, 0.3, (3000, 32))
    data = (data / np.linalg.norm(data, axis=1, keepdims=True)).astype(np.float32)
    store = FaissVectorStore(32, plan)
    store.add("big", data)
    store.save(tmp_path, "v")
    assert store.factory.startswith("IVF")
    assert store.factory.endswith("SQ8")
    assert store.recall_at_10 is not None
    assert store.recall_at_10 >= 0.9
    loaded = FaissVectorStore.load(tmp_path, "v", plan)
    scores, rows = loaded.search(data[123], 5)
    assert rows[0] == 123
    assert scores[0] == pytest.approx(1.0, abs=1e-5)


def test_damaged_store_is_reported(tmp_path):
    store = FaissVectorStore(32)
    store.add("a", unit(4))
    store.save(tmp_path, "v")
    (tmp_path / "v.npy").write_bytes(b"garbage")
    with pytest.raises(IndexFolderError, match="cannot be read"):
        FaissVectorStore.load(tmp_path, "v")


def test_chunked_exact_search_equals_faiss_flat():
    import faiss

    from index.vectors import _exact_top

    data, queries = unit(1000, seed=6), unit(7, seed=7)
    flat = faiss.IndexFlatIP(32)
    flat.add(data)
    assert np.array_equal(_exact_top(data, queries, 10, chunk=128), flat.search(queries, 10)[1])


def test_saved_store_is_backed_by_its_file_and_still_searchable(tmp_path):
    a, b = unit(3, seed=8), unit(5, seed=9)
    store = FaissVectorStore(32)
    store.add("b", b)
    store.add("a", a)
    store.save(tmp_path, "v")
    assert isinstance(store._matrix, np.memmap)  # no in-memory copy of all vectors after saving
    assert np.array_equal(store.vectors_of("a"), a)
    assert np.array_equal(store.vectors_of("b"), b)
    assert store.search(b[2], 1)[1][0] == 5
    assert np.array_equal(np.load(tmp_path / "v.npy"), np.concatenate([a, b]))


def test_a_loaded_store_reads_rows_from_its_file_without_mapping_it(tmp_path):
    data = unit(50, seed=10)
    store = FaissVectorStore(32)
    store.add("a", data[:20])
    store.add("b", data[20:])
    store.save(tmp_path, "v")
    loaded = FaissVectorStore.load(tmp_path, "v")
    rows = np.array([49, 0, 7, 7, 20])
    assert np.array_equal(loaded.rows(rows), data[rows])
    assert loaded.rows(np.array([], dtype=np.int64)).shape == (0, 32)
    with pytest.raises(IndexError):
        loaded.rows(np.array([50]))
    loaded.delete("a")  # changed in memory: rows come from the new matrix, not the file
    assert np.array_equal(loaded.rows(np.array([0])), data[20:21])


@pytest.mark.parametrize("exact_below", [10_000, 500])  # Flat, then IVF with re-ranking
def test_search_within_rows_returns_k_rows_from_those_ranges_only(tmp_path, exact_below):
    plan = StorePlan(exact_below=exact_below, nprobe=64, rerank=50, recall_sample=20)
    store = FaissVectorStore(32, plan)
    for i, doc in enumerate("abcd"):
        store.add(doc, unit(300, seed=i))
    store.save(tmp_path, "v")
    loaded = FaissVectorStore.load(tmp_path, "v", plan)
    query = unit(1, seed=9)[0]
    for within in ([(300, 600)], [(0, 300), (900, 1200)], [(5, 7)]):
        scores, rows = loaded.search(query, 10, within)
        allowed = np.concatenate([np.arange(a, b) for a, b in within])
        expected = min(10, len(allowed))
        assert (rows >= 0).sum() == expected
        assert set(rows[rows >= 0]) <= set(allowed)
        exact = np.asarray(loaded.rows(allowed)) @ query
        assert set(rows[rows >= 0]) == set(allowed[np.argsort(-exact)[:expected]])  # the best of those rows
