"""The serving baseline Flint is measured against: the usual Flask app (run under gunicorn, 2 sync workers,
1 torch thread each) doing the same /predict with Python transformers on the same model folder.

Run:  MODEL_DIR=... OMP_NUM_THREADS=1 TORCH_THREADS=1 gunicorn -w 2 -b 127.0.0.1:8090 baseline_app:app
"""
import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import torch
from flask import Flask, jsonify, request
from transformers import AutoModelForSequenceClassification, AutoTokenizer

torch.set_num_threads(int(os.environ.get("TORCH_THREADS", "1")))
MODEL_DIR = os.environ["MODEL_DIR"]

tokenizer = AutoTokenizer.from_pretrained(MODEL_DIR)
model = AutoModelForSequenceClassification.from_pretrained(MODEL_DIR)
model.eval()
LABELS = [model.config.id2label[i] for i in range(model.config.num_labels)]

app = Flask(__name__)


def _predict(texts):
    inputs = tokenizer(texts, return_tensors="pt", padding=True, truncation=True, max_length=256)
    with torch.no_grad():
        logits = model(**inputs).logits
    probs = torch.softmax(logits, dim=-1)
    out = []
    for p in probs.tolist():
        idx = max(range(len(p)), key=p.__getitem__)
        out.append({"prediction": idx, "label": LABELS[idx], "confidence": p[idx],
                    "probabilities": {LABELS[i]: v for i, v in enumerate(p)}})
    return out


@app.route("/health", methods=["GET"])
def health():
    return jsonify({"status": "healthy", "model_loaded": model is not None})


@app.route("/predict", methods=["POST"])
def predict():
    data = request.get_json(silent=True)
    if not data or "text" not in data or not isinstance(data["text"], str):
        return jsonify({"error": "JSON body with a 'text' string is required"}), 400
    return jsonify(_predict([data["text"]])[0])


@app.route("/batch_predict", methods=["POST"])
def batch_predict():
    data = request.get_json(silent=True)
    texts = data.get("texts") if isinstance(data, dict) else None
    if not isinstance(texts, list) or not texts or not all(isinstance(t, str) for t in texts):
        return jsonify({"error": "JSON body with a non-empty 'texts' list of strings is required"}), 400
    return jsonify({"results": _predict(texts)})
