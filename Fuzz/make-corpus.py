#!/usr/bin/env python3
"""Writes the committed seed corpus Fuzz/corpus/<target>/ from small real files (docs/fuzzing.md).

Run from the repository root: python3 Fuzz/make-corpus.py. Standard library only; the inputs are the
repository's own fixtures and configs, the MiniLM tokenizer/config in $FLINT_CACHE when present, and the
Fashion-MNIST files when present (cut to a few records)."""
import base64, gzip, io, json, os, struct, zipfile

ROOT = os.getcwd()
OUT = os.path.join(ROOT, "Fuzz", "corpus")
CACHE = os.environ.get("FLINT_CACHE", os.path.expanduser("~/.cache/flint"))


def put(target, name, data):
    folder = os.path.join(OUT, target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


# safetensors: the layout Flint's SafeTensors.save writes (sorted names, 8-byte padded header).
def safetensors(tensors, metadata=None):
    header, data = {}, b""
    if metadata:
        header["__metadata__"] = metadata
    for name, (dtype, shape, raw) in sorted(tensors.items()):
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + data

put("FuzzSafeTensors", "f32-bias", safetensors({"bias": ("F32", [3], struct.pack("<3f", 0.5, -1, 2))}, {"format": "pt"}))
put("FuzzSafeTensors", "mixed", safetensors({
    "a": ("F16", [2, 2], struct.pack("<4e", 1, 2, 3, 4)), "b": ("BF16", [2], b"\x80\x3f\x00\x40"),
    "c": ("I64", [2], struct.pack("<2q", -1, 7)), "d": ("BOOL", [3], b"\x00\x01\x02"), "e": ("U8", [0], b""),
    "f": ("I32", [1, 1], struct.pack("<i", 5)), "g": ("F64", [], struct.pack("<d", 3.25)), "h": ("U64", [1], struct.pack("<Q", 9)),
}))

# pytorch_model.bin: the fixtures' torch.save outputs (mode byte 0 = whole file), and their data.pkl
# pickles alone (mode byte 1 = the target wraps them in an archive with a 64-byte storage 0).
fixtures = os.path.join(ROOT, "Tests", "FlintModelsTests", "Fixtures")
for name in ["tiny_legacy", "tiny_nested", "tiny_unsigned", "tiny_float64", "tiny_deflated"]:
    raw = base64.b64decode(open(os.path.join(fixtures, name + ".pt.bin.b64")).read())
    put("FuzzPyTorch", name, b"\x00" + raw)
    if raw[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            pickle_name = min((n for n in archive.namelist() if n.endswith("data.pkl")), key=len)
            put("FuzzPyTorch", name + "-pickle", b"\x01" + archive.read(pickle_name))
# A protocol-2 pickle of {'w': FloatStorage tensor over storage '0', 4 elements, shape (2, 2)}.
pickle_state = (b"\x80\x02ccollections\nOrderedDict\nq\x00)Rq\x01X\x01\x00\x00\x00wq\x02ctorch._utils\n_rebuild_tensor_v2\nq\x03"
                b"((X\x07\x00\x00\x00storageq\x04ctorch\nFloatStorage\nq\x05X\x01\x00\x00\x000q\x06X\x03\x00\x00\x00cpuq\x07K\x10tq\x08Q"
                b"K\x00K\x02K\x02\x86q\tK\x02K\x01\x86q\n\x89h\x00)Rq\x0btq\x0cRq\rs.")
put("FuzzPyTorch", "handmade-pickle", b"\x01" + pickle_state)

# IDX: first byte 0 = labels, 1 = images as bytes, 2 = images as floats; plain and gzip.
labels = struct.pack(">II", 0x801, 5) + bytes([9, 0, 0, 3, 0])
images = struct.pack(">IIII", 0x803, 2, 3, 3) + bytes(range(0, 180, 10))
put("FuzzIDX", "labels", b"\x00" + labels)
put("FuzzIDX", "labels-gz", b"\x00" + gzip.compress(labels, mtime=0))
put("FuzzIDX", "images", b"\x01" + images)
put("FuzzIDX", "images-float-gz", b"\x02" + gzip.compress(images, mtime=0))
real = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"
if os.path.exists(real):
    with gzip.open(real) as f:
        head = f.read(16)
        body = f.read(28 * 28 * 2)
    put("FuzzIDX", "fashion-2-images", b"\x01" + head[:4] + struct.pack(">I", 2) + head[8:] + body)

# tokenizer.json: MiniLM's cut to its first 300 vocabulary entries (WordPiece, BertNormalizer, BertProcessing),
# and the repository's BPE fixtures (byte-level GPT-2, Llama/Metaspace) cut to 300 merges.
minilm = os.path.join(CACHE, "models", "all-MiniLM-L6-v2")
if os.path.exists(os.path.join(minilm, "tokenizer.json")):
    tok = json.load(open(os.path.join(minilm, "tokenizer.json")))
    vocab = dict(list(tok["model"]["vocab"].items())[:300])
    for word in ["hello", "world", "##s", "##ing", "un", "##aff", "##able"]:
        vocab.setdefault(word, len(vocab))
    tok["model"]["vocab"] = vocab
    put("FuzzTokenizerJSON", "minilm-wordpiece.json", json.dumps(tok, ensure_ascii=False))
    put("FuzzBertConfig", "minilm-config.json", open(os.path.join(minilm, "config.json")).read())
for name in ["bpe_gpt2_style", "bpe_llama2_style", "bpe_metaspace_style"]:
    tok = json.load(open(os.path.join(ROOT, "Tests", "FlintTextTests", "Fixtures", name + ".json")))
    merges = tok["model"]["merges"][:300]
    tok["model"]["merges"] = merges
    put("FuzzTokenizerJSON", name + ".json", json.dumps(tok, ensure_ascii=False))

# config.json: the tiny BERT fixture and a classifier config with labels.
put("FuzzBertConfig", "tiny-bert.json", open(os.path.join(fixtures, "tiny_bert", "config.json")).read())
put("FuzzBertConfig", "classifier.json", json.dumps({
    "model_type": "bert", "architectures": ["BertForSequenceClassification"], "hidden_size": 32,
    "num_attention_heads": 4, "num_hidden_layers": 2, "intermediate_size": 64, "vocab_size": 100,
    "max_position_embeddings": 64, "type_vocab_size": 2, "hidden_act": "gelu", "layer_norm_eps": 1e-12,
    "id2label": {"0": "neg", "1": "pos"}, "label2id": {"neg": 0, "pos": 1}, "problem_type": "single_label_classification",
    "classifier_dropout": None}, indent=1))

# serve.yaml: the repository's two configurations and a JSON one with traffic-split variants.
put("FuzzServeYAML", "configs-serve.yaml", open(os.path.join(ROOT, "configs", "serve.yaml")).read())
put("FuzzServeYAML", "deploy-serve.yaml", open(os.path.join(ROOT, "deploy", "serve.yaml")).read())
put("FuzzServeYAML", "variants.json", json.dumps({"server": {"port": 9000}, "models": [
    {"name": "sent", "task": "text-classification", "variants": [{"source": "a@1", "weight": 0.9}, {"source": "./b", "weight": 0.1}]}]}))

# JSONL batch input.
put("FuzzBatchLine", "mixed.jsonl", '{"text": "good movie", "id": 1}\n"just a string"\n\n{"text": ""}\n{"id": 2}\n'
    '{"text": "你好", "meta": {"a": [1, 2.5, null, true]}}\r\nnot json\n{"text": 5}\n[1, 2]\n')

# HTTP bodies: first byte picks the route (0 predict, 1 batch_predict, 2 embeddings, 3 KServe, 4 feedback).
bodies = [
    (0, "predict", {"text": "I loved it", "model": "sentiment"}),
    (1, "batch", {"texts": ["good", "bad", "  "], "model": "sentiment"}),
    (2, "embeddings", {"input": ["a", "b"], "model": "minilm", "encoding_format": "base64", "dimensions": 384}),
    (2, "embeddings-single", {"input": "one text"}),
    (3, "kserve", {"instances": ["plain", {"text": "object"}]}),
    (4, "feedback", {"request_id": "0f1e2d3c", "label": "positive"}),
]
for route, name, body in bodies:
    put("FuzzRequestBodies", name, bytes([route]) + json.dumps(body, ensure_ascii=False).encode())


# TensorBoard: an event file as TensorBoardWriter writes it (file_version event, then scalar events).
def masked_crc32c(data):
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    crc ^= 0xFFFFFFFF
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF

def record(data):
    length = struct.pack("<Q", len(data))
    return length + struct.pack("<I", masked_crc32c(length)) + data + struct.pack("<I", masked_crc32c(data))

def varint(value):
    out = b""
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out += bytes([byte | 0x80])
        else:
            return out + bytes([byte])

def field(number, wire, payload):
    key = varint(number << 3 | wire)
    return key + (varint(len(payload)) + payload if wire == 2 else payload)

version = field(1, 1, struct.pack("<d", 1.7e9)) + field(3, 2, b"brain.Event:2")
value = field(1, 2, b"loss") + field(2, 5, struct.pack("<f", 0.25))
scalar = field(1, 1, struct.pack("<d", 1.7e9 + 1)) + field(2, 0, varint(10)) + field(5, 2, field(1, 2, value))
put("FuzzTensorBoard", "events", b"\x00" + record(version) + record(scalar))
put("FuzzTensorBoard", "one-event", b"\x01" + scalar)
