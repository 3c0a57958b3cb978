#!/usr/bin/env python3
"""Load client of scripts/bench-chat.sh: streaming OpenAI chat completions against one server, and the summary.

    chat_load.py run --base-url http://127.0.0.1:PORT --label NAME --concurrency C --duration S --output FILE.json
        [--model NAME] [--api-key KEY] [--max-tokens 64] [--rss-pid PID --rss-interval 10] [--request-timeout 120]
    chat_load.py summarize --output RESULTS.json POINT.json...

`run` sends `POST {base}/v1/chat/completions` with `stream: true` and `stream_options.include_usage`, the system
prompt and the user questions of PROMPTS in turn (one shared counter, so every server sees the same sequence),
`max_tokens` 64 and `ignore_eos: true` (llama-server's extension for a fixed length; Flint gets the same field),
temperature 0, from C workers for S seconds. One warm-up request (not timed) goes first. A worker starts no request
after the deadline; the requests in flight then finish (each bounded by --request-timeout), and the elapsed time
runs from the start to the last of them, so requests/s and tokens/s are completed work over that time.

Per request: time to first token (TTFT: from sending the request to the first chunk whose `delta.content` is not
empty; the role-only first delta does not count) and end to end (to `data: [DONE]`). Generated tokens are the
`usage.completion_tokens` of the final usage chunk; a server that sends no usage chunk is counted by its content
deltas instead, and the point records which (`token_source`: "usage", "deltas" or "mixed"). Each request opens its own connection
(no keep-alive reuse). A request is an error
when the status is not 200, the stream breaks, times out, has no `finish_reason` or no `[DONE]`, or yields no token.
Requests that end with fewer than max_tokens tokens are counted apart (`short_responses`: ignore_eos not honoured).
The client's own CPU time over the run is recorded (`client_cpu_s`; it shares the cores with the server).
With --rss-pid, the resident memory of that process (/proc/PID/status VmRSS) is sampled every --rss-interval s.

Only loopback addresses are accepted as --base-url: this is a load generator for servers on this machine.
"""
import argparse
import asyncio
import ipaddress
import json
import os
import resource
import sys
import time
import urllib.parse

SYSTEM_PROMPT = "You are a helpful assistant. Answer clearly and briefly."

# Varied short user questions (facts, how-to, arithmetic, writing, code, definitions): a fixed list, used in turn.
PROMPTS = [
    "What is the capital of France, and what river runs through it?",
    "Explain in two sentences why the sky is blue.",
    "Give me three tips for writing a good commit message.",
    "What is 17 multiplied by 23?",
    "Write a haiku about a cup of tea on a rainy morning.",
    "How do I reverse a list in Python?",
    "What is the difference between a virus and a bacterium?",
    "Suggest a name for a small bakery that sells sourdough bread.",
    "Summarise the plot of Romeo and Juliet in one paragraph.",
    "What does HTTP status code 404 mean?",
    "How many minutes are there in a week?",
    "Translate 'good morning, how are you?' into Spanish.",
    "Why do leaves change colour in autumn?",
    "What is a prime number? Give two examples.",
    "Describe the water cycle for a ten-year-old.",
    "What should I pack for a weekend hiking trip?",
]


def percentile(values, q):
    """Linear interpolation between closest ranks (numpy's default): q in [0, 100]."""
    if not values:
        return None
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    position = (len(ordered) - 1) * q / 100.0
    lower = int(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


def loopback_url(text):
    parsed = urllib.parse.urlparse(text)
    host = parsed.hostname or ""
    if parsed.scheme not in ("http", "https") or not host:
        raise SystemExit(f"chat_load: --base-url '{text}' is not an http(s) URL")
    if host != "localhost":
        try:
            if not ipaddress.ip_address(host).is_loopback:
                raise ValueError
        except ValueError:
            raise SystemExit(f"chat_load: --base-url host '{host}' is not a loopback address (127.0.0.0/8, ::1, localhost)")
    return text.rstrip("/")


def read_rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


class Point:
    """Counters and samples of one (server, concurrency) run."""

    def __init__(self):
        self.ttft = []
        self.end_to_end = []
        self.completion_tokens = 0
        self.requests = 0
        self.errors = 0
        self.error_kinds = {}
        self.short_responses = 0
        self.token_sources = set()
        self.prompt_tokens = 0
        self.cached_tokens = 0

    def error(self, kind):
        self.errors += 1
        self.error_kinds[kind] = self.error_kinds.get(kind, 0) + 1


async def chat_request(session, args, model, prompt_index):
    """One streamed chat completion. Returns (ttft, end_to_end, tokens, token_source, usage or None) or raises."""
    import aiohttp
    body = {
        "model": model,
        "messages": [
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": PROMPTS[prompt_index % len(PROMPTS)]},
        ],
        "max_tokens": args.max_tokens,
        "temperature": args.temperature,
        "stream": True,
        "stream_options": {"include_usage": True},
        "ignore_eos": True,
    }
    headers = {"Content-Type": "application/json", "Accept": "text/event-stream"}
    if args.api_key:
        headers["Authorization"] = f"Bearer {args.api_key}"
    started = time.perf_counter()
    ttft = None
    deltas = 0
    usage = None
    finish_reason = None
    done = False
    timeout = aiohttp.ClientTimeout(total=args.request_timeout)
    async with session.post(f"{args.base_url}/v1/chat/completions", json=body, headers=headers, timeout=timeout) as response:
        if response.status != 200:
            text = (await response.text())[:200]
            raise RequestError(f"http-{response.status}", text)
        buffer = b""
        async for raw in response.content:
            buffer += raw
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                line = line.strip()
                if not line.startswith(b"data:"):
                    continue
                payload = line[5:].strip()
                if payload == b"[DONE]":
                    done = True
                    continue
                try:
                    chunk = json.loads(payload)
                except json.JSONDecodeError:
                    raise RequestError("bad-json", payload[:200].decode("utf-8", "replace"))
                if "error" in chunk:
                    raise RequestError("stream-error", json.dumps(chunk["error"])[:200])
                for choice in chunk.get("choices") or []:
                    content = (choice.get("delta") or {}).get("content")
                    if content:
                        if ttft is None:
                            ttft = time.perf_counter() - started
                        deltas += 1
                    if choice.get("finish_reason"):
                        finish_reason = choice["finish_reason"]
                if chunk.get("usage"):
                    usage = chunk["usage"]
    end_to_end = time.perf_counter() - started
    if not done:
        raise RequestError("no-done", "the stream ended without data: [DONE]")
    if finish_reason is None:
        raise RequestError("no-finish-reason", "no chunk carried finish_reason")
    if usage is not None and isinstance(usage.get("completion_tokens"), int):
        tokens, source = usage["completion_tokens"], "usage"
    else:
        tokens, source = deltas, "deltas"
    if tokens == 0 or ttft is None:
        raise RequestError("no-tokens", "no content delta")
    return ttft, end_to_end, tokens, source, usage


class RequestError(Exception):
    def __init__(self, kind, detail):
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail


async def discover_model(session, args):
    headers = {"Authorization": f"Bearer {args.api_key}"} if args.api_key else {}
    import aiohttp
    async with session.get(f"{args.base_url}/v1/models", headers=headers, timeout=aiohttp.ClientTimeout(total=10)) as response:
        if response.status != 200:
            raise SystemExit(f"chat_load: GET /v1/models answered {response.status}")
        listing = await response.json()
    models = [entry.get("id") for entry in listing.get("data") or [] if entry.get("id")]
    if not models:
        raise SystemExit("chat_load: GET /v1/models lists no model")
    return models[0]


async def run(args):
    import aiohttp
    # A new connection per request: servers close keep-alive connections on their own terms (llama-server's
    # httplib after a few requests or seconds idle), and a pooled connection closed under the client would count as
    # an error that is the client's doing. On loopback a connect costs well under a millisecond.
    connector = aiohttp.TCPConnector(limit=args.concurrency + 2, force_close=True)
    rss = []
    async with aiohttp.ClientSession(connector=connector) as session:
        model = args.model or await discover_model(session, args)
        # Warm-up: one untimed request (loads pages, fills caches), which must succeed.
        try:
            await chat_request(session, args, model, len(PROMPTS) - 1)
        except (RequestError, aiohttp.ClientError, asyncio.TimeoutError) as error:
            raise SystemExit(f"chat_load: the warm-up request to {args.base_url} failed: {error}")
        point = Point()
        cpu_before = resource.getrusage(resource.RUSAGE_SELF)
        counter = iter(range(10**9))
        started = time.perf_counter()
        deadline = started + args.duration

        async def worker():
            while time.perf_counter() < deadline:
                index = next(counter)
                try:
                    ttft, end_to_end, tokens, source, usage = await chat_request(session, args, model, index)
                except RequestError as error:
                    point.error(error.kind)
                    continue
                except asyncio.TimeoutError:
                    point.error("timeout")
                    continue
                except aiohttp.ClientError as error:
                    point.error(type(error).__name__)
                    # A refused connection fails at once: do not spin on a dead server.
                    await asyncio.sleep(0.1)
                    continue
                point.requests += 1
                point.ttft.append(ttft)
                point.end_to_end.append(end_to_end)
                point.completion_tokens += tokens
                point.token_sources.add(source)
                if tokens < args.max_tokens:
                    point.short_responses += 1
                if usage:
                    point.prompt_tokens += usage.get("prompt_tokens") or 0
                    point.cached_tokens += ((usage.get("prompt_tokens_details") or {}).get("cached_tokens") or 0)

        async def sampler():
            while True:
                value = read_rss_kib(args.rss_pid)
                if value is not None:
                    rss.append({"t": round(time.perf_counter() - started, 1), "rss_kib": value})
                await asyncio.sleep(args.rss_interval)

        sampling = asyncio.create_task(sampler()) if args.rss_pid else None
        await asyncio.gather(*(worker() for _ in range(args.concurrency)))
        elapsed = time.perf_counter() - started
        cpu_after = resource.getrusage(resource.RUSAGE_SELF)
        client_cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
        if sampling:
            sampling.cancel()
            value = read_rss_kib(args.rss_pid)
            if value is not None:
                rss.append({"t": round(elapsed, 1), "rss_kib": value})
    sources = point.token_sources
    result = {
        "label": args.label,
        "base_url": args.base_url,
        "model": model,
        "concurrency": args.concurrency,
        "duration_s": args.duration,
        "elapsed_s": elapsed,
        "max_tokens": args.max_tokens,
        "requests": point.requests,
        "errors": point.errors,
        "error_kinds": point.error_kinds,
        "short_responses": point.short_responses,
        "completion_tokens": point.completion_tokens,
        "prompt_tokens": point.prompt_tokens,
        "cached_tokens": point.cached_tokens,
        "token_source": "usage" if sources == {"usage"} else "deltas" if sources == {"deltas"} else "mixed" if sources else None,
        "requests_per_s": point.requests / elapsed,
        "tokens_per_s": point.completion_tokens / elapsed,
        "ttft_s": point.ttft,
        "end_to_end_s": point.end_to_end,
        "rss": rss,
        "client_cpu_s": client_cpu,
        "load1_end": float(open("/proc/loadavg").read().split()[0]),
    }
    for key, value in (args.meta or []):
        result[key] = value
    with open(args.output, "w") as out:
        json.dump(result, out)
    line = (f"{args.label} c={args.concurrency}: {result['requests_per_s']:.2f} req/s, {result['tokens_per_s']:.1f} tok/s "
            f"({result['token_source']}), TTFT p50 {fmt_ms(percentile(point.ttft, 50))} p99 {fmt_ms(percentile(point.ttft, 99))}, "
            f"e2e p50 {fmt_ms(percentile(point.end_to_end, 50))} p99 {fmt_ms(percentile(point.end_to_end, 99))}, "
            f"{point.requests} requests, {point.errors} errors, client CPU {100 * client_cpu / elapsed:.1f}%" + (f" {point.error_kinds}" if point.errors else "")
            + (f", {point.short_responses} short" if point.short_responses else ""))
    if rss:
        values = [sample["rss_kib"] for sample in rss]
        line += f"; RSS MiB first {values[0] / 1024:.1f} last {values[-1] / 1024:.1f} max {max(values) / 1024:.1f}"
    print(line, flush=True)


def fmt_ms(seconds):
    if seconds is None:
        return "-"
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


def aggregate(points):
    """Pool the repeats of one (server, concurrency): work over total elapsed time, percentiles over all requests."""
    elapsed = sum(p["elapsed_s"] for p in points)
    ttft = [v for p in points for v in p["ttft_s"]]
    e2e = [v for p in points for v in p["end_to_end_s"]]
    sources = {p["token_source"] for p in points if p["token_source"]}
    return {
        "repeats": len(points),
        "requests": sum(p["requests"] for p in points),
        "errors": sum(p["errors"] for p in points),
        "short_responses": sum(p["short_responses"] for p in points),
        "requests_per_s": sum(p["requests"] for p in points) / elapsed,
        "tokens_per_s": sum(p["completion_tokens"] for p in points) / elapsed,
        "tokens_per_s_by_repeat": [round(p["tokens_per_s"], 2) for p in points],
        "token_source": sources.pop() if len(sources) == 1 else "mixed" if sources else None,
        "ttft_p50_s": percentile(ttft, 50), "ttft_p99_s": percentile(ttft, 99),
        "end_to_end_p50_s": percentile(e2e, 50), "end_to_end_p99_s": percentile(e2e, 99),
        "load1": [f"{p.get('load1')}→{p.get('load1_end')}" for p in points],
    }


def summarize(args):
    points = []
    for path in args.points:
        with open(path) as source:
            points.append(json.load(source))
    header = None
    if args.header:
        with open(args.header) as source:
            header = json.load(source)
    timed = [p for p in points if p.get("phase", "load") == "load"]
    soaks = [p for p in points if p.get("phase") == "soak"]
    servers = []
    for p in timed:
        if p["label"] not in servers:
            servers.append(p["label"])
    concurrencies = sorted({p["concurrency"] for p in timed})
    table = {}
    for server in servers:
        for c in concurrencies:
            group = [p for p in timed if p["label"] == server and p["concurrency"] == c]
            if group:
                table[(server, c)] = aggregate(group)
    rows = []
    print()
    if timed:
        print("| server | c | req/s | gen tok/s | TTFT p50 | TTFT p99 | e2e p50 | e2e p99 | requests | errors | load1 start→end |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for c in concurrencies:
        for server in servers:
            row = table.get((server, c))
            if not row:
                continue
            rows.append({"server": server, "concurrency": c, **row})
            loads = " ".join(str(l) for l in row["load1"] if l is not None)
            print(f"| {server} | {c} | {row['requests_per_s']:.2f} | {row['tokens_per_s']:.1f} | {fmt_ms(row['ttft_p50_s'])} | "
                  f"{fmt_ms(row['ttft_p99_s'])} | {fmt_ms(row['end_to_end_p50_s'])} | {fmt_ms(row['end_to_end_p99_s'])} | "
                  f"{row['requests']} | {row['errors']}" + (f" ({row['short_responses']} short)" if row["short_responses"] else "")
                  + f" | {loads} |")
        flint, llama = table.get(("flint", c)), table.get(("llama-server", c))
        if flint and llama:
            ratio = {
                "server": "flint/llama-server", "concurrency": c,
                "requests_per_s": flint["requests_per_s"] / llama["requests_per_s"] if llama["requests_per_s"] else None,
                "tokens_per_s": flint["tokens_per_s"] / llama["tokens_per_s"] if llama["tokens_per_s"] else None,
                "ttft_p50_s": ratio_of(flint["ttft_p50_s"], llama["ttft_p50_s"]),
                "ttft_p99_s": ratio_of(flint["ttft_p99_s"], llama["ttft_p99_s"]),
                "end_to_end_p50_s": ratio_of(flint["end_to_end_p50_s"], llama["end_to_end_p50_s"]),
                "end_to_end_p99_s": ratio_of(flint["end_to_end_p99_s"], llama["end_to_end_p99_s"]),
            }
            rows.append(ratio)
            print(f"| **Flint ÷ llama** | {c} | {fx(ratio['requests_per_s'])} | **{fx(ratio['tokens_per_s'])}** | "
                  f"{fx(ratio['ttft_p50_s'])} | {fx(ratio['ttft_p99_s'])} | {fx(ratio['end_to_end_p50_s'])} | "
                  f"**{fx(ratio['end_to_end_p99_s'])}** | | | |")
    sources = {r.get("token_source") for r in rows if r.get("token_source")}
    if timed:
        print()
        print(f"gen tok/s: generated tokens from {', '.join(sorted(sources)) or '-'} "
              "(usage = usage.completion_tokens of the include_usage chunk) over the elapsed time incl. the drain of "
              "in-flight requests; percentiles over all requests of all repeats; ratios Flint ÷ llama-server (latency: "
              "lower is better).")
    soak_rows = []
    for p in soaks:
        values = [s["rss_kib"] for s in p["rss"]]
        e2e = p["end_to_end_s"]
        soak = {"server": p["label"], "concurrency": p["concurrency"], "duration_s": p["duration_s"],
                "requests": p["requests"], "errors": p["errors"], "requests_per_s": p["requests_per_s"],
                "tokens_per_s": p["tokens_per_s"], "end_to_end_p99_s": percentile(e2e, 99),
                "rss_mib": [round(v / 1024, 1) for v in values], "load1": p.get("load1"), "load1_end": p.get("load1_end")}
        if values:
            soak.update(rss_first_mib=values[0] / 1024, rss_last_mib=values[-1] / 1024, rss_max_mib=max(values) / 1024)
        soak_rows.append(soak)
        print(f"soak {p['label']} c={p['concurrency']} {p['duration_s']} s: {p['requests']} requests, {p['errors']} errors, "
              f"{p['tokens_per_s']:.1f} tok/s, e2e p99 {fmt_ms(soak['end_to_end_p99_s'])}; resident MiB first "
              f"{soak.get('rss_first_mib', 0):.1f} last {soak.get('rss_last_mib', 0):.1f} max {soak.get('rss_max_mib', 0):.1f} "
              f"(every 10 s: {' '.join(f'{v:.0f}' for v in soak['rss_mib'])})")
    results = {"header": header, "rows": rows, "soak": soak_rows, "points": [
        {k: v for k, v in p.items() if k not in ("ttft_s", "end_to_end_s")} for p in points]}
    with open(args.output, "w") as out:
        json.dump(results, out, indent=1)
    print(f"results: {args.output}")


def ratio_of(a, b):
    return a / b if a is not None and b else None


def fx(value):
    return "-" if value is None else f"{value:.2f}×"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    runner = commands.add_parser("run")
    runner.add_argument("--base-url", required=True, type=loopback_url)
    runner.add_argument("--label", required=True)
    runner.add_argument("--model")
    runner.add_argument("--api-key", default=os.environ.get("BENCH_API_KEY"))
    runner.add_argument("--concurrency", type=positive_int, required=True)
    runner.add_argument("--duration", type=positive_float, required=True)
    runner.add_argument("--max-tokens", type=positive_int, default=64)
    runner.add_argument("--temperature", type=float, default=0.0)
    runner.add_argument("--request-timeout", type=positive_float, default=120.0)
    runner.add_argument("--rss-pid", type=positive_int)
    runner.add_argument("--rss-interval", type=positive_float, default=10.0)
    runner.add_argument("--meta", nargs=2, action="append", metavar=("KEY", "VALUE"), help="extra fields for the JSON")
    runner.add_argument("--output", required=True)
    summary = commands.add_parser("summarize")
    summary.add_argument("--output", required=True)
    summary.add_argument("--header", help="JSON file with the run's settings")
    summary.add_argument("points", nargs="+")
    args = parser.parse_args()
    if args.command == "run":
        meta = []
        for key, value in args.meta or []:
            try:
                meta.append((key, json.loads(value)))
            except json.JSONDecodeError:
                meta.append((key, value))
        args.meta = meta
        try:
            import aiohttp  # noqa: F401
        except ImportError:
            raise SystemExit("chat_load: aiohttp is missing (run scripts/setup-peers.sh)")
        asyncio.run(run(args))
    else:
        summarize(args)


def positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not an integer")
    if value < 1:
        raise argparse.ArgumentTypeError(f"'{text}' is not positive")
    return value


def positive_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number")
    if not value > 0:
        raise argparse.ArgumentTypeError(f"'{text}' is not positive")
    return value


if __name__ == "__main__":
    sys.exit(main())
