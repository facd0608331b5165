"""Reference all-MiniLM-L6-v2 embeddings, independent of the Swift service.

Tokens come from Hugging Face `tokenizers` (its Rust BERT WordPiece, reading the model's own
tokenizer.json, padding off, truncation at MAX_TOKENS); the encoder is plain numpy over the same
model.safetensors (parsed here with struct/json). Reads {"modelDir", "texts", "maxTokens",
"threads"?} as JSON on stdin; writes {"ids": [[..]], "embeddings": [[..]]} on stdout. With
"benchmark": {"batch", "repeats"} it also times the encoder alone and reports texts/s.
"""
import json
import math
import struct
import sys
import time

request = json.load(sys.stdin)
import numpy as np  # noqa: E402  (after reading stdin so OPENBLAS_NUM_THREADS from the env applies)
from tokenizers import Tokenizer  # noqa: E402

model_dir = request["modelDir"]
max_tokens = request["maxTokens"]


def load_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    base = 8 + n
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__" or info["dtype"] != "F32":
            continue
        start, end = info["data_offsets"]
        tensors[name] = np.frombuffer(data, dtype="<f4", count=(end - start) // 4, offset=base + start).reshape(info["shape"])
    return tensors


config = json.load(open(model_dir + "/config.json"))
W = load_safetensors(model_dir + "/model.safetensors")
H = config["hidden_size"]
HEADS = config["num_attention_heads"]
EPS = config["layer_norm_eps"]
try:
    from scipy.special import erf  # vectorized, when SciPy is installed
except ImportError:
    erf = np.vectorize(math.erf, otypes=[np.float64])


def layer_norm(x, name):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + EPS) * W[name + ".weight"] + W[name + ".bias"]


def linear(x, name):
    return x @ W[name + ".weight"].T + W[name + ".bias"]


def gelu(x):
    # erf form, as BERT's "gelu", in float64.
    return (0.5 * x * (1.0 + erf(x.astype(np.float64) / math.sqrt(2.0)))).astype(np.float32)


def encode(ids_batch):
    length = max(len(ids) for ids in ids_batch)
    b = len(ids_batch)
    ids = np.zeros((b, length), dtype=np.int64)
    mask = np.zeros((b, length), dtype=np.float32)
    for i, row in enumerate(ids_batch):
        ids[i, : len(row)] = row
        mask[i, : len(row)] = 1
    x = W["embeddings.word_embeddings.weight"][ids] + W["embeddings.position_embeddings.weight"][np.arange(length)][None] \
        + W["embeddings.token_type_embeddings.weight"][0][None, None]
    x = layer_norm(x, "embeddings.LayerNorm")
    head = H // HEADS
    bias = (1.0 - mask)[:, None, None, :] * np.float32(-1e9)
    for layer in range(config["num_hidden_layers"]):
        p = f"encoder.layer.{layer}."
        def split(t):
            return t.reshape(b, length, HEADS, head).transpose(0, 2, 1, 3)
        q = split(linear(x, p + "attention.self.query"))
        k = split(linear(x, p + "attention.self.key"))
        v = split(linear(x, p + "attention.self.value"))
        scores = q @ k.transpose(0, 1, 3, 2) / np.float32(math.sqrt(head)) + bias
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        scores /= scores.sum(-1, keepdims=True)
        ctx = (scores @ v).transpose(0, 2, 1, 3).reshape(b, length, H)
        x = layer_norm(linear(ctx, p + "attention.output.dense") + x, p + "attention.output.LayerNorm")
        inner = gelu(linear(x, p + "intermediate.dense"))
        x = layer_norm(linear(inner, p + "output.dense") + x, p + "output.LayerNorm")
    pooled = (x * mask[:, :, None]).sum(1) / mask.sum(1, keepdims=True)
    return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)


tokenizer = Tokenizer.from_file(model_dir + "/tokenizer.json")
tokenizer.no_padding()
tokenizer.enable_truncation(max_tokens)
ids = [enc.ids for enc in tokenizer.encode_batch(request["texts"])]
out = {"ids": ids, "embeddings": encode(ids).tolist()}
bench = request.get("benchmark")
if bench:
    batch = ids[: bench["batch"]]
    encode(batch)
    start = time.perf_counter()
    for _ in range(bench["repeats"]):
        encode(batch)
    out["textsPerSecond"] = len(batch) * bench["repeats"] / (time.perf_counter() - start)
json.dump(out, sys.stdout)
