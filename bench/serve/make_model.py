"""Writes the benchmark's model folder: all-MiniLM-L6-v2 with a seeded 2-label head (negative/positive), saved by
transformers so that Flint and the Flask baseline serve the very same files.

Usage: python make_model.py MINILM_DIR OUTPUT_DIR
"""
import sys

import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer

source, output = sys.argv[1], sys.argv[2]
torch.manual_seed(0)
model = AutoModelForSequenceClassification.from_pretrained(
    source, num_labels=2, id2label={0: "negative", 1: "positive"}, label2id={"negative": 0, "positive": 1})
model.save_pretrained(output, safe_serialization=True)
AutoTokenizer.from_pretrained(source).save_pretrained(output)
print("wrote", output)
