"""Tokenizer and settings resolution (pure logic)."""
from pathlib import Path

import pytest

from corpus.errors import SettingsError
from index.lexical import tokenize
from qa.settings import Settings


def test_tokenize_stems_and_drops_function_words():
    assert tokenize("Which ministers met in Naples?") == ["minist", "met", "napl"]
    assert tokenize("the Indo-Pacific") == ["indo-pacif", "indo", "pacif"]
    assert tokenize("UNSCR 1701, G7") == ["unscr", "1701", "g7"]


def test_flags_beat_environment_beats_defaults(tmp_path):
    env = {"QA_CORPUS": str(tmp_path / "env-corpus"), "QA_INDEX": str(tmp_path / "env-index")}
    s = Settings.resolve(env=env)
    assert s.corpus == tmp_path / "env-corpus"
    assert s.index == tmp_path / "env-index"
    s = Settings.resolve(env=env, corpus=str(tmp_path / "flag"))
    assert s.corpus == tmp_path / "flag"
    assert s.index == tmp_path / "env-index"


def test_default_index_depends_on_the_corpus(tmp_path):
    a = Settings.resolve(env={}, corpus=str(tmp_path / "a"))
    b = Settings.resolve(env={}, corpus=str(tmp_path / "b"))
    assert a.index != b.index
    assert "citeqa" in a.index.parts


def test_default_corpus_is_the_bundled_one():
    s = Settings.resolve(env={})
    assert s.corpus.name == "documents"
    assert any(s.corpus.glob("*.txt"))


@pytest.mark.parametrize("k", [0, -1, 101])
def test_bad_k_is_refused(k):
    with pytest.raises(SettingsError):
        Settings(corpus=Path("."), index=Path("."), k=k)


def test_runtime_comes_from_flag_or_environment_and_is_checked():
    assert Settings.resolve(env={}).runtime == "onnx"
    assert Settings.resolve(env={"QA_RUNTIME": "torch"}).runtime == "torch"
    assert Settings.resolve(env={"QA_RUNTIME": "torch"}, runtime="onnx").runtime == "onnx"
    with pytest.raises(SettingsError, match="runtime must be one of"):
        Settings.resolve(env={"QA_RUNTIME": "cuda"})


def test_nprobe_comes_from_the_environment_and_is_checked():
    assert Settings.resolve(env={}).nprobe == 128
    assert Settings.resolve(env={"QA_NPROBE": "16"}).nprobe == 16
    with pytest.raises(SettingsError, match="whole number"):
        Settings.resolve(env={"QA_NPROBE": "many"})
    with pytest.raises(SettingsError, match="between 1 and 65536"):
        Settings.resolve(env={"QA_NPROBE": "0"})


def test_initialisms_find_acronyms_the_corpus_uses():
    from index.lexical import initialisms

    vocab = {"unscr", "wmd", "nato"}
    found = initialisms("Which UN Security Council resolution covers weapons of mass destruction?", vocab.__contains__)
    assert set(found) == {"unscr", "wmd"}
    assert found["wmd"] == {"weapon", "mass", "destruct"}
    assert initialisms("North Atlantic", vocab.__contains__) == {}  # "na" is too short to trust


def test_a_language_model_answers_by_default_and_can_search_instead_or_both():
    def uses(**given):
        s = Settings.resolve(env={}, corpus="docs", llm_url="http://127.0.0.1:8080/v1", **given)
        return s.llm_answers, s.llm_searches

    assert uses() == (True, False)
    assert uses(llm_for="search") == (False, True)
    assert uses(llm_for="both") == (True, True)
    env = {"QA_LLM_URL": "http://127.0.0.1:8080/v1", "QA_LLM_FOR": "search"}
    assert Settings.resolve(env=env, corpus="docs").llm_searches
    assert not Settings.resolve(env={}, corpus="docs", llm_for="both").llm_searches  # no model, nothing to ask
    with pytest.raises(SettingsError, match="one of answer, search, both"):
        Settings.resolve(env={}, corpus="docs", llm_for="everything")
