"""Smoke test: the official Python letta-client (PyPI) against a running Reverie server.

Usage: smoke.py <server url> [api key]

With an API key the server must require it: the client is first shown to be refused (401, a clear
AuthenticationError) without a key and with a wrong one, then every step runs with `api_key`.

The server's model must be scripted to answer, in order:
  1. "Hello from the Python smoke test."   (the plain send)
  2. "Streaming works from Python."        (the streamed send)
Prints one line per step; exits 1 with a message on the first failed check.
"""

import sys
import traceback

from letta_client import AuthenticationError, Letta, NotFoundError

SEND_REPLY = "Hello from the Python smoke test."
STREAM_REPLY = "Streaming works from Python."


def step(name: str) -> None:
    print(f"smoke: {name}", flush=True)


def strict(obj, what: str):
    """Re-validates a parsed response with pydantic. The client builds its models without
    validation, so a required field the server omits (or a wrong type) only shows up here."""
    try:
        type(obj).model_validate(obj.to_dict())
    except Exception as error:  # noqa: BLE001
        raise AssertionError(f"{what} does not match the client's {type(obj).__name__} model: {error}") from error
    return obj


def refused(client: Letta, what: str) -> None:
    """A request of a client the server must refuse: a 401 whose detail says what to send."""
    try:
        client.agents.list()
    except AuthenticationError as error:
        assert error.status_code == 401, f"{what}: status {error.status_code}"
        assert "Authorization: Bearer" in str(error.body), f"{what}: body {error.body!r}"
        print(f"smoke:   {what}: 401 {error.body!r}", flush=True)
    else:
        raise AssertionError(f"{what}: the server answered without a valid key")


def main(base_url: str, api_key: str | None) -> None:
    if api_key is not None:
        step("refused without a key, and with a wrong one")
        refused(Letta(base_url=base_url, max_retries=0, timeout=30), "no key")
        refused(Letta(base_url=base_url, api_key=f"{api_key}-wrong", max_retries=0, timeout=30), "wrong key")
    client = Letta(base_url=base_url, api_key=api_key, max_retries=0, timeout=30)

    step("health")
    health = client.health()
    assert health.status == "ok", f"health status: {health!r}"

    step("create agent")
    agent = client.agents.create(
        name="python-smoke",
        model="openai/gpt-4o-mini",
        memory_blocks=[
            {"label": "persona", "value": "I am a smoke-test agent."},
            {"label": "human", "value": "The user is a Python script."},
        ],
    )
    strict(agent, "created agent")
    assert agent.id.startswith("agent-"), f"agent id: {agent.id!r}"
    labels = sorted(block.label for block in agent.blocks)
    assert labels == ["human", "persona"], f"memory block labels: {labels!r}"

    step("send message")
    response = client.agents.messages.create(
        agent.id, messages=[{"role": "user", "content": "Say hello."}]
    )
    strict(response, "send response")
    assistant = [m for m in response.messages if m.message_type == "assistant_message"]
    assert assistant, f"no assistant_message in {[m.message_type for m in response.messages]!r}"
    assert assistant[-1].content == SEND_REPLY, f"assistant content: {assistant[-1].content!r}"
    assert response.stop_reason.stop_reason == "end_turn", f"stop_reason: {response.stop_reason!r}"
    assert response.usage.step_count >= 1, f"usage: {response.usage!r}"

    step("stream message")
    chunks = list(
        client.agents.messages.create(
            agent.id,
            messages=[{"role": "user", "content": "Now stream."}],
            streaming=True,
            stream_tokens=True,
        )
    )
    for chunk in chunks:
        strict(chunk, f"stream chunk {chunk.message_type}")
    types = [chunk.message_type for chunk in chunks]
    streamed = "".join(
        chunk.content
        for chunk in chunks
        if chunk.message_type == "assistant_message" and isinstance(chunk.content, str)
    )
    print(f"smoke:   {len(chunks)} chunks: {types!r}", flush=True)
    assert "assistant_message" in types, f"stream chunk types: {types!r}"
    assert streamed == STREAM_REPLY, f"streamed assistant text: {streamed!r}"
    stops = [chunk for chunk in chunks if chunk.message_type == "stop_reason"]
    assert stops and stops[-1].stop_reason == "end_turn", f"stream stop reasons: {stops!r} in {types!r}"

    step("list messages")
    listed = list(client.agents.messages.list(agent.id, limit=100))
    for message in listed:
        strict(message, f"listed {message.message_type}")
    listed_types = [m.message_type for m in listed]
    user_texts = [m.content for m in listed if m.message_type == "user_message"]
    assistant_texts = [m.content for m in listed if m.message_type == "assistant_message"]
    assert any("Say hello." in str(t) for t in user_texts), f"user messages: {user_texts!r}"
    assert any("Now stream." in str(t) for t in user_texts), f"user messages: {user_texts!r}"
    assert SEND_REPLY in assistant_texts, f"assistant messages: {assistant_texts!r} (types {listed_types!r})"
    assert STREAM_REPLY in assistant_texts, f"assistant messages: {assistant_texts!r} (types {listed_types!r})"

    step("retrieve agent")
    retrieved = strict(client.agents.retrieve(agent.id), "retrieved agent")
    assert retrieved.id == agent.id and retrieved.name == "python-smoke", f"retrieved: {retrieved.id!r} {retrieved.name!r}"

    step("delete agent")
    client.agents.delete(agent.id)
    remaining = [a.id for a in client.agents.list()]
    assert agent.id not in remaining, f"agent still listed after delete: {remaining!r}"
    try:
        client.agents.retrieve(agent.id)
    except NotFoundError:
        pass
    else:
        raise AssertionError("retrieving a deleted agent did not raise NotFoundError")

    print("smoke: ok", flush=True)


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        print("usage: smoke.py <server url> [api key]", file=sys.stderr)
        sys.exit(2)
    try:
        main(sys.argv[1], sys.argv[2] if len(sys.argv) == 3 else None)
    except Exception:  # noqa: BLE001 - any failure (assert, HTTP, validation) fails the smoke
        traceback.print_exc()
        sys.exit(1)
