#!/usr/bin/env python3
"""Checks the Batch API of a live OpenAI-compatible server with the official `openai` package (issue 13):
files.create (purpose batch) → batches.create → poll batches.retrieve → files.content, then batches.list.

    check-openai-batch.py --base-url http://127.0.0.1:8080 [--api-key KEY] --model CHAT_MODEL [--timeout 120]

One line per check (PASS / FAIL name: detail), then 'N passed, N failed'; exit status 1 on any FAIL. Only loopback
servers are accepted: this talks to a server you started on this machine.
"""
import argparse
import io
import ipaddress
import json
import sys
import time
import urllib.parse

PROMPTS = ["What is the capital of France?", "Name a colour.", "Write one sentence about cats."]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--api-key", default="none")
    parser.add_argument("--model", required=True)
    parser.add_argument("--timeout", type=float, default=120)
    args = parser.parse_args()
    host = urllib.parse.urlparse(args.base_url).hostname or ""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        sys.exit(f"check-openai-batch: {args.base_url} is not a loopback address")
    import openai
    client = openai.OpenAI(base_url=args.base_url.rstrip("/") + "/v1", api_key=args.api_key, max_retries=0)
    results = []

    def check(name, ok, detail):
        results.append(ok)
        print(f"{'PASS' if ok else 'FAIL'} {name}: {detail}", flush=True)

    lines = [json.dumps({"custom_id": f"request-{i}", "method": "POST", "url": "/v1/chat/completions",
                         "body": {"model": args.model, "messages": [{"role": "user", "content": prompt}],
                                  "temperature": 0, "max_tokens": 24}})
             for i, prompt in enumerate(PROMPTS)]
    lines.append(json.dumps({"custom_id": "bad-temperature", "method": "POST", "url": "/v1/chat/completions",
                             "body": {"model": args.model, "messages": [{"role": "user", "content": "Hi"}], "temperature": 7}}))
    try:
        uploaded = client.files.create(file=("requests.jsonl", io.BytesIO(("\n".join(lines) + "\n").encode())), purpose="batch")
        check("files.create", uploaded.id.startswith("file-") and uploaded.purpose == "batch", f"{uploaded.id}, {uploaded.bytes} bytes")
        batch = client.batches.create(input_file_id=uploaded.id, endpoint="/v1/chat/completions", completion_window="24h",
                                      metadata={"check": "sdk"})
        check("batches.create", batch.status == "validating" and batch.input_file_id == uploaded.id, f"{batch.id} {batch.status}")
        seen = [batch.status]
        deadline = time.time() + args.timeout
        while batch.status not in ("completed", "failed", "cancelled", "expired") and time.time() < deadline:
            time.sleep(0.25)
            batch = client.batches.retrieve(batch.id)
            if batch.status != seen[-1]:
                seen.append(batch.status)
        counts = batch.request_counts
        check("batches.retrieve", batch.status == "completed" and counts.total == 4 and counts.completed == 3 and counts.failed == 1,
              f"{' → '.join(seen)}; {counts.completed}/{counts.total} completed, {counts.failed} failed")
        output = [json.loads(line) for line in client.files.content(batch.output_file_id).text.splitlines()]
        answers = {line["custom_id"]: line["response"]["body"]["choices"][0]["message"]["content"] for line in output}
        check("files.content (output)", sorted(answers) == [f"request-{i}" for i in range(3)]
              and all(line["response"]["status_code"] == 200 for line in output) and all(answers.values()),
              "; ".join(f"{k}: {v[:40]!r}" for k, v in sorted(answers.items())))
        errors = [json.loads(line) for line in client.files.content(batch.error_file_id).text.splitlines()]
        check("files.content (errors)", [e["custom_id"] for e in errors] == ["bad-temperature"]
              and errors[0]["response"]["status_code"] == 400
              and errors[0]["response"]["body"]["error"]["param"] == "temperature",
              f"{len(errors)} line(s), status {errors[0]['response']['status_code'] if errors else None}")
        listed = [b.id for b in client.batches.list(limit=10).data]
        check("batches.list", batch.id in listed, f"{len(listed)} batch(es)")
    except Exception as error:  # an SDK exception is a failed check, reported with its type
        check("batch flow", False, f"{type(error).__name__}: {error}")
    failed = results.count(False)
    print(f"{len(results) - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
