"""The question-answering engine: a loaded index, the encoder, and the answer step."""
from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np

from corpus.errors import QuestionError
from corpus.types import Paragraph
from index.encoder import Encoder, resolve_model_path
from index.entries import question_options
from index.errors import IndexFolderError
from index.export import ExportProblem, model_fingerprint, open_export
from index.lexical import initialisms, tokenize
from index.manifest import Manifest
from index.search import FusionWeights, HybridSearcher
from index.store import LoadedIndex, built_by_other_code, load_index
from index.types import Hit
from qa.abstention import FocusPolicy, missing_focus, missing_reason, off_domain_reason
from qa.answering import (
    AnswerPolicy,
    ScoredSentence,
    choose_sentences,
    complete_lead_ins,
    complete_references,
    compose_answer,
    score_sentences,
    similar_words,
)
from qa.expansion import expanded_vector, guess_answer
from qa.focus import Evidence, context_terms, equivalents, focus_terms, match_terms, word_vector, words_to_encode
from qa.generated import generate_answer
from qa.indexing import update_index
from qa.llm import GenerationError, LLMClient
from qa.phrases import noun_phrases
from qa.question import clean_question
from qa.scope import resolve_documents
from qa.settings import Settings
from qa.types import Answer


class QuestionAnswerer(Protocol):
    """What the chat page needs of an engine; :class:`Engine` and :class:`qa.live.LiveEngine` are both one."""

    @property
    def settings(self) -> Settings: ...

    @property
    def index(self) -> LoadedIndex: ...

    def ask(self, question: str, k: int | None = None, docs: Sequence[str] | None = None,
            on_text: Callable[[str], None] | None = None) -> Answer: ...

    def context(self, paragraph_id: str, radius: int = 2) -> list[Paragraph]: ...


def query_encoder(settings: Settings, manifest: Manifest, warn: Callable[[str], None]) -> Encoder:
    """The encoder for questions on an index built with ``manifest``.

    The model's ONNX export, found by the fingerprint the index records, when it checks
    out: ONNX Runtime and ``tokenizers`` only, so ``qa ask`` starts in about a second.
    Otherwise (no export yet, a stale or damaged one, ``runtime="torch"``, a model that
    cannot be exported) the model itself, which writes the export for next time.
    """
    if settings.runtime == "onnx":
        # An index from before fingerprints were recorded: hashing the model's files takes
        # well under a second (0.07 s for the bundled model), loading it many seconds.
        fingerprint = manifest.model_fingerprint or model_fingerprint(resolve_model_path(manifest.model))
        try:
            return open_export(fingerprint, manifest.model)
        except ExportProblem:
            pass  # the model's loader meets the same problem, says so once, and exports again
    encoder = _model_encoder(settings, warn)
    if manifest.model_fingerprint and encoder.fingerprint != manifest.model_fingerprint:
        warn(f"the files of model {settings.model} changed since the index at {settings.index} was built: "
             f"rebuild it with: qa index --force")
    return encoder


def _model_encoder(settings: Settings, warn: Callable[[str], None]) -> Encoder:
    from index.torch_encoder import load_encoder  # PyTorch: seconds and hundreds of MiB

    return load_encoder(settings.model, runtime=settings.runtime, warn=warn)


class Engine:
    """Answers questions over one loaded index; load once, ask many times.

    >>> engine = Engine.open(Settings.resolve())         # doctest: +SKIP
    >>> engine.ask("Who coordinates the Global Partnership?").text   # doctest: +SKIP
    """

    def __init__(
        self,
        settings: Settings,
        index: LoadedIndex,
        encoder: Encoder,
        policy: AnswerPolicy = AnswerPolicy(),
        weights: FusionWeights = FusionWeights(),
        focus_policy: FocusPolicy = FocusPolicy(),
        generator: LLMClient | None = None,
        searching_model: LLMClient | None = None,
    ):
        self.settings = settings
        self.generator = generator  # writes the answer (--llm-for answer|both)
        self.searching_model = searching_model  # guesses an answer to search with (--llm-for search|both)
        self.index = index
        self.encoder = encoder
        self.policy = policy
        self.focus_policy = focus_policy
        self.searcher = HybridSearcher(index, weights)
        index.build_lookups()  # here, once, not in the first question's time

    @classmethod
    def open(
        cls,
        settings: Settings,
        *,
        build_if_missing: bool = True,
        progress: bool = False,
        warn: Callable[[str], None] = lambda message: None,
        encoder: Encoder | None = None,
    ) -> Engine:
        """Load the index of ``settings`` (building it first if there is none yet).

        Answering an existing index needs neither PyTorch nor sentence-transformers: the
        questions' encoder is the model's ONNX export that the index names (see
        :func:`query_encoder`). Building one loads the model.
        """
        if build_if_missing and not (settings.index / "manifest.json").exists():
            warn(f"no index at {settings.index} yet: building it from {settings.corpus}")
            encoder = encoder or _model_encoder(settings, warn)
            update_index(settings, encoder, progress=progress, warn=warn)
        elif build_if_missing and Manifest.older_format(settings.index):
            # An index is derived data: one from an older version is rebuilt, not refused.
            warn(f"the index at {settings.index} is in an older format: rebuilding it from {settings.corpus}")
            encoder = encoder or _model_encoder(settings, warn)
            update_index(settings, encoder, progress=progress, warn=warn, force=True)
        index = load_index(settings.index, model=encoder.name if encoder else settings.model, nprobe=settings.nprobe,
                           store=settings.store_choice)
        if built_by_other_code(index.manifest):
            warn(f"the index at {settings.index} was built by another version of citeqa: it answers as built "
                 f"until `qa index --corpus {settings.corpus} --index {settings.index}` re-embeds it")
        encoder = encoder or query_encoder(settings, index.manifest, warn)
        if index.manifest.dimension != encoder.dimension:
            raise IndexFolderError(f"the index at {settings.index} holds {index.manifest.dimension}-d vectors; "
                                   f"the model makes {encoder.dimension}-d ones")
        client = LLMClient(settings.llm) if settings.llm is not None else None
        return cls(settings, index, encoder, generator=client if settings.llm_answers else None,
                   searching_model=client if settings.llm_searches else None)

    def context(self, paragraph_id: str, radius: int = 2) -> list[Paragraph]:
        """The paragraph with id ``paragraph_id`` and up to ``radius`` neighbours each side.

        Documents are only reachable through ids from the index, never through paths.
        Raises :class:`QuestionError` for an unknown id.
        """
        row = self.index.row_of.get(paragraph_id)
        if row is None:
            raise QuestionError(f"no paragraph with id {paragraph_id!r} in the index")
        doc = self.index.paragraphs[row].doc
        start, end = max(0, row - radius), min(len(self.index.paragraphs), row + radius + 1)
        return [p for p in self.index.paragraphs[start:end] if p.doc == doc]

    def next_sentence(self, sentence: ScoredSentence) -> ScoredSentence | None:
        """The sentence after ``sentence`` in its document, or ``None`` at the document's end.

        A sentence from the next paragraph is cited as that paragraph, reached through
        ``sentence``'s hit (same rank and scores: it was not retrieved on its own).
        """
        hit = sentence.hit
        row = self.index.row_of[hit.paragraph.id]
        after = self._in_paragraph(sentence, +1)
        if after is not None:
            return after
        following = row + 1
        if following >= len(self.index.paragraphs) or self.index.paragraphs[following].doc != hit.paragraph.doc:
            return None
        following_ids = self.index.sentences_of_row.get(following)
        if not following_ids:
            return None
        neighbour = Hit(self.index.paragraphs[following], hit.rank, hit.score, hit.dense, hit.lexical)
        return ScoredSentence(neighbour, self.index.sentences[following_ids[0]], 0.0, 0.0, 0.0, frozenset(), frozenset())

    def previous_sentence(self, sentence: ScoredSentence) -> ScoredSentence | None:
        """The sentence before ``sentence`` in its paragraph, or ``None`` for a paragraph's first."""
        return self._in_paragraph(sentence, -1)

    def _in_paragraph(self, sentence: ScoredSentence, step: int) -> ScoredSentence | None:
        """The sentence ``step`` places from ``sentence`` in its own paragraph, or ``None`` past either end."""
        ids = self.index.sentences_of_row.get(self.index.row_of[sentence.hit.paragraph.id], [])
        starts = [self.index.sentences[i].start for i in ids]
        if sentence.info.start not in starts:
            return None
        at = starts.index(sentence.info.start) + step
        if not 0 <= at < len(ids):
            return None
        return ScoredSentence(sentence.hit, self.index.sentences[ids[at]], 0.0, 0.0, 0.0, frozenset(), frozenset())

    def ask(self, question: str, k: int | None = None, docs: Sequence[str] | None = None,
            on_text: Callable[[str], None] | None = None) -> Answer:
        """Answer ``question`` from the top ``k`` passages (``settings.k`` by default).

        ``docs`` (ids, file names or titles; see :func:`qa.scope.resolve_documents`)
        restricts retrieval to those documents; empty or None means all of them.

        With a language model configured, ``on_text`` receives its text as it streams in
        (unverified; the returned answer holds only what the verifier kept).
        """
        k = k or self.settings.k
        started = time.perf_counter()
        question = clean_question(question, self.settings.max_question_chars)
        within = resolve_documents(docs, self.index.titles) if docs else ()
        terms = focus_terms(question)
        # Focus words the vocabulary lacks are embedded in the same encoder call as the question.
        unknown = words_to_encode(terms, self.index.words)
        guess, guess_error = self._guess_answer(question)
        guessed = time.perf_counter()
        vectors = self.encoder.encode([question, *unknown, *([guess] if guess else [])])
        question_vector = query_vector = vectors[0]
        if guess:
            # The guess is a search key (qa/expansion.py): it moves the dense query, adds its
            # words to the lexical one, and the sentences are scored against the same vector.
            # The focus-word check reads the question's words, a generated answer's verifier
            # its own vector: what the answer must address is the question, not the guess.
            query_vector, vectors = expanded_vector(query_vector, vectors[-1]), vectors[:-1]
        encoded = time.perf_counter()
        acronyms = initialisms(question, self.searcher.has_term)
        names = [t.word for t in terms if t.kind == "identifier"] + question_options(question)
        hits = self.searcher.search(query_vector, f"{question} {guess}" if guess else question,
                                    max(k, self.policy.answer_passages), acronyms, within or None, names)
        searched = time.perf_counter()
        evidence_hits = hits[: self.policy.answer_passages]
        evidence_docs = frozenset(h.paragraph.doc for h in evidence_hits)
        evidence = Evidence.of((t for h in evidence_hits for t in (h.paragraph.text, h.paragraph.section, h.paragraph.title)),
                               self.index.words, lambda term: self.index.term_in_documents(term, evidence_docs))
        encoded_words = dict(zip(unknown, vectors[1:]))
        focus = match_terms(terms, evidence, self.index.words, encoded_words, acronyms,
                            rival_from=self.focus_policy.name_match)
        # Focus words matched only loosely that form one noun phrase ("space debris"); parsed only when two are neighbours.
        loose = [m.term.word for m in focus if m.term.kind == "word" and m.score < self.focus_policy.phrase_match]
        missing = missing_focus(focus, self.focus_policy, noun_phrases(question, loose))
        best = max((h.dense for h in evidence_hits), default=0.0)
        typical = self.index.typical_similarity(self.focus_policy.off_domain_percentile)
        chosen: list[ScoredSentence]
        if missing:
            chosen, reason = [], missing_reason(missing)
        elif best < typical:
            chosen, reason = [], off_domain_reason(best, typical)
        else:
            # Dates and numbers the question gives as context ("in October 2024") are not
            # terms an answer must cover: "Where did they meet in October 2024?" is answered
            # by "they gathered in Naples" in a document dated October 2024.
            context = context_terms(question)
            scored = score_sentences(
                [t for t in tokenize(question) if t not in context], np.asarray(query_vector), evidence_hits,
                self.index, self.policy, equivalents(acronyms, focus, self.focus_policy.word_match),
            )
            same_noun = similar_words(lambda w: word_vector(w, self.index.words, encoded_words), self.focus_policy.word_match)
            chosen, reason = choose_sentences(question, scored, self.policy, same_noun)
            chosen = complete_lead_ins(chosen, self.next_sentence, self.policy.max_sentences)
            chosen = complete_references(chosen, self.previous_sentence)
        answer = compose_answer(question, chosen, hits[:k], reason)
        done = time.perf_counter()
        timings = {
            **({"guess": 1000 * (guessed - started)} if self.searching_model is not None else {}),
            "encode": 1000 * (encoded - guessed),
            "search": 1000 * (searched - encoded),
            "answer": 1000 * (done - searched),
            "total": 1000 * (done - started),
        }
        answer = Answer(answer.question, answer.text, answer.abstained, answer.citations, answer.passages,
                        answer.reason, timings, tuple(m.term.text for m in missing), tuple(focus), within,
                        search_guess=guess, search_guess_error=guess_error)
        if self.generator is None or answer.abstained:
            # An abstention stands: the focus check or the kind check already found that the
            # passages lack what the question asks, and no wording can change that.
            return answer
        answer = generate_answer(answer, evidence_hits, self.generator, np.asarray(question_vector),
                                 lambda texts: self.encoder.encode(texts), self.passage_sentences, on_text=on_text)
        answer.timings["generate"] = 1000 * (time.perf_counter() - done)
        answer.timings["total"] = 1000 * (time.perf_counter() - started)
        return answer

    def _guess_answer(self, question: str) -> tuple[str, str]:
        """The model's guessed answer to search with, and why there is none ("" when it is not asked)."""
        if self.searching_model is None:
            return "", ""
        try:
            return guess_answer(self.searching_model, question), ""
        except GenerationError as e:
            return "", f"{e}; searched with the question alone"

    def passage_sentences(self, hit: Hit) -> list[tuple[int, int, np.ndarray]]:
        """``(start, end, vector)`` of every sentence of ``hit``'s paragraph, from the index."""
        ids, vectors = self.index.sentences_of(hit.paragraph.id)
        return [(self.index.sentences[i].start, self.index.sentences[i].end, v) for i, v in zip(ids, vectors)]
