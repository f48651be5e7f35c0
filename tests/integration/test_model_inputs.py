"""A model's inputs come from the model: MPNet-like models take no token type ids.

Tiny randomly initialised models written here (no download, a second to export): an
MPNet (``input_ids`` and ``attention_mask`` only, pad id 1) and a BERT (token type ids
too), each saved as a sentence-transformers folder and loaded like ``--model DIR``.
"""
from __future__ import annotations

import json
import string

import numpy as np
import pytest

from index.export import GRAPH, META, export_folder

WORDS = ["the", "ministers", "met", "in", "naples", "shipping", "red", "sea", "partnership", "energy", "json", "dumps"]
TEXTS = ["x", "The ministers met in Naples.", "JSON dumps: shipping in the Red Sea, clean energy partnership. " * 6,
         "Unknown wörds & symbols? 42"]


def tiny_model(folder, kind: str) -> str:
    """Write a tiny sentence-transformers model folder of ``kind`` ("mpnet" or "bert"); return its path."""
    import torch
    from sentence_transformers import SentenceTransformer
    try:
        from sentence_transformers.sentence_transformer import modules as models
    except ImportError:  # sentence-transformers before 6
        from sentence_transformers import models  # type: ignore[no-redef]
    from tokenizers import Tokenizer, normalizers, pre_tokenizers, processors
    from tokenizers.models import WordPiece
    from transformers import BertConfig, BertModel, MPNetConfig, MPNetModel, PreTrainedTokenizerFast

    specials = ["<s>", "<pad>", "</s>", "[UNK]"] if kind == "mpnet" else ["[PAD]", "[UNK]", "[CLS]", "[SEP]"]
    pieces = list(string.ascii_lowercase + string.digits + string.punctuation)
    vocab = {token: i for i, token in enumerate([*specials, *WORDS, *pieces, *(f"##{p}" for p in pieces)])}
    tokenizer = Tokenizer(WordPiece(vocab, unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    first, last = ("<s>", "</s>") if kind == "mpnet" else ("[CLS]", "[SEP]")
    tokenizer.post_processor = processors.TemplateProcessing(single=f"{first} $A {last}",
                                                             special_tokens=[(first, vocab[first]), (last, vocab[last])])
    pad = specials[1] if kind == "mpnet" else specials[0]
    names = ["input_ids", "attention_mask"] if kind == "mpnet" else ["input_ids", "token_type_ids", "attention_mask"]
    fast = PreTrainedTokenizerFast(tokenizer_object=tokenizer, unk_token="[UNK]", pad_token=pad, cls_token=first,
                                   sep_token=last, model_input_names=names)
    sizes = {"vocab_size": len(vocab), "hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2,
             "intermediate_size": 64, "max_position_embeddings": 130, "pad_token_id": vocab[pad]}
    torch.manual_seed(0)
    transformer = MPNetModel(MPNetConfig(**sizes)) if kind == "mpnet" else BertModel(BertConfig(**sizes))
    hf_folder = folder / "hf"
    transformer.save_pretrained(hf_folder)
    fast.save_pretrained(hf_folder)
    word = models.Transformer(str(hf_folder), max_seq_length=64)
    model = SentenceTransformer(modules=[word, models.Pooling(32, pooling_mode="mean"), models.Normalize()], device="cpu")
    path = folder / kind
    model.save(str(path))
    return str(path)


@pytest.mark.parametrize(("kind", "inputs"), [("mpnet", ["input_ids", "attention_mask"]),
                                              ("bert", ["input_ids", "attention_mask", "token_type_ids"])])
def test_the_export_takes_the_models_own_inputs_and_gives_sentence_transformers_vectors(tmp_path, kind, inputs):
    import onnxruntime as ort
    from sentence_transformers import SentenceTransformer

    from index.torch_encoder import load_encoder

    path = tiny_model(tmp_path, kind)
    warnings: list[str] = []
    encoder = load_encoder(path, warn=warnings.append)
    assert warnings == []
    assert encoder.runtime == "onnx"
    folder = export_folder(encoder.fingerprint)
    assert json.loads((folder / META).read_text())["inputs"] == inputs
    assert [i.name for i in ort.InferenceSession(str(folder / GRAPH)).get_inputs()] == inputs

    expected = SentenceTransformer(path, device="cpu").encode(TEXTS, normalize_embeddings=True, convert_to_numpy=True)
    assert np.abs(encoder.encode(TEXTS) - expected).max() <= 1e-5
    assert np.abs(np.concatenate([encoder.encode([t]) for t in TEXTS]) - expected).max() <= 1e-5
    torch_encoder = load_encoder(path, runtime="torch")
    assert type(torch_encoder).__name__ == "PooledEncoder"  # pooled here, not sentence-transformers' fallback
    assert np.abs(torch_encoder.encode(TEXTS) - expected).max() <= 1e-5
    spans = [[(0, len(t) // 2)] for t in TEXTS[1:]]
    assert np.abs(encoder.encode_with_spans(TEXTS[1:], spans)[1]
                  - torch_encoder.encode_with_spans(TEXTS[1:], spans)[1]).max() <= 1e-5
