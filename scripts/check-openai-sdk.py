#!/usr/bin/env python3
"""Checks a live OpenAI-compatible server with the official `openai` package (issue 13, "Checked with real clients").

    check-openai-sdk.py --base-url http://127.0.0.1:8080 [--api-key KEY] [--model CHAT_MODEL]
                        [--embedding-model NAME] [--azure-deployment NAME] [--azure-embedding-deployment NAME]

--base-url is the server's root: the OpenAI client gets {root}/v1, the Azure client `azure_endpoint={root}` (so its
requests go to {root}/openai/deployments/{name}/...?api-version=2023-12-01-preview with an `api-key` header).
--model defaults to the first model of models.list; the Azure deployments default to --model / --embedding-model.
Without --embedding-model the embedding checks print SKIP (the server has no embedding model); without --api-key the
wrong-key check prints SKIP (a server without keys accepts any). Every client runs with max_retries=0.

Checks, one line each (PASS / FAIL / SKIP name: detail), then 'N passed, N failed, N skipped'; exit status 1 on any
FAIL, 2 when the server does not answer at all:
  models.list             a list of models, each with id and object "model"; the chat model is in it
  chat                    chat.completions.create: object chat.completion, assistant message with text,
                          finish_reason stop|length, usage prompt/completion/total tokens consistent
  chat-stream             stream=True, stream_options.include_usage: every chunk chat.completion.chunk with one id;
                          the first delta carries role assistant, then content deltas, exactly one chunk with
                          finish_reason, then one usage chunk with choices [] as the last chunk (the SDK ends the
                          iteration at data: [DONE])
  completions             completions.create: object text_completion, text, finish_reason, usage
  embeddings              embeddings.create with two inputs: two vectors of one length > 0, index 0 and 1, usage
  error-empty-messages    messages [] raises BadRequestError (400)
  error-temperature       temperature 5 (OpenAI's range is 0..2) raises BadRequestError naming `temperature`
  error-wrong-key         a wrong API key raises AuthenticationError (401)
  error-unknown-model     an unknown model raises NotFoundError (404) with code model_not_found
  azure-chat              openai.AzureOpenAI(azure_endpoint, api_version="2023-12-01-preview", api_key): chat
  azure-embeddings        the same client: embeddings on the embedding deployment
Only loopback servers are accepted: this talks to a server you started on this machine.
"""
import argparse
import ipaddress
import sys
import traceback
import urllib.parse

API_VERSION = "2023-12-01-preview"
MESSAGES = [
    {"role": "system", "content": "You are a helpful assistant. Answer briefly."},
    {"role": "user", "content": "What is the capital of France?"},
]


class Report:
    def __init__(self):
        self.counts = {"PASS": 0, "FAIL": 0, "SKIP": 0}

    def line(self, status, name, detail):
        self.counts[status] += 1
        print(f"{status} {name}: {detail}", flush=True)

    def run(self, name, check, *args):
        """check returns a detail string (PASS), raises Skip (SKIP) or raises anything else (FAIL)."""
        try:
            detail = check(*args)
            self.line("PASS", name, detail)
        except Skip as skip:
            self.line("SKIP", name, str(skip))
        except Failure as failure:
            self.line("FAIL", name, str(failure))
        except Exception as error:  # an SDK exception or a shape the SDK could not parse
            self.line("FAIL", name, describe(error))
            if OPTIONS.verbose:
                traceback.print_exc()


class Skip(Exception):
    pass


class Failure(Exception):
    pass


def expect(condition, message):
    if not condition:
        raise Failure(message)


def describe(error):
    status = getattr(error, "status_code", None)
    body = getattr(error, "body", None)
    text = f"{type(error).__name__}" + (f" (HTTP {status})" if status else "") + f": {error}"
    if body is not None and str(body) not in text:
        text += f" body={body}"
    return text[:400]


def loopback_root(text):
    parsed = urllib.parse.urlparse(text)
    host = parsed.hostname or ""
    if parsed.scheme not in ("http", "https") or not host:
        raise argparse.ArgumentTypeError(f"'{text}' is not an http(s) URL")
    if host != "localhost":
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            raise argparse.ArgumentTypeError(f"host '{host}' is not a loopback address (127.0.0.0/8, ::1, localhost)")
    root = text.rstrip("/")
    if root.endswith("/v1"):
        root = root[:-3]
    return root


# ---- checks -------------------------------------------------------------------------------------------------------

def check_models(client, model):
    listing = client.models.list()
    models = list(listing)
    expect(models, "models.list returned no model")
    for entry in models:
        expect(isinstance(entry.id, str) and entry.id, f"a model without id: {entry}")
        expect(entry.object == "model", f"model {entry.id!r} has object {entry.object!r}, not 'model'")
    ids = [entry.id for entry in models]
    expect(model in ids, f"the chat model {model!r} is not listed ({ids})")
    return f"{len(models)} model(s): {', '.join(ids)}"


def check_chat(client, model):
    response = client.chat.completions.create(model=model, messages=MESSAGES, max_tokens=16, temperature=0)
    expect(response.object == "chat.completion", f"object {response.object!r}")
    expect(isinstance(response.id, str) and response.id, "no id")
    expect(response.choices, "no choices")
    choice = response.choices[0]
    expect(choice.message.role == "assistant", f"message role {choice.message.role!r}")
    expect(isinstance(choice.message.content, str) and choice.message.content, "empty message content")
    expect(choice.finish_reason in ("stop", "length"), f"finish_reason {choice.finish_reason!r}")
    usage = response.usage
    expect(usage is not None, "no usage")
    expect(usage.prompt_tokens > 0 and usage.completion_tokens > 0, f"usage {usage}")
    expect(usage.total_tokens == usage.prompt_tokens + usage.completion_tokens, f"total_tokens inconsistent: {usage}")
    expect(usage.completion_tokens <= 16, f"{usage.completion_tokens} completion tokens for max_tokens 16")
    return (f"{choice.finish_reason}, {usage.prompt_tokens}+{usage.completion_tokens} tokens: "
            f"{choice.message.content[:60]!r}")


def check_chat_stream(client, model):
    stream = client.chat.completions.create(model=model, messages=MESSAGES, max_tokens=16, temperature=0, stream=True,
                                            stream_options={"include_usage": True})
    chunks = list(stream)  # the SDK stops at data: [DONE]; a stream without it or with a bad line raises
    expect(chunks, "no chunk")
    ids = {chunk.id for chunk in chunks}
    expect(len(ids) == 1, f"chunks carry {len(ids)} different ids")
    for chunk in chunks:
        expect(chunk.object == "chat.completion.chunk", f"a chunk with object {chunk.object!r}")
    with_choices = [chunk for chunk in chunks if chunk.choices]
    expect(with_choices, "no chunk with choices")
    first = with_choices[0].choices[0].delta
    expect(first.role == "assistant", f"the first delta has role {first.role!r}, not 'assistant'")
    content = [chunk.choices[0].delta.content for chunk in with_choices if chunk.choices[0].delta.content]
    expect(content, "no content delta")
    finishing = [chunk for chunk in with_choices if chunk.choices[0].finish_reason is not None]
    expect(len(finishing) == 1, f"{len(finishing)} chunks carry a finish_reason (want exactly 1)")
    reason = finishing[0].choices[0].finish_reason
    expect(reason in ("stop", "length"), f"finish_reason {reason!r}")
    expect(with_choices[-1] is finishing[0], "content after the finish_reason chunk")
    last = chunks[-1]
    expect(last.choices == [], f"the last chunk has choices {last.choices} (want [] with usage)")
    expect(last.usage is not None, "the last chunk has no usage (include_usage)")
    usage_chunks = [chunk for chunk in chunks if chunk.usage is not None]
    expect(len(usage_chunks) == 1, f"{len(usage_chunks)} chunks carry usage (want only the last)")
    usage = last.usage
    expect(usage.completion_tokens >= len(content) and usage.completion_tokens <= 16,
           f"usage.completion_tokens {usage.completion_tokens} for {len(content)} content deltas, max_tokens 16")
    expect(usage.total_tokens == usage.prompt_tokens + usage.completion_tokens, f"total_tokens inconsistent: {usage}")
    return (f"{len(chunks)} chunks: role, {len(content)} content deltas, finish_reason {reason}, usage "
            f"{usage.prompt_tokens}+{usage.completion_tokens}; text {''.join(content)[:50]!r}")


def check_completions(client, model):
    response = client.completions.create(model=model, prompt="Once upon a time", max_tokens=8, temperature=0)
    expect(response.object == "text_completion", f"object {response.object!r}")
    expect(response.choices, "no choices")
    choice = response.choices[0]
    expect(isinstance(choice.text, str) and choice.text, "empty text")
    expect(choice.finish_reason in ("stop", "length"), f"finish_reason {choice.finish_reason!r}")
    expect(response.usage is not None and response.usage.completion_tokens > 0, f"usage {response.usage}")
    return f"{choice.finish_reason}, {response.usage.completion_tokens} tokens: {choice.text[:60]!r}"


def check_embeddings(client, model):
    if not model:
        raise Skip("skipped: no --embedding-model (the server has no embedding model)")
    response = client.embeddings.create(model=model, input=["The cat sat on the mat.", "Stock markets fell today."])
    expect(response.object == "list", f"object {response.object!r}")
    expect(len(response.data) == 2, f"{len(response.data)} embeddings for 2 inputs")
    expect([item.index for item in response.data] == [0, 1], f"indices {[item.index for item in response.data]}")
    dims = {len(item.embedding) for item in response.data}
    expect(len(dims) == 1 and dims.pop() > 0, f"vector lengths {[len(item.embedding) for item in response.data]}")
    expect(all(isinstance(v, float) for v in response.data[0].embedding[:8]), "non-float components")
    expect(response.usage is not None and response.usage.prompt_tokens > 0, f"usage {response.usage}")
    return f"2 × {len(response.data[0].embedding)} floats, {response.usage.prompt_tokens} prompt tokens"


def expect_error(call, wanted, name):
    import openai
    try:
        result = call()
    except wanted as error:
        return error
    except openai.APIStatusError as error:
        raise Failure(f"{describe(error)} — want {wanted.__name__}")
    raise Failure(f"no error (want {wanted.__name__}): {str(result)[:150]}")


def check_empty_messages(client, model):
    import openai
    error = expect_error(lambda: client.chat.completions.create(model=model, messages=[], max_tokens=4),
                         openai.BadRequestError, "empty messages")
    return f"HTTP {error.status_code}: {str(error)[:150]}"


def check_temperature(client, model):
    import openai
    error = expect_error(lambda: client.chat.completions.create(model=model, messages=MESSAGES, max_tokens=4, temperature=5),
                         openai.BadRequestError, "temperature")
    expect(error.param == "temperature" or "temperature" in str(error),
           f"the error does not name temperature: param={error.param!r} {str(error)[:150]}")
    return f"HTTP {error.status_code}, param {error.param!r}: {str(error)[:120]}"


def check_wrong_key(root, model, key):
    import openai
    if not key:
        raise Skip("skipped: no --api-key (a server started without keys accepts any)")
    wrong = openai.OpenAI(base_url=f"{root}/v1", api_key=key + "-wrong", max_retries=0, timeout=30)
    error = expect_error(lambda: wrong.chat.completions.create(model=model, messages=MESSAGES, max_tokens=4),
                         openai.AuthenticationError, "wrong key")
    return f"HTTP {error.status_code}: {str(error)[:150]}"


def check_unknown_model(client, model):
    import openai
    error = expect_error(lambda: client.chat.completions.create(model="no-such-model-e3b0c442", messages=MESSAGES, max_tokens=4),
                         openai.NotFoundError, "unknown model")
    expect(error.code == "model_not_found", f"NotFoundError with code {error.code!r}, not 'model_not_found': {str(error)[:150]}")
    return f"HTTP {error.status_code}, code {error.code}"


def azure_client(root, key):
    import openai
    # AzureOpenAI requires a key; a server without keys ignores it.
    return openai.AzureOpenAI(azure_endpoint=root, api_version=API_VERSION, api_key=key or "unused", max_retries=0,
                              timeout=60)


def check_azure_chat(root, key, deployment):
    client = azure_client(root, key)
    response = client.chat.completions.create(model=deployment, messages=MESSAGES, max_tokens=16, temperature=0)
    expect(response.choices and response.choices[0].message.content, "no message content")
    expect(response.choices[0].message.role == "assistant", f"role {response.choices[0].message.role!r}")
    return (f"/openai/deployments/{deployment}/chat/completions?api-version={API_VERSION}: "
            f"{response.choices[0].message.content[:60]!r}")


def check_azure_embeddings(root, key, deployment):
    if not deployment:
        raise Skip("skipped: no --embedding-model / --azure-embedding-deployment (the server has no embedding model)")
    client = azure_client(root, key)
    response = client.embeddings.create(model=deployment, input=["The cat sat on the mat."])
    expect(len(response.data) == 1 and len(response.data[0].embedding) > 0, f"{len(response.data)} embeddings")
    return f"/openai/deployments/{deployment}/embeddings: 1 × {len(response.data[0].embedding)} floats"


OPTIONS = None


def main():
    global OPTIONS
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-url", required=True, type=loopback_root, help="server root, e.g. http://127.0.0.1:8080")
    parser.add_argument("--api-key", default="", help="a valid key (empty: the server needs none)")
    parser.add_argument("--model", help="chat model (default: the first of models.list)")
    parser.add_argument("--embedding-model", help="embedding model (none: the embedding checks are skipped)")
    parser.add_argument("--azure-deployment", help="Azure chat deployment (default: --model)")
    parser.add_argument("--azure-embedding-deployment", help="Azure embedding deployment (default: --embedding-model)")
    parser.add_argument("--verbose", action="store_true", help="print tracebacks of failures")
    OPTIONS = parser.parse_args()
    try:
        import openai
    except ImportError:
        print("check-openai-sdk: the openai package is missing (run scripts/setup-peers.sh)", file=sys.stderr)
        return 2
    root, key = OPTIONS.base_url, OPTIONS.api_key
    client = openai.OpenAI(base_url=f"{root}/v1", api_key=key or "unused", max_retries=0, timeout=60)
    model = OPTIONS.model
    if not model:
        try:
            model = next(iter(client.models.list())).id
        except StopIteration:
            print(f"check-openai-sdk: {root}/v1/models lists no model; pass --model", file=sys.stderr)
            return 2
        except openai.APIConnectionError as error:
            print(f"check-openai-sdk: no server at {root}: {error}", file=sys.stderr)
            return 2
        except openai.APIStatusError as error:
            print(f"check-openai-sdk: models.list failed ({describe(error)}); pass --model", file=sys.stderr)
            return 2
    embedding = OPTIONS.embedding_model
    print(f"check-openai-sdk: openai {openai.__version__} against {root} (chat model {model!r}, embedding model "
          f"{embedding!r}, key {'given' if key else 'none'})")
    report = Report()
    report.run("models.list", check_models, client, model)
    report.run("chat", check_chat, client, model)
    report.run("chat-stream", check_chat_stream, client, model)
    report.run("completions", check_completions, client, model)
    report.run("embeddings", check_embeddings, client, embedding)
    report.run("error-empty-messages", check_empty_messages, client, model)
    report.run("error-temperature", check_temperature, client, model)
    report.run("error-wrong-key", check_wrong_key, root, model, key)
    report.run("error-unknown-model", check_unknown_model, client, model)
    report.run("azure-chat", check_azure_chat, root, key, OPTIONS.azure_deployment or model)
    report.run("azure-embeddings", check_azure_embeddings, root, key, OPTIONS.azure_embedding_deployment or embedding)
    counts = report.counts
    print(f"{counts['PASS']} passed, {counts['FAIL']} failed, {counts['SKIP']} skipped")
    return 1 if counts["FAIL"] else 0


if __name__ == "__main__":
    sys.exit(main())
