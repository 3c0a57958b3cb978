#!/usr/bin/env python3
"""JSON mode checked by an independent validator: `flint generate --json` with `--response-format json_object` or
`--json-schema FILE` on SmolLM2-135M-Instruct (ChatML prompts, varied seeds, temperatures and schemas), every output
parsed with Python's json and validated with the `jsonschema` package (Draft 2020-12) against its schema
({"type": "object"} for json_object). Prints one line per generation and the count valid/total; exits 1 if any
output is invalid. An output cut by --max-tokens (finish_reason "length") counts as invalid.

The mask's own cost per token is measured by `flint bench-worker json-mask-flint` (FLINT_BENCH_MODEL=GGUF).

Run with the peer environment's Python (scripts/setup-peers.sh installs jsonschema 4.26.0):
    ~/.cache/flint/peers-venv/bin/python scripts/check-json-mode.py [--flint .build/release/flint] [--model GGUF]
Schema files are written to $FLINT_CACHE/json-mode/ (default ~/.cache/flint); nothing goes into the repository.
"""
import argparse
import json
import os
import subprocess
import sys
import time

import jsonschema

SCHEMAS = {
    "person": {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "age": {"type": "integer"},
            "email": {"type": ["string", "null"]},
            "hobbies": {"type": "array", "items": {"type": "string"}, "maxItems": 3},
        },
        "required": ["name", "age"],
        "additionalProperties": False,
    },
    "weather": {
        "type": "object",
        "properties": {
            "city": {"type": "string"},
            "temperature_celsius": {"type": "number"},
            "conditions": {"enum": ["sunny", "cloudy", "rain", "snow"]},
            "windy": {"type": "boolean"},
        },
        "required": ["city", "temperature_celsius", "conditions", "windy"],
    },
    "recipe": {
        "type": "object",
        "properties": {
            "title": {"type": "string"},
            "servings": {"type": "integer"},
            "ingredients": {
                "type": "array",
                "minItems": 1,
                "maxItems": 4,
                "items": {
                    "type": "object",
                    "properties": {"item": {"type": "string"}, "grams": {"type": "number"}},
                    "required": ["item", "grams"],
                },
            },
            "vegetarian": {"type": "boolean"},
        },
        "required": ["title", "ingredients"],
    },
    "answer": {
        "type": "object",
        "properties": {
            "answer": {"enum": ["yes", "no", "maybe"]},
            "confidence": {"type": "number"},
            "sources": {"type": "array", "items": {"type": ["string", "null"]}, "maxItems": 2},
            "version": {"const": 1},
        },
        "required": ["answer", "confidence", "version"],
    },
}

QUESTIONS = {
    "person": ["Describe a fictional person as JSON with name, age, email and hobbies.",
               "Give me a JSON record for a software engineer named Ada who is 36."],
    "weather": ["What is the weather like in Paris today? Reply in JSON.",
                "Report the weather in Oslo as JSON: city, temperature_celsius, conditions, windy."],
    "recipe": ["Give a simple pancake recipe as JSON.", "A salad recipe in JSON, please."],
    "answer": ["Is the sky blue? Answer in JSON.", "Can cats swim? Reply as JSON with answer and confidence."],
    None: ["List three colours as a JSON object.", "Describe a cat in JSON.",
           "Return a JSON object with your name and favourite number.", "Summarise: 'The meeting is at 3pm.' as JSON."],
}


def chatml(question):
    return ("<|im_start|>system\nYou are a helpful assistant that replies in JSON.<|im_end|>\n"
            f"<|im_start|>user\n{question}<|im_end|>\n<|im_start|>assistant\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    cache = os.environ.get("FLINT_CACHE", os.path.expanduser("~/.cache/flint"))
    parser.add_argument("--flint", default=".build/release/flint")
    parser.add_argument("--model", default=os.path.join(cache, "models/smollm2-135m-instruct/SmolLM2-135M-Instruct.Q4_1.gguf"))
    parser.add_argument("--runs", type=int, default=56)
    parser.add_argument("--max-tokens", type=int, default=512)
    parser.add_argument("--repeat-penalty", type=float, default=1.0,
                        help="flint generate's --repeat-penalty (1: off; a small model can loop inside a string until --max-tokens)")
    args = parser.parse_args()

    folder = os.path.join(cache, "json-mode")
    os.makedirs(folder, exist_ok=True)
    files = {}
    for name, schema in SCHEMAS.items():
        files[name] = os.path.join(folder, f"{name}.json")
        with open(files[name], "w") as f:
            json.dump({"name": name, "strict": True, "schema": schema}, f)

    kinds = list(SCHEMAS) + [None]
    temperatures = [0.0, 0.7, 1.0]
    valid = total = stopped = tokens = 0
    seconds = 0.0
    for run in range(args.runs):
        kind = kinds[run % len(kinds)]
        questions = QUESTIONS[kind]
        question = questions[(run // len(kinds)) % len(questions)]
        temperature = temperatures[(run // len(kinds)) % len(temperatures)]
        seed = 1000 + run
        command = [args.flint, "generate", "--model", args.model, "--json", "--seed", str(seed),
                   "--temperature", str(temperature), "--max-tokens", str(args.max_tokens),
                   "--repeat-penalty", str(args.repeat_penalty)]
        command += ["--json-schema", files[kind]] if kind else ["--response-format", "json_object"]
        command.append(chatml(question))
        start = time.monotonic()
        process = subprocess.run(command, capture_output=True, text=True)
        seconds += time.monotonic() - start
        total += 1
        if process.returncode != 0:
            print(f"[{run}] {kind or 'json_object'} seed {seed}: flint failed: {process.stderr.strip()}")
            continue
        result = json.loads(process.stdout)
        tokens += result["completion_tokens"]
        stopped += result["finish_reason"] == "stop"
        text = result["text"]
        try:
            instance = json.loads(text)
            jsonschema.validate(instance, SCHEMAS[kind] if kind else {"type": "object"},
                                cls=jsonschema.Draft202012Validator)
            valid += 1
            verdict = "valid"
        except (json.JSONDecodeError, jsonschema.ValidationError) as error:
            verdict = f"INVALID ({type(error).__name__}: {str(error).splitlines()[0]})"
        print(f"[{run}] {kind or 'json_object'} T={temperature} seed {seed}: {result['finish_reason']}, "
              f"{result['completion_tokens']} tokens, {verdict}: {text[:160]!r}")
    print(f"valid {valid}/{total} (finish_reason stop: {stopped}/{total}); {tokens} tokens in {seconds:.1f} s "
          f"(flint generate wall time, model load included)")
    return 0 if valid == total else 1


if __name__ == "__main__":
    sys.exit(main())
